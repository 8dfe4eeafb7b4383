/**
 * A CA's page: what `view_ca` shows (core/usecases/view-ca.ts) except where its key is, which is a path on
 * the key host and nobody's business here; its parent and children as links; its newest stored CRLs with
 * download links; its delegated OCSP responder (RFC 6960 §4.2.2.2) and when that certificate expires; the
 * CA certificate itself. "Edit" and "Issue certificate" are offered only to a user who may do them.
 */
import type { ComponentChildren } from "preact";
import type { OcspResponderRecord } from "../../../../core/ports/ocsp-responder-repository.js";
import { formatRuleSets } from "../../../../core/issuance/lint-rule-sets.js";
import { formatSerial } from "../../../../core/issuance/serial.js";
import type { CaView } from "../../../../core/usecases/view-ca.js";
import { toPem } from "../../../../core/x509/pem.js";
import { formatSigningPolicy } from "../../../../core/ca/signing-policies.js";
import { formatName } from "../../../../core/x509/name.js";
import { ACME_DISABLED } from "../../../../core/acme/model.js";
import { acmeDirectoryPath } from "../../../../core/views/ca-json.js";

/** The newest stored CRL of one scope and kind (complete or delta), without its DER. */
export interface CrlRow {
  slug: string;
  scope: string;
  delta: boolean;
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
}

export interface CaPageProps {
  view: CaView;
  crls: CrlRow[];
  responder: OcspResponderRecord | undefined;
  canEdit: boolean;
  canSign: boolean;
  now: Date;
}

/** Stored general names are "URI:…"; URLs show bare, other names with their prefix (as view_ca prints them). */
export const bareName = (g: string): string => g.replace(/^URI:/, "");

export function When({ at }: { at: Date }) {
  const iso = at.toISOString();
  return <time datetime={iso}>{iso.replace("T", " ").replace(/\.\d{3}Z$/, " UTC")}</time>;
}

const caHref = (serial: string): string => `/admin/cas/${serial}`;

function usable(v: CaView): string {
  const b = v.blocker;
  if (!b) return "yes";
  return b.self ? `no (it is ${b.why})` : `no (ancestor CA "${b.ca.name}" is ${b.why})`;
}

function keyDescription(v: CaView): string {
  const { cert } = v;
  if (cert.keyType === "RSA") return `RSA ${cert.keySize} bits`;
  if (cert.keyType === "EC") return `EC ${cert.keySize ?? "?"} bits`;
  return cert.keyType;
}

/** One row of a definition list. */
function Row({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

function NameList({ names, bare = true }: { names: string[]; bare?: boolean }) {
  if (names.length === 0) return <span class="none">none</span>;
  return (
    <ul class="plain">
      {names.map((n) => (
        <li>{bare ? bareName(n) : n}</li>
      ))}
    </ul>
  );
}

/** What the CA puts into what it signs (edit_ca changes these). */
export function SigningSettings({ ca }: { ca: CaView["ca"] }) {
  return (
    <dl class="props">
      <Row term="CRL URLs">
        <NameList names={ca.signCrlUrls} />
      </Row>
      <Row term="OCSP URLs">
        <NameList names={ca.signOcspUrls} />
      </Row>
      <Row term="Issuer URLs">
        <NameList names={ca.signIssuerUrls} />
      </Row>
      <Row term="Freshest CRL URLs">
        <NameList names={ca.signFreshestCrlUrls} />
      </Row>
      <Row term="Issuer alternative names">
        <NameList names={ca.signIssuerAltNames} bare={false} />
      </Row>
      <Row term="Certificate policies">
        <NameList names={(ca.signCertificatePolicies ?? []).map(formatSigningPolicy)} bare={false} />
      </Row>
      <Row term="Default profile">{ca.defaultProfile ?? <span class="none">the configured default</span>}</Row>
      <Row term="Default expiry">
        {ca.defaultExpiresDays ? `${ca.defaultExpiresDays} days` : <span class="none">the profile's, else the configured default</span>}
      </Row>
    </dl>
  );
}

/** How the CA answers ACME; read-only here (edit_ca --acme-* on the key host changes it). */
function AcmeSettings({ ca }: { ca: CaView["ca"] }) {
  const a = ca.acme ?? ACME_DISABLED;
  const yesNo = (b: boolean): string => (b ? "yes" : "no");
  return (
    <dl class="props">
      <Row term="Enabled">{yesNo(a.enabled)}</Row>
      <Row term="Directory">
        <code>{acmeDirectoryPath(ca.serial)}</code>
      </Row>
      <Row term="Profile">{a.profile ?? <span class="none">the CA's default profile</span>}</Row>
      <Row term="Contact required">{yesNo(a.requiresContact)}</Row>
      <Row term="External account binding required">{yesNo(a.eabRequired)}</Row>
      <Row term="Allowed identifiers">
        {a.allowIdentifiers.length ? <NameList names={a.allowIdentifiers} bare={false} /> : <span class="none">any</span>}
      </Row>
      <Row term="Denied identifiers">
        <NameList names={a.denyIdentifiers} bare={false} />
      </Row>
    </dl>
  );
}

function Crls({ serial, crls }: { serial: string; crls: CrlRow[] }) {
  if (crls.length === 0) return <p>No CRL has been stored for this CA yet (generate_crls on the key host makes them).</p>;
  return (
    <table class="crls">
      <thead>
        <tr>
          <th scope="col">Scope</th>
          <th scope="col">Number</th>
          <th scope="col">This update</th>
          <th scope="col">Next update</th>
          <th scope="col">Download</th>
        </tr>
      </thead>
      <tbody>
        {crls.map((c) => (
          <tr>
            <td>{c.delta ? `${c.scope}, delta` : c.scope}</td>
            <td>{c.number}</td>
            <td>
              <When at={c.thisUpdate} />
            </td>
            <td>
              <When at={c.nextUpdate} />
            </td>
            <td>
              <a href={`${caHref(serial)}/crl/${c.slug}.der`}>DER</a> <a href={`${caHref(serial)}/crl/${c.slug}.pem`}>PEM</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Responder({ responder, now }: { responder: OcspResponderRecord | undefined; now: Date }) {
  if (!responder) return <p>No delegated OCSP responder certificate (generate_ocsp_keys on the key host makes one).</p>;
  const state = now < responder.notBefore ? "not yet valid" : now > responder.notAfter ? "expired" : "valid";
  return (
    <dl class="props">
      <Row term="Certificate serial">{formatSerial(responder.certificateSerial)}</Row>
      <Row term="Status">
        <span class={`status status-${state.replace(/ /g, "-")}`}>{state}</span>
      </Row>
      <Row term="Valid from">
        <When at={responder.notBefore} />
      </Row>
      <Row term="Valid until">
        <When at={responder.notAfter} />
      </Row>
      <Row term="Response validity">{`${responder.responseValidity} seconds`}</Row>
    </dl>
  );
}

export function CaPage({ view, crls, responder, canEdit, canSign, now }: CaPageProps) {
  const { ca, cert } = view;
  return (
    <div class="ca-page">
      {(canEdit || canSign) && (
        <p class="actions">
          {canEdit && <a href={`${caHref(ca.serial)}/edit`}>Edit</a>}
          {canSign && <a href={`/admin/issue?ca=${ca.serial}`}>Issue certificate</a>}
        </p>
      )}
      <section aria-labelledby="ca-details">
        <h2 id="ca-details">Details</h2>
        <dl class="props">
          <Row term="Name">{ca.name}</Row>
          <Row term="Enabled">{ca.enabled ? "Yes" : "No"}</Row>
          <Row term="Subject">{formatName(cert.subject)}</Row>
          <Row term="Serial">{formatSerial(ca.serial)}</Row>
          <Row term="Issuer">{formatName(cert.issuer)}</Row>
          <Row term="Not valid before">
            <When at={cert.notBefore} />
          </Row>
          <Row term="Not valid after">
            <When at={cert.notAfter} />
          </Row>
          <Row term="Status">
            <span class={`status status-${view.status.replace(/ /g, "-")}`}>{view.status}</span>
            {ca.revokedAt && (
              <>
                {" "}
                ({ca.revokedReason ?? "unspecified"}, <When at={ca.revokedAt} />)
              </>
            )}
          </Row>
          <Row term="Usable">{usable(view)}</Row>
          <Row term="Public key">{keyDescription(view)}</Row>
          <Row term="Signature algorithm">{view.signatureAlgorithm}</Row>
          <Row term="Hash for signing">{ca.signatureHash ?? "none (EdDSA)"}</Row>
          <Row term="Lint rule sets">{formatRuleSets(ca.lintRuleSets)}</Row>
          <Row term="Key backend">{ca.keyBackend}</Row>
          <Row term="Key encrypted">{ca.keyEncrypted ? "yes" : "no"}</Row>
          {ca.website && <Row term="Website">{ca.website}</Row>}
          {ca.termsOfService && <Row term="Terms of service">{ca.termsOfService}</Row>}
          {ca.caaIdentity && <Row term="CAA identity">{ca.caaIdentity}</Row>}
        </dl>
      </section>
      <section aria-labelledby="ca-hierarchy">
        <h2 id="ca-hierarchy">Hierarchy</h2>
        <dl class="props">
          <Row term="Parent">{view.parent ? <a href={caHref(view.parent.serial)}>{view.parent.name}</a> : "none (a root CA)"}</Row>
          <Row term="Children">
            {view.children.length === 0 ? (
              <span class="none">none</span>
            ) : (
              <ul class="plain">
                {view.children.map((c) => (
                  <li>
                    <a href={caHref(c.serial)}>{c.name}</a>
                  </li>
                ))}
              </ul>
            )}
          </Row>
          <Row term="Maximum levels of sub-CAs">
            {view.maxSubCaLevels === null ? "unlimited" : String(Math.max(view.maxSubCaLevels, 0))}
          </Row>
        </dl>
      </section>
      <section aria-labelledby="ca-signing">
        <h2 id="ca-signing">For certificates it signs</h2>
        <SigningSettings ca={ca} />
      </section>
      <section aria-labelledby="ca-acme">
        <h2 id="ca-acme">ACME</h2>
        <AcmeSettings ca={ca} />
      </section>
      <section aria-labelledby="ca-crls">
        <h2 id="ca-crls">CRLs</h2>
        <Crls serial={ca.serial} crls={crls} />
      </section>
      <section aria-labelledby="ca-ocsp">
        <h2 id="ca-ocsp">OCSP responder</h2>
        <Responder responder={responder} now={now} />
      </section>
      <section aria-labelledby="ca-extensions">
        <h2 id="ca-extensions">Certificate extensions</h2>
        <dl class="extensions">
          {view.extensions.map((e) => (
            <>
              <dt>
                {e.name}
                {e.critical ? " (critical)" : ""}
              </dt>
              <dd>
                <pre>{e.lines.join("\n")}</pre>
              </dd>
            </>
          ))}
        </dl>
      </section>
      <section aria-labelledby="ca-digests">
        <h2 id="ca-digests">Fingerprints</h2>
        <dl class="props digests">
          <Row term="SHA-256">{view.fingerprints["SHA-256"]}</Row>
          <Row term="SHA-512">{view.fingerprints["SHA-512"]}</Row>
        </dl>
      </section>
      <section aria-labelledby="ca-certificate">
        <h2 id="ca-certificate">Certificate</h2>
        <p class="actions">
          <a href={`${caHref(ca.serial)}/certificate.pem`}>Download PEM</a>
          <a href={`${caHref(ca.serial)}/certificate.der`}>Download DER</a>
          <a href={`${caHref(ca.serial)}/chain.pem`}>Download chain (PEM)</a>
        </p>
        <pre class="pem">{toPem(ca.der, "CERTIFICATE")}</pre>
      </section>
    </div>
  );
}
