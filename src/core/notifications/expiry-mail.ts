/**
 * The text of an expiry mail: what expires (CN, serial, subject), who issued it, when, and the command
 * that renews it. Plain text only: read anywhere, nothing to render, nothing remote to load.
 */
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import type { IssuedCertificate } from "../certificates/certificate.js";
import { formatSerial } from "../issuance/serial.js";
import type { OutgoingMail } from "../ports/mailer.js";

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

function timeLeft(notAfter: Date, now: Date): string {
  const hours = Math.max(0, Math.floor((notAfter.getTime() - now.getTime()) / 3_600_000));
  if (hours < 48) return `${hours} hour${hours === 1 ? "" : "s"}`;
  const days = Math.floor(hours / 24);
  return `${days} days`;
}

export function expiryMail(
  cert: IssuedCertificate,
  ca: Pick<CertificateAuthority, "name" | "serial" | "commonName"> | undefined,
  from: string,
  to: string,
  now: Date,
): OutgoingMail {
  const serial = formatSerial(cert.serial);
  const caLine = ca ? `${ca.name} (CN ${ca.commonName}, serial ${formatSerial(ca.serial)})` : formatSerial(cert.caSerial);
  const text = [
    `The certificate "${cert.commonName}" expires in ${timeLeft(cert.notAfter, now)}, on ${iso(cert.notAfter)}.`,
    "",
    `  Common name:  ${cert.commonName}`,
    `  Serial:       ${serial}`,
    `  Subject:      ${cert.subject}`,
    `  Issued by:    ${caLine}`,
    `  Valid until:  ${iso(cert.notAfter)}`,
    "",
    "To renew it with the same subject, names and key, run on the host where tsca keeps the CA key:",
    "",
    `  tsca resign_cert ${serial}`,
    "",
    "and install the new certificate where this one is used. If it is no longer needed, let it expire.",
    "",
    `You get this mail because you watch this certificate (tsca cert_watchers ${serial} --rm ${to} stops it).`,
    "",
  ].join("\n");
  return { from, to, subject: `Certificate ${cert.commonName} expires on ${iso(cert.notAfter).slice(0, 10)}`, text };
}
