/**
 * Issuing one end-entity certificate with a prepared CA: names decided (subject, SANs, CN rules), validity
 * checked against the CA, name constraints enforced, lint passed — only then the signature. Pure apart
 * from the signer; storing is the caller's single insert.
 */
import { TscaError } from "../errors.js";
import type { IssuedCertificate } from "../certificates/certificate.js";
import { keyIdentifier } from "../x509/certificate.js";
import { formatGeneralName, type GeneralName } from "../x509/general-name.js";
import { commonName, encodeName, formatName, OID_COMMON_NAME, type Name } from "../x509/name.js";
import type { KeyType } from "../x509/algorithms.js";
import { EXTENDED_KEY_USAGES } from "../x509/oids.js";
import { endEntityExtensions, type ExtensionOverrides } from "./end-entity-extensions.js";
import type { PreparedIssuer } from "./issuer.js";
import { lintForSigning } from "./linted-tbs.js";
import { mergeRuleSets } from "./lint-rule-sets.js";
import { assertWithinNameConstraints, commonNameAsGeneralName, constrainedNames } from "./name-constraints-check.js";
import { normaliseNames } from "./normalise-names.js";
import { printable } from "../text/printable.js";
import { keyUsageForKeyType, type Profile } from "./profiles.js";
import { daysUntil, notAfterForDays, signCertificate, wholeSeconds } from "./sign-certificate.js";

const SERVER_AUTH = EXTENDED_KEY_USAGES.serverAuth!;
const OCSP_SIGNING = EXTENDED_KEY_USAGES.OCSPSigning!;

export interface IssueRequest {
  serial: string;
  spki: Buffer;
  keyType: KeyType;
  subject: Name;
  sans: GeneralName[];
  profile: Profile;
  expiresDays: number;
  overrides: ExtensionOverrides;
  now: Date;
  csrDer: Buffer | null;
  watchers: string[];
}

/**
 * CN/SAN rules: a host-name CN is also put into the SANs (clients ignore the CN, RFC 6125 §6.4.4); with no
 * CN the first SAN becomes it; at least one of the two is required. `copyCn: false` (an OCSP responder,
 * which must carry no subjectAltName, CA/B BR §7.1.2.8.2) leaves the SANs as given.
 */
export function decideNames(subject: Name, sans: GeneralName[], copyCn = true): { subject: Name; sans: GeneralName[] } {
  const cn = commonName(subject);
  const out = [...sans];
  if (cn !== undefined) {
    if (!copyCn) return { subject, sans: out };
    // DNS (canonical) for a host name, IP for an address, nothing for other CNs.
    const asSan = commonNameAsGeneralName(cn);
    if (asSan && !out.some((g) => formatGeneralName(g).toLowerCase() === formatGeneralName(asSan).toLowerCase())) out.unshift(asSan);
    return { subject, sans: out };
  }
  const first = out.find((g) => g.type === "dns" || g.type === "ip" || g.type === "email");
  if (!first) {
    if (out.length) return { subject, sans: out };
    throw new TscaError(
      "ERR_NO_NAME",
      "Must give at least a common name in --subject or one or more --subject-alternative-name/--name arguments.",
    );
  }
  const value = first.value as string;
  if ([...value].length > 64) return { subject, sans: out };
  return { subject: [...subject, [{ oid: OID_COMMON_NAME, value }]], sans: out };
}

/**
 * A TLS server certificate is matched by its DNS names and IP addresses only (RFC 9525 §6.3 ignores the
 * CN; CA/B BR §7.1.2.7.12), so one without such a SAN would be useless: refuse it, never issue it.
 */
function serverNames(subject: Name, sans: GeneralName[]): GeneralName[] {
  if (sans.some((g) => g.type === "dns" || g.type === "ip")) return sans;
  const cn = commonName(subject);
  // A single-label host name (`localhost`, an intranet host) reads as a host name only in a server
  // certificate: elsewhere a CN like "Backup" is a label, not a host (RFC 1123 §2.1 LDH label).
  if (cn !== undefined && /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(cn) && !/^\d+$/.test(cn))
    return [{ type: "dns", value: cn.toLowerCase() }, ...sans];
  throw new TscaError(
    "ERR_NO_SAN",
    cn !== undefined
      ? `The common name "${printable(cn)}" is not a host name or IP address, so this server certificate would have no DNS or IP subject alternative name; give one with --subject-alternative-name.`
      : "A server certificate needs a DNS name or IP address as subject alternative name; give one with --subject-alternative-name.",
  );
}

export async function issueCertificate(issuer: PreparedIssuer, r: IssueRequest): Promise<IssuedCertificate> {
  const { ca } = issuer;
  // Canonical names first, so that constraints, lint and the encoder all see what the certificate carries.
  const normalised = normaliseNames(r.subject, r.sans);
  const eku = r.overrides.extendedKeyUsage ?? r.profile.extendedKeyUsage;
  const responderOnly = eku.length === 1 && eku[0] === OCSP_SIGNING;
  const decided = decideNames(normalised.subject, normalised.sans, !responderOnly);
  const subject = decided.subject;
  const sans = eku.includes(SERVER_AUTH) ? serverNames(subject, decided.sans) : decided.sans;
  const notBefore = wholeSeconds(r.now);
  const notAfter = notAfterForDays(notBefore, r.expiresDays);
  if (notAfter > ca.notAfter) {
    const max = daysUntil(notBefore, ca.notAfter);
    throw new TscaError("ERR_EXPIRES", `Certificate would outlive its CA "${ca.name}": the maximum for this CA is ${max} days.`);
  }
  assertWithinNameConstraints(constrainedNames(subject, sans), issuer.constraints);
  const keyUsage = r.overrides.keyUsage ?? keyUsageForKeyType(r.profile.keyUsage, r.keyType);
  const extensions = endEntityExtensions({
    ca,
    profile: r.profile,
    keyUsage,
    spkiKeyId: keyIdentifier(r.spki),
    aki: issuer.aki,
    sans,
    o: r.overrides,
  });
  // Lint on the exact fields that are encoded and signed (linted-tbs.ts); only the token reaches the signer.
  const linted = lintForSigning(
    { serial: r.serial, issuer: issuer.issuerDer, subject: encodeName(subject), notBefore, notAfter, spki: r.spki, extensions },
    { kind: "end-entity" },
    { keyType: issuer.signer.keyType, curve: issuer.curve, hash: issuer.hash },
    mergeRuleSets(issuer.lintRuleSets, r.profile.lintRuleSets),
  );
  const der = await signCertificate(linted, issuer.signer);
  return {
    serial: r.serial,
    caSerial: ca.serial,
    commonName: commonName(subject) ?? "",
    subject: formatName(subject),
    notBefore,
    notAfter,
    der,
    csrDer: r.csrDer,
    profile: r.profile.name,
    autogenerated: r.profile.autogenerated,
    revokedAt: null,
    revokedReason: null,
    compromisedAt: null,
    watchers: r.watchers,
    createdAt: r.now,
    updatedAt: r.now,
  };
}
