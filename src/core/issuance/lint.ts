/**
 * Lint before signing: the certificate about to be signed is checked against RFC 5280 rules (always) and
 * the rule sets its CA and profile select (lint-rule-sets.ts: `cabf-serverauth`, `cabf-smime`), and any
 * failure refuses issuance with the rule and its section. This runs on the exact extensions that will be
 * encoded, so what is checked is what is signed.
 */
import { TscaError } from "../errors.js";
import type { EllipticCurve, HashAlgorithm, KeyType } from "../x509/algorithms.js";
import type { Extension } from "../x509/extensions/extension.js";
import { basicConstraints } from "../x509/extensions/basic-constraints.js";
import { extendedKeyUsage } from "../x509/extensions/extended-key-usage.js";
import { keyUsage } from "../x509/extensions/key-usage.js";
import { subjectAltName } from "../x509/extensions/alternative-names.js";
import type { GeneralName } from "../x509/general-name.js";
import { isIP } from "../x509/ip.js";
import { EXTENDED_KEY_USAGES, OID } from "../x509/oids.js";
import { OID_COMMON_NAME } from "../x509/name.js";
import { crlReasonRules, hashCurveRule } from "./lint-cabf-common.js";
import { lintCabfServerAuth } from "./lint-cabf-serverauth.js";
import { lintCabfSmime } from "./lint-cabf-smime.js";
import type { ExtraRuleSet } from "./lint-rule-sets.js";
import type { LintFinding, LintInput } from "./lint-types.js";

export type { LintFinding, LintInput } from "./lint-types.js";

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

function dnsNameProblem(name: string): string | undefined {
  const labels = name.split(".");
  if (name.length > 253) return "longer than 253 characters";
  if (labels.some((l, i) => (l === "*" ? i !== 0 : !DNS_LABEL.test(l))))
    return "not in preferred name syntax (wildcards only as the whole leftmost label)";
  if (labels.length < 2 && labels[0] === "*") return "a bare wildcard";
  return undefined;
}

function sanProblems(names: GeneralName[]): LintFinding[] {
  const out: LintFinding[] = [];
  if (names.length === 0)
    out.push({ rule: "san_not_empty", section: "RFC 5280 §4.2.1.6", message: "subjectAltName must contain at least one name" });
  for (const g of names) {
    if (g.type === "dns") {
      const p = dnsNameProblem(g.value);
      if (p) out.push({ rule: "san_dns_syntax", section: "RFC 5280 §4.2.1.6", message: `DNS:${g.value} is ${p}` });
    }
    if (g.type === "email" && !/^[^@\s]+@[^@\s]+$/.test(g.value))
      out.push({ rule: "san_email_syntax", section: "RFC 5280 §4.2.1.6", message: `email:${g.value} is not an addr-spec` });
    if (g.type === "ip" && (g.prefix !== undefined || !isIP(g.value)))
      out.push({ rule: "san_ip_syntax", section: "RFC 5280 §4.2.1.6", message: `IP:${g.value} must be a single address` });
    if (g.type === "uri" && !/^[a-z][a-z0-9+.-]*:/i.test(g.value))
      out.push({ rule: "san_uri_syntax", section: "RFC 5280 §4.2.1.6", message: `URI:${g.value} has no scheme` });
  }
  return out;
}

type Add = (rule: string, section: string, message: string) => void;

/**
 * What every certificate must satisfy, whatever it certifies: validity order, serial, one short common
 * name, each extension once, a sensible keyUsage and EKU, well-formed subject alternative names.
 */
function commonRules(c: LintInput, f: LintFinding[], add: Add): void {
  if (!(c.notBefore < c.notAfter)) add("validity_order", "RFC 5280 §4.1.2.5", "notBefore must be before notAfter");
  const serialBytes = Math.ceil(c.serial.replace(/^0+/, "").length / 2);
  if (serialBytes === 0 || serialBytes > 20 || /^[89A-F]/i.test(c.serial.padStart(serialBytes * 2, "0")))
    add("serial_positive_20_octets", "RFC 5280 §4.1.2.2", "the serial number must be positive and at most 20 octets");
  const cn = c.subject.flat().filter((a) => a.oid === OID_COMMON_NAME);
  if (cn.length > 1) add("subject_single_cn", "CA/B BR §7.1.4.3", "the subject must not contain more than one common name");
  if (cn.some((a) => [...a.value].length > 64))
    add("subject_cn_length", "RFC 5280 Appendix A (ub-common-name)", "the common name must be at most 64 characters");

  const seen = new Set<string>();
  for (const e of c.extensions) {
    if (seen.has(e.oid)) add("extension_unique", "RFC 5280 §4.2", `extension ${e.oid} appears more than once`);
    seen.add(e.oid);
  }
  const ku = extensionOf(c, OID.keyUsage);
  if (ku) {
    const usages = keyUsage.decode(ku.value);
    if (usages.length === 0) add("key_usage_not_empty", "RFC 5280 §4.2.1.3", "keyUsage must assert at least one bit");
    // Criticality of keyUsage is a SHOULD (RFC 5280 §4.2.1.3), and profiles make it critical by default;
    // an operator who asks for --key-usage-non-critical (or a profile with keyUsageCritical: false) gets it.
    const forbidden: Record<KeyType, string[]> = {
      RSA: ["keyAgreement"],
      EC: ["keyEncipherment", "dataEncipherment"],
      Ed25519: ["keyEncipherment", "dataEncipherment", "keyAgreement"],
      Ed448: ["keyEncipherment", "dataEncipherment", "keyAgreement"],
    };
    for (const u of usages)
      if (forbidden[c.keyType].includes(u)) add("key_usage_key_type", "RFC 8813 §3 / RFC 8410 §5", `${u} does not fit a ${c.keyType} key`);
    if ((usages.includes("encipherOnly") || usages.includes("decipherOnly")) && !usages.includes("keyAgreement"))
      add("key_usage_encipher_only", "RFC 5280 §4.2.1.3", "encipherOnly/decipherOnly need keyAgreement");
  }
  const eku = extensionOf(c, OID.extKeyUsage);
  if (eku && extendedKeyUsage.decode(eku.value).length === 0)
    add("eku_not_empty", "RFC 5280 §4.2.1.12", "extendedKeyUsage must list at least one purpose");
  const san = extensionOf(c, OID.subjectAltName);
  if (san) f.push(...sanProblems(subjectAltName.decode(san.value)));
}

const extensionOf = (c: LintInput, oid: string): Extension | undefined => c.extensions.find((e) => e.oid === oid);
const usagesOf = (c: LintInput): string[] | undefined => {
  const ku = extensionOf(c, OID.keyUsage);
  return ku ? keyUsage.decode(ku.value) : undefined;
};

/** A certificate that is not a CA (RFC 5280 §4.2.1.9): no cA, no keyCertSign, no name constraints. */
function notCaRules(c: LintInput, add: Add): void {
  const bc = extensionOf(c, OID.basicConstraints);
  const decoded = bc ? basicConstraints.decode(bc.value) : undefined;
  if (decoded?.ca) add("end_entity_not_ca", "RFC 5280 §4.2.1.9", "an end-entity certificate must not assert cA");
  else if (decoded?.pathLength !== undefined)
    add("path_length_ca_only", "RFC 5280 §4.2.1.9", "pathLenConstraint must not be present unless cA is asserted");
  if (usagesOf(c)?.includes("keyCertSign"))
    add("key_usage_no_cert_sign", "RFC 5280 §4.2.1.3", "keyCertSign must not be set when cA is not asserted");
  if (extensionOf(c, OID.nameConstraints))
    add("name_constraints_ca_only", "RFC 5280 §4.2.1.10", "name constraints belong in CA certificates only");
}

export function lintEndEntity(c: LintInput): LintFinding[] {
  const f: LintFinding[] = [];
  const add: Add = (rule, section, message) => void f.push({ rule, section, message });
  commonRules(c, f, add);
  if (!extensionOf(c, OID.basicConstraints))
    add("basic_constraints_present", "RFC 5280 §4.2.1.9", "end-entity certificates carry basicConstraints cA=FALSE here");
  notCaRules(c, add);
  if (!extensionOf(c, OID.authorityKeyIdentifier)) add("aki_present", "RFC 5280 §4.2.1.1", "authorityKeyIdentifier must be present");
  if (!extensionOf(c, OID.subjectKeyIdentifier)) add("ski_present", "RFC 5280 §4.2.1.2", "subjectKeyIdentifier should be present");
  const san = extensionOf(c, OID.subjectAltName);
  if (san) {
    if (c.subject.length === 0 && !san.critical)
      add("san_critical_if_empty_subject", "RFC 5280 §4.2.1.6", "subjectAltName must be critical when the subject is empty");
  } else if (c.subject.length === 0)
    add("subject_or_san", "RFC 5280 §4.1.2.6", "a certificate with an empty subject needs a subjectAltName");
  return f;
}

/** The validity of the certificate's issuer, when it has one other than itself. */
export interface IssuerValidity {
  notBefore: Date;
  notAfter: Date;
}

/**
 * A CA certificate (root or intermediate): RFC 5280 §4.2.1.9 basicConstraints present, critical and cA
 * asserted; §4.2.1.3 keyUsage present with keyCertSign; §4.2.1.2 subjectKeyIdentifier present; §4.2.1.1
 * authorityKeyIdentifier present unless self-signed; §4.1.2.6 a non-empty subject; §4.2.1.10 name
 * constraints critical; and, for an intermediate, a validity inside its issuer's (§6.1.3 (a)(2): a path
 * is checked at one time, and a child that outlives its parent is unusable after that).
 */
export function lintCaCertificate(c: LintInput, issuer?: IssuerValidity): LintFinding[] {
  const f: LintFinding[] = [];
  const add: Add = (rule, section, message) => void f.push({ rule, section, message });
  commonRules(c, f, add);
  const bc = extensionOf(c, OID.basicConstraints);
  if (!bc || !basicConstraints.decode(bc.value).ca)
    add("ca_basic_constraints", "RFC 5280 §4.2.1.9", "a CA certificate must carry basicConstraints with cA asserted");
  else if (!bc.critical) add("ca_basic_constraints_critical", "RFC 5280 §4.2.1.9", "basicConstraints must be critical in a CA certificate");
  const usages = usagesOf(c);
  if (!usages) add("ca_key_usage_present", "RFC 5280 §4.2.1.3", "a CA certificate must carry keyUsage");
  else if (!usages.includes("keyCertSign"))
    add("ca_key_cert_sign", "RFC 5280 §4.2.1.3", "a CA certificate must assert keyCertSign in keyUsage");
  if (!extensionOf(c, OID.subjectKeyIdentifier))
    add("ski_present", "RFC 5280 §4.2.1.2", "subjectKeyIdentifier must be present in a CA certificate");
  if (issuer && !extensionOf(c, OID.authorityKeyIdentifier))
    add("aki_present", "RFC 5280 §4.2.1.1", "authorityKeyIdentifier must be present");
  if (c.subject.length === 0) add("ca_subject_not_empty", "RFC 5280 §4.1.2.6", "a CA certificate must have a non-empty subject");
  const nc = extensionOf(c, OID.nameConstraints);
  if (nc && !nc.critical) add("name_constraints_critical", "RFC 5280 §4.2.1.10", "nameConstraints must be critical");
  if (issuer && (c.notBefore < issuer.notBefore || c.notAfter > issuer.notAfter))
    add("validity_within_issuer", "RFC 5280 §6.1.3 (a)(2)", "the validity period must lie within the issuing CA's");
  return f;
}

/**
 * A delegated OCSP responder certificate (RFC 6960 §4.2.2.2): not a CA, id-kp-OCSPSigning in extended key
 * usage (required for delegation), id-pkix-ocsp-nocheck (§4.2.2.2.1, which is why it is short-lived),
 * keyUsage with digitalSignature (it signs responses, RFC 5280 §4.2.1.3), identifiers as for any
 * certificate, and a validity inside its CA's (§6.1.3 (a)(2)).
 */
export function lintOcspResponderCertificate(c: LintInput, issuer: IssuerValidity): LintFinding[] {
  const f: LintFinding[] = [];
  const add: Add = (rule, section, message) => void f.push({ rule, section, message });
  commonRules(c, f, add);
  notCaRules(c, add);
  const eku = extensionOf(c, OID.extKeyUsage);
  if (!eku || !extendedKeyUsage.decode(eku.value).includes(EXTENDED_KEY_USAGES.OCSPSigning!))
    add("ocsp_signing_eku", "RFC 6960 §4.2.2.2", "a delegated OCSP responder certificate must carry id-kp-OCSPSigning");
  if (!extensionOf(c, OID.ocspNoCheck))
    add("ocsp_nocheck_present", "RFC 6960 §4.2.2.2.1", "a delegated OCSP responder certificate must carry id-pkix-ocsp-nocheck");
  if (!usagesOf(c)?.includes("digitalSignature"))
    add("ocsp_digital_signature", "RFC 5280 §4.2.1.3", "a delegated OCSP responder certificate must assert digitalSignature");
  if (!extensionOf(c, OID.authorityKeyIdentifier)) add("aki_present", "RFC 5280 §4.2.1.1", "authorityKeyIdentifier must be present");
  if (!extensionOf(c, OID.subjectKeyIdentifier)) add("ski_present", "RFC 5280 §4.2.1.2", "subjectKeyIdentifier should be present");
  if (c.subject.length === 0) add("subject_or_san", "RFC 5280 §4.1.2.6", "an OCSP responder certificate needs a subject");
  if (c.notBefore < issuer.notBefore || c.notAfter > issuer.notAfter)
    add("validity_within_issuer", "RFC 5280 §6.1.3 (a)(2)", "the validity period must lie within the issuing CA's");
  return f;
}

const RULE_SETS: Record<ExtraRuleSet, (c: LintInput) => LintFinding[]> = {
  "cabf-serverauth": lintCabfServerAuth,
  "cabf-smime": lintCabfSmime,
};

/** RFC 5280 findings first, then those of each selected rule set. */
export function lintCertificate(c: LintInput, sets: readonly ExtraRuleSet[] = []): LintFinding[] {
  return [...lintEndEntity(c), ...sets.flatMap((s) => RULE_SETS[s](c))];
}

/** What is being certified decides the RFC 5280 rules; `issuer` is absent for a self-signed root. */
export type CertificateKind =
  { kind: "end-entity" } | { kind: "ca"; issuer?: IssuerValidity } | { kind: "ocsp-responder"; issuer: IssuerValidity };

/**
 * The findings for a certificate of any kind. A CA certificate gets only the signature rule of the CA/B
 * sets (hash matching the issuer's curve, BR §7.1.3.2.2): their other rules are about subscriber
 * certificates. A responder gets the whole set, whose shared rules include the responder profile (BR §7.1.2.8).
 */
export function lintByKind(c: LintInput, k: CertificateKind, sets: readonly ExtraRuleSet[] = []): LintFinding[] {
  if (k.kind === "end-entity") return lintCertificate(c, sets);
  if (k.kind === "ocsp-responder") return [...lintOcspResponderCertificate(c, k.issuer), ...sets.flatMap((s) => RULE_SETS[s](c))];
  const sig = c.signature;
  return [
    ...lintCaCertificate(c, k.issuer),
    ...(sig ? sets.flatMap((s) => hashCurveRule(s, sig.issuerKeyType, sig.issuerCurve, sig.hash)) : []),
  ];
}

/** ERR_LINT naming the first finding, when there is one. */
export function refuse(findings: LintFinding[]): void {
  if (findings.length) {
    const first = findings[0]!;
    throw new TscaError(
      "ERR_LINT",
      `Refused by lint: ${first.message} (${first.rule}, ${first.section})${findings.length > 1 ? `, and ${findings.length - 1} more finding(s)` : ""}.`,
      // The first rule and its section for surfaces that show fields (problem+json), and every rule.
      { fields: { rule: first.rule, section: first.section, findings: findings.length, rules: findings.map((x) => x.rule).join(",") } },
    );
  }
}

export function assertLintClean(c: LintInput, sets: readonly ExtraRuleSet[] = []): void {
  refuse(lintCertificate(c, sets));
}

/**
 * For revocation and CRL code: whether a CRL entry with this reason code (null: no reasonCode extension)
 * may be published by a CA that uses these rule sets; refuses with ERR_LINT naming the rule otherwise.
 * `target` is what was revoked: a subscriber (end-entity) certificate or a CA certificate.
 */
export function assertCrlReasonAllowed(sets: readonly ExtraRuleSet[], reasonCode: number | null, target: "subscriber" | "ca"): void {
  refuse(sets.flatMap((s) => crlReasonRules(s, reasonCode, target)));
}

/**
 * For CA creation and edit_ca --lint: a CA whose rule sets include a CA/B Forum set must sign with the
 * hash that matches its EC curve (CA/B BR §7.1.3.2.2), or everything it signed would be refused later.
 */
export function assertSigningHashAllowed(
  sets: readonly ExtraRuleSet[],
  keyType: KeyType,
  curve: EllipticCurve | undefined,
  hash: HashAlgorithm | undefined,
): void {
  refuse(sets.flatMap((s) => hashCurveRule(s, keyType, curve, hash)));
}
