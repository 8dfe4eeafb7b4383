/** view_ca text output. The "Certificate extensions for signed certificates" block keeps the spec's `* OCSP URL: …` lines. */
import { formatSerial } from "../../../core/issuance/serial.js";
import { formatRuleSets } from "../../../core/issuance/lint-rule-sets.js";
import type { CaView } from "../../../core/usecases/view-ca.js";
import type { CertificateAuthority } from "../../../core/ca/certificate-authority.js";
import { toPem } from "../../../core/x509/pem.js";
import { textLines } from "../output.js";
import { formatSigningPolicy } from "../../../core/ca/signing-policies.js";
import { acmeDirectoryPath } from "../../../core/views/ca-json.js";
import { ACME_DISABLED } from "../../../core/acme/model.js";
import { digestLines, extensionLines, formatTime, nameLines, statusText } from "./certificate-text.js";

/** Stored general names are "URI:…"; URLs print bare, other names with their prefix. */
const bare = (g: string): string => g.replace(/^URI:/, "");

export function signedCertificateLines(ca: CaView["ca"]): string[] {
  const lines = [
    ...ca.signCrlUrls.map((u) => `* CRL URL: ${bare(u)}`),
    ...ca.signOcspUrls.map((u) => `* OCSP URL: ${bare(u)}`),
    ...ca.signIssuerUrls.map((u) => `* Issuer URL: ${bare(u)}`),
    ...ca.signIssuerAltNames.map((u) => `* Issuer Alternative Name: ${u}`),
    ...ca.signFreshestCrlUrls.map((u) => `* Freshest CRL URL: ${bare(u)}`),
    ...(ca.signCertificatePolicies ?? []).map((p) => `* Certificate policy: ${formatSigningPolicy(p)}`),
  ];
  return lines.length
    ? ["Certificate extensions for signed certificates:", ...lines]
    : ["No certificate extensions for signed certificates."];
}

/** "yes", or "no" and why, naming the ancestor that blocks it (a CA under a revoked intermediate is valid itself). */
export function usableText(b: CaView["blocker"]): string {
  if (!b) return "yes";
  return b.self ? `no (it is ${b.why})` : `no (ancestor CA "${b.ca.name}" (${formatSerial(b.ca.serial)}) is ${b.why})`;
}

export function renderCaText(v: CaView, opts: { pem: boolean; extensions: boolean; externalUrl?: string | undefined }): string {
  const { ca, cert } = v;
  const keyDesc =
    cert.keyType === "RSA" ? `RSA ${cert.keySize} bits` : cert.keyType === "EC" ? `EC ${cert.keySize ?? "?"} bits` : cert.keyType;
  const lines = [
    `* Name: ${ca.name}`,
    `* Enabled: ${ca.enabled ? "Yes" : "No"}`,
    ...nameLines("Subject", cert.subject),
    `* Serial: ${formatSerial(ca.serial)}`,
    ...nameLines("Issuer", cert.issuer),
    `* Not valid before: ${formatTime(cert.notBefore)}`,
    `* Not valid after: ${formatTime(cert.notAfter)}`,
    `* Status: ${statusText(v.status)}${ca.revokedAt ? ` (${ca.revokedReason ?? "unspecified"}, ${formatTime(ca.revokedAt)})` : ""}`,
    `* Usable: ${usableText(v.blocker)}`,
    `* Public key: ${keyDesc}`,
    `* Signature algorithm: ${v.signatureAlgorithm}`,
    `* Hash for signing: ${ca.signatureHash ?? "none (EdDSA)"}`,
    `* Lint rule sets: ${formatRuleSets(ca.lintRuleSets)}`,
    "",
    "Certificate Authority information:",
    v.parent ? `* Parent: ${v.parent.name} (${formatSerial(v.parent.serial)})` : "* Certificate authority is a root CA.",
    ...(v.children.length
      ? ["* Children:", ...v.children.map((c) => `  * ${c.name} (${formatSerial(c.serial)})`)]
      : ["* Certificate authority has no children."]),
    `* Maximum levels of sub-CAs (path length): ${v.maxSubCaLevels === null ? "unlimited" : Math.max(v.maxSubCaLevels, 0)}`,
    "",
    "Key storage options:",
    `* backend: ${ca.keyBackend}`,
    ...keyStorageLines(ca, v.keyLocation),
    ...(ca.website ? [`* Website: ${ca.website}`] : []),
    ...(ca.termsOfService ? [`* Terms of service: ${ca.termsOfService}`] : []),
    ...(ca.caaIdentity ? [`* CAA identity: ${ca.caaIdentity}`] : []),
    ...(ca.defaultProfile ? [`* Default profile for what it signs: ${ca.defaultProfile}`] : []),
    ...(ca.defaultExpiresDays ? [`* Default expiry for what it signs: ${ca.defaultExpiresDays} days`] : []),
    "",
    ...acmeLines(ca, opts.externalUrl),
    "",
    ...(opts.extensions ? ["Certificate extensions:", ...extensionLines(v.extensions), ""] : []),
    ...signedCertificateLines(ca),
    "",
    ...digestLines(v.fingerprints),
  ];
  // Every line escaped: names of an imported CA and what was given on the command line may carry control characters.
  let out = textLines(lines);
  if (opts.pem) out += "\n" + toPem(ca.der, "CERTIFICATE");
  return out;
}

/** The ACME settings (edit_ca --acme-*) and the directory URL, with "(server URL)" when TSCA_EXTERNAL_URL is unset. */
function acmeLines(ca: CertificateAuthority, externalUrl: string | undefined): string[] {
  const a = ca.acme ?? ACME_DISABLED;
  const yesNo = (b: boolean): string => (b ? "yes" : "no");
  return [
    "ACME:",
    `* Enabled: ${yesNo(a.enabled)}`,
    `* Directory: ${externalUrl ?? "(server URL)"}${acmeDirectoryPath(ca.serial)}`,
    `* Profile: ${a.profile ?? "(the CA's default profile)"}`,
    `* Contact required: ${yesNo(a.requiresContact)}`,
    `* External account binding required: ${yesNo(a.eabRequired)}`,
    `* Allowed identifiers: ${a.allowIdentifiers.length ? a.allowIdentifiers.join(", ") : "any"}`,
    `* Denied identifiers: ${a.denyIdentifiers.length ? a.denyIdentifiers.join(", ") : "none"}`,
  ];
}

/** A key file has a path and may be encrypted; a key on a PKCS#11 token has the token, its label and its id (CKA_ID). */
function keyStorageLines(ca: CertificateAuthority, location: string): string[] {
  if (ca.keyBackend !== "pkcs11") return [`* path: ${location}`, `* encrypted: ${ca.keyEncrypted ? "yes" : "no"}`];
  const option = (name: string): string => (typeof ca.keyOptions[name] === "string" ? (ca.keyOptions[name] as string) : "(not recorded)");
  return [`* token: ${option("token")}`, `* key label: ${option("label")}`, `* key id: ${ca.keyRef}`];
}
