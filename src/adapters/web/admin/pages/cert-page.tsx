/**
 * /admin/certificates/{serial}: what `view_cert` shows (core/usecases/view-cert.ts, in the JSON form of
 * core/views/cert-json.ts that `view_cert --output-format json` and the REST API give), every extension with
 * its criticality, the chain up to the root, the downloads, and the actions the user may take: revoke (with
 * a reason as `revoke_cert --reason` names it and an optional compromise time, RFC 5280 §5.3.1/§5.3.2),
 * release a certificate on hold, renew (a re-signing request for the key host's worker).
 */
import { formatSerial } from "../../../../core/issuance/serial.js";
import { REASONS } from "../../../../core/revocation/reasons.js";
import type { CertificateView } from "../../../../core/usecases/view-cert.js";
import { parseCertificate } from "../../../../core/x509/certificate.js";
import { formatName } from "../../../../core/x509/name.js";
import { CsrfField } from "../layout.js";

/** What the signed-in user may do to this certificate (asked of `can` for its CA). */
export interface CertActions {
  revoke: boolean;
  renew: boolean;
}

interface Props {
  view: CertificateView;
  /** certViewJson(view, now): the same values view_cert --output-format json prints. */
  json: Record<string, unknown>;
  actions: CertActions;
  csrf: string;
}

const time = (iso: unknown) => (
  <time datetime={String(iso)}>
    {String(iso)
      .replace("T", " ")
      .replace(/\.\d{3}Z$/, " UTC")}
  </time>
);

/** The reason names `revoke_cert --reason` takes (core/revocation/reasons.ts), in RFC 5280 code order. */
export const REASON_NAMES = Object.keys(REASONS);

function Status({ json }: { json: Record<string, unknown> }) {
  const status = String(json.status);
  return (
    <>
      <span class={`status status-${status.replace(/ /g, "-")}`}>{status}</span>
      {json.revoked_at !== null && (
        <span class="revocation">
          {" "}
          reason {String(json.revoked_reason ?? "unspecified")}, revoked {time(json.revoked_at)}
          {json.compromised_at !== null && <>, compromised {time(json.compromised_at)}</>}
        </span>
      )}
    </>
  );
}

function Chain({ view }: { view: CertificateView }) {
  return (
    <ol class="chain">
      {view.chain.map((der, i) => {
        const c = parseCertificate(der);
        const subject = formatName(c.subject);
        return (
          <li>
            {i === 0 ? <span>{subject}</span> : <a href={`/admin/cas/${c.serial}`}>{subject}</a>}{" "}
            <span class="serial">{formatSerial(c.serial)}</span>
          </li>
        );
      })}
    </ol>
  );
}

function RevokeForm({ serial, csrf }: { serial: string; csrf: string }) {
  return (
    <form class="revoke" method="post" action={`/admin/certificates/${serial}/revoke`}>
      <h3>Revoke</h3>
      <div>
        <label for="reason">Reason</label>
        <select id="reason" name="reason">
          {REASON_NAMES.map((r) => (
            <option value={r}>{r}</option>
          ))}
        </select>
      </div>
      <div>
        <label for="compromised">Compromised</label>
        <input
          id="compromised"
          name="compromised"
          type="text"
          placeholder="2026-11-26T12:00:00+01:00"
          aria-describedby="compromised-hint"
        />
        <p id="compromised-hint" class="hint">
          Optional: when the key was compromised, ISO 8601 with a time zone (Z or +hh:mm), in the past.
        </p>
      </div>
      <CsrfField token={csrf} />
      <button type="submit" class="danger">
        Revoke
      </button>
    </form>
  );
}

export function CertPage({ view, json, actions, csrf }: Props) {
  const serial = view.certificate.serial;
  const san = view.extensions.find((e) => e.oid === "2.5.29.17");
  const onHold = view.certificate.revokedReason === "certificate_hold";
  return (
    <div class="cert-page">
      <dl class="cert-facts">
        <dt>Subject</dt>
        <dd>{String(json.subject)}</dd>
        <dt>Subject alternative names</dt>
        <dd>
          {san ? (
            <ul class="sans">
              {san.lines.map((l) => (
                <li>{l.replace(/^\* /, "")}</li>
              ))}
            </ul>
          ) : (
            "none"
          )}
        </dd>
        <dt>Serial</dt>
        <dd class="serial">{String(json.serial)}</dd>
        <dt>Issuer</dt>
        <dd>{String(json.issuer)}</dd>
        <dt>Certificate authority</dt>
        <dd>{view.ca ? <a href={`/admin/cas/${view.ca.serial}`}>{view.ca.name}</a> : formatSerial(view.certificate.caSerial)}</dd>
        <dt>Not valid before</dt>
        <dd>{time(json.not_before)}</dd>
        <dt>Not valid after</dt>
        <dd>{time(json.not_after)}</dd>
        <dt>Status</dt>
        <dd>
          <Status json={json} />
        </dd>
        <dt>Profile</dt>
        <dd>{json.profile === null ? "(none, imported)" : String(json.profile)}</dd>
        <dt>Signature algorithm</dt>
        <dd>{String(json.signature_algorithm)}</dd>
        {view.certificate.watchers.length > 0 && (
          <>
            <dt>Watchers</dt>
            <dd>{view.certificate.watchers.join(", ")}</dd>
          </>
        )}
        <dt>SHA-256 fingerprint</dt>
        <dd class="serial">{view.fingerprints["SHA-256"]}</dd>
      </dl>

      <h2>Downloads</h2>
      <ul class="downloads">
        <li>
          <a href={`/admin/certificates/${serial}.pem`} download>
            Certificate (PEM)
          </a>
        </li>
        <li>
          <a href={`/admin/certificates/${serial}.der`} download>
            Certificate (DER)
          </a>
        </li>
        <li>
          <a href={`/admin/certificates/${serial}-bundle.pem`} download>
            Certificate and chain (PEM bundle)
          </a>
        </li>
      </ul>

      <h2>Extensions</h2>
      <table class="extensions">
        <thead>
          <tr>
            <th scope="col">Extension</th>
            <th scope="col">Critical</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {view.extensions.map((e) => (
            <tr>
              <th scope="row">
                {e.name} <span class="oid">{e.oid}</span>
              </th>
              <td>{e.critical ? "critical" : "no"}</td>
              <td>
                <pre>{e.lines.join("\n")}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Chain</h2>
      <Chain view={view} />

      {(actions.revoke || actions.renew) && <h2>Actions</h2>}
      {actions.revoke && view.certificate.revokedAt === null && <RevokeForm serial={serial} csrf={csrf} />}
      {actions.revoke && onHold && (
        <form class="unrevoke" method="post" action={`/admin/certificates/${serial}/unrevoke`}>
          <h3>Release from hold</h3>
          <p>This certificate is on hold (certificate_hold): releasing it makes it valid again.</p>
          <CsrfField token={csrf} />
          <button type="submit">Release from hold</button>
        </form>
      )}
      {actions.renew && (
        <form class="renew" method="post" action={`/admin/certificates/${serial}/renew`}>
          <h3>Renew</h3>
          <p>Renewing signs a new certificate for the same key, subject and profile (like resign_cert).</p>
          <CsrfField token={csrf} />
          <button type="submit">Renew</button>
        </form>
      )}
    </div>
  );
}
