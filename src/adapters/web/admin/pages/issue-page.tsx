/**
 * The form that issues a certificate from a CSR (sign_cert's options): the CSR pasted ("CSR") or uploaded
 * ("CSR file"), "Certificate authority" (only usable CAs the user may sign with), "Profile", an optional
 * subject instead of the CSR's, "Subject alternative names" one per line as sign_cert --alt takes them, and
 * "Validity (days)". "Read CSR" fills the subject and names from the CSR; "Issue" queues the request.
 * One multipart form, so the upload works without script (form-data.ts reads it).
 */
import type { CertificateAuthority } from "../../../../core/ca/certificate-authority.js";
import { CsrfField } from "../layout.js";

/** What the form holds, as typed (kept after a refusal so nothing has to be typed again). */
export interface IssueFormValues {
  csr: string;
  ca: string;
  profile: string;
  subject: string;
  sans: string;
  expires: string;
}

export const EMPTY_ISSUE_FORM: IssueFormValues = { csr: "", ca: "", profile: "", subject: "", sans: "", expires: "" };

interface Props {
  csrf: string;
  values: IssueFormValues;
  cas: CertificateAuthority[];
  profiles: string[];
  defaultProfile: string;
  error?: string;
  /** Set after "Read CSR": what was read, for the user to check. */
  read?: { keyType: string };
}

export function IssueForm({ csrf, values, cas, profiles, defaultProfile, error, read }: Props) {
  if (cas.length === 0)
    return <p class="notice">There is no usable certificate authority you may sign with; ask an administrator for the sign permission.</p>;
  return (
    <form class="issue" method="post" action="/admin/issue" enctype="multipart/form-data">
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {read && (
        <p class="notice" role="status">
          The CSR was read ({read.keyType} key): its subject and requested names are filled in below.
        </p>
      )}
      <CsrfField token={csrf} />
      <label for="csr">CSR</label>
      <textarea id="csr" name="csr" rows={10} spellcheck={false} placeholder="-----BEGIN CERTIFICATE REQUEST-----">
        {values.csr}
      </textarea>
      <label for="csr-file">CSR file</label>
      <input id="csr-file" name="csrFile" type="file" accept=".csr,.req,.pem,.der,application/pkcs10" />
      <p class="hint">A file replaces what is pasted above. PEM or DER.</p>
      <div class="actions">
        <button type="submit" formaction="/admin/issue/prefill" class="secondary">
          Read CSR
        </button>
      </div>
      <label for="ca">Certificate authority</label>
      <select id="ca" name="ca" required>
        {cas.map((ca) => (
          <option value={ca.serial} selected={ca.serial === values.ca}>
            {ca.name}
          </option>
        ))}
      </select>
      <label for="profile">Profile</label>
      <select id="profile" name="profile">
        {profiles.map((p) => (
          <option value={p} selected={p === (values.profile || defaultProfile)}>
            {p}
          </option>
        ))}
      </select>
      <label for="subject">Subject</label>
      <input id="subject" name="subject" type="text" value={values.subject} placeholder="empty: the CSR's subject" />
      <label for="sans">Subject alternative names</label>
      <textarea id="sans" name="sans" rows={4} spellcheck={false} placeholder={"DNS:www.example.com\nIP:192.0.2.1"}>
        {values.sans}
      </textarea>
      <p class="hint">One per line, as sign_cert --alt takes them (DNS:, IP:, email:, URI:). Empty: the names the CSR requests.</p>
      <label for="expires">Validity (days)</label>
      <input
        id="expires"
        name="expires"
        type="number"
        min={1}
        max={36500}
        value={values.expires}
        placeholder="the profile's or CA's default"
      />
      <div class="actions">
        <button type="submit">Issue</button>
      </div>
    </form>
  );
}
