/**
 * /admin/certificates: one page of the listing (core/usecases/list-certs-page.ts, the REST API's GET
 * /certificates), in its order (expiry, then serial), with the search form above it. The form is a plain
 * GET form, so a filtered page is a link one can bookmark or share; "Next page" carries the opaque cursor
 * with the same filters. Each row links to its certificate by its common name (the serial when it has none).
 */
import type { CertificateAuthority } from "../../../../core/ca/certificate-authority.js";
import { certificateStatus, type IssuedCertificate } from "../../../../core/certificates/certificate.js";
import { formatSerial } from "../../../../core/issuance/serial.js";
import { MAX_PAGE_LIMIT, PAGE_STATUSES } from "../../../../core/usecases/list-certs-page.js";

/** The form's values as the user sent them (strings), echoed back into the fields. */
export interface CertListForm {
  q: string;
  ca: string;
  status: string;
  profile: string;
  expiring: string;
  /** Rows per page; "" for the default. */
  limit: string;
}

interface Props {
  form: CertListForm;
  cas: CertificateAuthority[];
  profiles: string[];
  items: IssuedCertificate[];
  /** The URL of the next page, or null on the last one. */
  next: string | null;
  /** Whether to offer "Issue certificate" (the user may sign with some CA). */
  mayIssue: boolean;
  /** Rows per page when "Per page" is empty. */
  defaultLimit: number;
  now: Date;
}

const day = (d: Date): string => d.toISOString().slice(0, 10);

function Row({ cert, caName, now }: { cert: IssuedCertificate; caName: string; now: Date }) {
  const status = certificateStatus(cert, now);
  return (
    <tr>
      <td>
        <a href={`/admin/certificates/${cert.serial}`}>{cert.commonName || formatSerial(cert.serial)}</a>
      </td>
      <td class="serial">{formatSerial(cert.serial)}</td>
      <td>{caName}</td>
      <td>
        <span class={`status status-${status.replace(/ /g, "-")}`}>{status}</span>
      </td>
      <td>
        <time datetime={cert.notAfter.toISOString()}>{day(cert.notAfter)}</time>
      </td>
      <td>{cert.profile ?? "(none)"}</td>
    </tr>
  );
}

export function CertListPage({ form, cas, profiles, items, next, mayIssue, defaultLimit, now }: Props) {
  const names = new Map(cas.map((ca) => [ca.serial, ca.name]));
  return (
    <>
      {mayIssue && (
        <p class="actions">
          <a href="/admin/issue">Issue certificate</a>
        </p>
      )}
      <form class="cert-search" method="get" action="/admin/certificates" role="search">
        <div>
          <label for="q">Search</label>
          <input id="q" name="q" type="search" value={form.q} placeholder="common name, SAN or serial prefix" />
        </div>
        <div>
          <label for="ca">Certificate authority</label>
          <select id="ca" name="ca">
            <option value="" selected={form.ca === ""}>
              any
            </option>
            {cas.map((ca) => (
              <option value={ca.serial} selected={form.ca === ca.serial}>
                {ca.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="status">Status</label>
          <select id="status" name="status">
            {PAGE_STATUSES.map((s) => (
              <option value={s} selected={(form.status || "all") === s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="profile">Profile</label>
          <select id="profile" name="profile">
            <option value="" selected={form.profile === ""}>
              any
            </option>
            {profiles.map((p) => (
              <option value={p} selected={form.profile === p}>
                {p}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="expiring">Expiring within (days)</label>
          <input id="expiring" name="expiring" type="number" min="1" step="1" value={form.expiring} />
        </div>
        <div>
          <label for="limit">Per page</label>
          <input
            id="limit"
            name="limit"
            type="number"
            min="1"
            max={String(MAX_PAGE_LIMIT)}
            step="1"
            value={form.limit}
            placeholder={String(defaultLimit)}
          />
        </div>
        <div class="submit">
          <button type="submit">Search</button>
        </div>
      </form>
      {items.length === 0 ? (
        <p>No certificates match.</p>
      ) : (
        <table class="certs">
          <thead>
            <tr>
              <th scope="col">Common name</th>
              <th scope="col">Serial</th>
              <th scope="col">CA</th>
              <th scope="col">Status</th>
              <th scope="col">Expires</th>
              <th scope="col">Profile</th>
            </tr>
          </thead>
          <tbody>
            {items.map((cert) => (
              <Row cert={cert} caName={names.get(cert.caSerial) ?? formatSerial(cert.caSerial)} now={now} />
            ))}
          </tbody>
        </table>
      )}
      {next !== null && (
        <p class="pager">
          <a href={next} rel="next">
            Next page
          </a>
        </p>
      )}
    </>
  );
}
