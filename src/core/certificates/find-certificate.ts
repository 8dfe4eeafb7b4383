/** Naming a certificate: a unique serial prefix (colons and case ignored) or its exact common name. */
import { TscaError } from "../errors.js";
import { formatSerial, sanitizeSerial } from "../issuance/serial.js";
import type { CertificateRepository } from "../ports/certificate-repository.js";
import type { IssuedCertificate } from "./certificate.js";

export async function findCertificate(certs: CertificateRepository, identifier: string): Promise<IssuedCertificate> {
  const prefix = sanitizeSerial(identifier) ?? "";
  const matches = await certs.search(prefix, identifier);
  const exact = matches.filter((c) => c.serial === prefix);
  const pick = exact.length === 1 ? exact : matches;
  if (pick.length === 1) return pick[0]!;
  if (pick.length === 0) throw new TscaError("ERR_CERT_NOT_FOUND", `${identifier}: Certificate not found.`);
  const list = pick
    .slice(0, 5)
    .map((c) => `${formatSerial(c.serial)} (${c.commonName || "no CN"})`)
    .join(", ");
  throw new TscaError("ERR_CERT_AMBIGUOUS", `${identifier}: Multiple certificates match: ${list}${pick.length > 5 ? ", …" : ""}.`);
}
