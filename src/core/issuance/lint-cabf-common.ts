/**
 * Rules that both CA/Browser Forum rule sets share: the signature hash that matches an ECDSA issuer key,
 * no anyExtendedKeyUsage, what a delegated OCSP responder certificate must and must not carry, and the
 * CRL reason codes the Baseline Requirements allow. Each finding is named `<rule set>/<rule>`.
 */
import { HASH_FOR_CURVE, type EllipticCurve, type HashAlgorithm, type KeyType } from "../x509/algorithms.js";
import { extendedKeyUsage } from "../x509/extensions/extended-key-usage.js";
import type { Extension } from "../x509/extensions/extension.js";
import { keyUsage } from "../x509/extensions/key-usage.js";
import { EXTENDED_KEY_USAGES, OID } from "../x509/oids.js";
import type { LintFinding, LintInput } from "./lint-types.js";
import type { ExtraRuleSet } from "./lint-rule-sets.js";

export const EKU = {
  serverAuth: EXTENDED_KEY_USAGES.serverAuth!,
  clientAuth: EXTENDED_KEY_USAGES.clientAuth!,
  codeSigning: EXTENDED_KEY_USAGES.codeSigning!,
  emailProtection: EXTENDED_KEY_USAGES.emailProtection!,
  timeStamping: EXTENDED_KEY_USAGES.timeStamping!,
  OCSPSigning: EXTENDED_KEY_USAGES.OCSPSigning!,
  any: EXTENDED_KEY_USAGES.anyExtendedKeyUsage!,
};

const DAY_SECONDS = 86_400;

/** A small helper each rule set uses to add `<set>/<rule>` findings. */
export function findings(set: ExtraRuleSet): { list: LintFinding[]; add: (rule: string, section: string, message: string) => void } {
  const list: LintFinding[] = [];
  return { list, add: (rule, section, message) => void list.push({ rule: `${set}/${rule}`, section, message }) };
}

export const extensionOf = (c: LintInput, oid: string): Extension | undefined => c.extensions.find((e) => e.oid === oid);

/** The EKU purposes; undefined when the certificate has no extendedKeyUsage extension. */
export function ekusOf(c: LintInput): string[] | undefined {
  const e = extensionOf(c, OID.extKeyUsage);
  return e ? extendedKeyUsage.decode(e.value) : undefined;
}

/** Validity period in seconds, counting both ends (RFC 5280 §4.1.2.5; CA/B BR §1.6.1 "Validity Period"). */
export const validitySeconds = (c: LintInput): number => (c.notAfter.getTime() - c.notBefore.getTime()) / 1000 + 1;

export function validityMax(
  c: LintInput,
  days: number,
  add: (rule: string, section: string, message: string) => void,
  section: string,
): void {
  const seconds = validitySeconds(c);
  if (seconds > days * DAY_SECONDS)
    add("validity_max", section, `the validity period is ${Math.ceil(seconds / DAY_SECONDS)} days; at most ${days} days are allowed`);
}

/** BR §7.1.3.2.2 / S/MIME BR §7.1.3.2.2: P-256 signs with SHA-256, P-384 with SHA-384, P-521 with SHA-512. */
export function hashCurveRule(
  set: ExtraRuleSet,
  keyType: KeyType,
  curve: EllipticCurve | undefined,
  hash: HashAlgorithm | undefined,
): LintFinding[] {
  const { list, add } = findings(set);
  if (keyType === "EC" && curve && hash !== HASH_FOR_CURVE[curve])
    add(
      "hash_curve_match",
      `${set === "cabf-smime" ? "S/MIME BR" : "CA/B BR"} §7.1.3.2.2`,
      `a ${curve} key must sign with ${HASH_FOR_CURVE[curve]}, not ${hash ?? "no hash"}`,
    );
  return list;
}

/** Rules common to both sets; `responderSection` names where the OCSP responder profile is in that set's document. */
export function commonRules(set: ExtraRuleSet, c: LintInput): LintFinding[] {
  const { list, add } = findings(set);
  const br = set === "cabf-smime" ? "S/MIME BR" : "CA/B BR";
  if (c.signature) list.push(...hashCurveRule(set, c.signature.issuerKeyType, c.signature.issuerCurve, c.signature.hash));
  const ekus = ekusOf(c);
  if (ekus === undefined && !isResponder(c))
    add("eku_present", `${br} §7.1.2.${set === "cabf-smime" ? "3" : "7.10"}`, "a subscriber certificate must carry extendedKeyUsage");
  if (ekus?.includes(EKU.any))
    add("eku_no_any", `${br} §7.1.2.${set === "cabf-smime" ? "3" : "7.10"}`, "anyExtendedKeyUsage must not be present");
  if (isResponder(c)) list.push(...responderRules(set, c));
  return list;
}

const isResponder = (c: LintInput): boolean => ekusOf(c)?.includes(EKU.OCSPSigning) ?? false;

/**
 * A delegated OCSP responder certificate (CA/B BR §7.1.2.8, RFC 6960 §4.2.2.2): only id-kp-OCSPSigning
 * (§7.1.2.8.5), keyUsage digitalSignature only (§7.1.2.8.7), id-pkix-ocsp-nocheck present (§7.1.2.8.6),
 * and none of subjectAltName, nameConstraints, certificatePolicies, cRLDistributionPoints (MUST NOT) or
 * authorityInformationAccess (NOT RECOMMENDED; a responder whose status nobody checks needs no pointers).
 */
function responderRules(set: ExtraRuleSet, c: LintInput): LintFinding[] {
  const { list, add } = findings(set);
  const ekus = ekusOf(c) ?? [];
  if (ekus.some((e) => e !== EKU.OCSPSigning))
    add("ocsp_responder_eku", "CA/B BR §7.1.2.8.5", "an OCSP responder certificate must carry id-kp-OCSPSigning and no other purpose");
  const ku = extensionOf(c, OID.keyUsage);
  const usages = ku ? keyUsage.decode(ku.value) : [];
  if (!usages.includes("digitalSignature") || usages.some((u) => u !== "digitalSignature"))
    add("ocsp_responder_key_usage", "CA/B BR §7.1.2.8.7", "an OCSP responder certificate must have keyUsage digitalSignature only");
  if (!extensionOf(c, OID.ocspNoCheck))
    add("ocsp_responder_nocheck", "CA/B BR §7.1.2.8.6", "an OCSP responder certificate must carry id-pkix-ocsp-nocheck");
  const forbidden: [string, string][] = [
    [OID.subjectAltName, "subjectAltName"],
    [OID.nameConstraints, "nameConstraints"],
    [OID.certificatePolicies, "certificatePolicies"],
    [OID.cRLDistributionPoints, "cRLDistributionPoints"],
    [OID.authorityInfoAccess, "authorityInformationAccess"],
  ];
  for (const [oid, name] of forbidden)
    if (extensionOf(c, oid)) add("ocsp_responder_extensions", "CA/B BR §7.1.2.8.2", `an OCSP responder certificate must not carry ${name}`);
  return list;
}

/**
 * CRL reason codes the Baseline Requirements allow in a CRL entry (CA/B BR §7.2.2; S/MIME BR §7.2.2 and
 * §4.9.13): never unspecified (0) as an explicit reasonCode (the entry then carries none), never
 * certificateHold (6: suspension is not allowed), and for the TLS BR only keyCompromise,
 * affiliationChanged, superseded, cessationOfOperation and privilegeWithdrawn for subscriber certificates,
 * keyCompromise, cACompromise, affiliationChanged, superseded and cessationOfOperation for CA certificates.
 * `reasonCode` null means the entry has no reasonCode extension, which is always allowed.
 */
export function crlReasonRules(set: ExtraRuleSet, reasonCode: number | null, target: "subscriber" | "ca"): LintFinding[] {
  const { list, add } = findings(set);
  const br = set === "cabf-smime" ? "S/MIME BR" : "CA/B BR";
  // removeFromCRL (8) is no reason but a delta CRL's "no longer revoked" marker (RFC 5280 §5.3.1).
  if (reasonCode === null || reasonCode === 8) return list;
  if (reasonCode === 0) add("crl_reason", `${br} §7.2.2`, "unspecified must not appear as a reasonCode; leave the reason out instead");
  else if (reasonCode === 6) add("crl_reason", `${br} §7.2.2`, "certificateHold (suspension) is not allowed");
  else if (set === "cabf-serverauth") {
    const allowed = target === "subscriber" ? [1, 3, 4, 5, 9] : [1, 2, 3, 4, 5];
    if (!allowed.includes(reasonCode))
      add(
        "crl_reason",
        "CA/B BR §7.2.2",
        `reason code ${reasonCode} is not allowed for a ${target === "ca" ? "CA" : "subscriber"} certificate`,
      );
  }
  return list;
}
