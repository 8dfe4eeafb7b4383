/**
 * The `cabf-serverauth` rule set: the CA/Browser Forum Baseline Requirements for TLS server certificates
 * (version 2.x), as far as tsca decides what goes into a certificate. On top of the shared rules
 * (lint-cabf-common.ts), for a certificate with id-kp-serverAuth:
 *
 * - validity_max: at most 398 days (§6.3.2);
 * - san_present: a subjectAltName (§7.1.2.7.12), holding only dNSName and iPAddress entries (san_types);
 * - eku_combination: serverAuth only with clientAuth, never with codeSigning, emailProtection,
 *   timeStamping or OCSPSigning (§7.1.2.7.10).
 *
 * Not covered (tsca cannot know or does not choose them): certificate policy OIDs, CT, domain validation.
 */
import { OID } from "../x509/oids.js";
import { subjectAltName } from "../x509/extensions/alternative-names.js";
import { commonRules, EKU, ekusOf, extensionOf, findings, validityMax } from "./lint-cabf-common.js";
import type { LintFinding, LintInput } from "./lint-types.js";

const SET = "cabf-serverauth";

/** Purposes a TLS server certificate must not be combined with (§7.1.2.7.10). */
const NOT_WITH_SERVER_AUTH: [string, string][] = [
  [EKU.codeSigning, "codeSigning"],
  [EKU.emailProtection, "emailProtection"],
  [EKU.timeStamping, "timeStamping"],
  [EKU.OCSPSigning, "OCSPSigning"],
];

export function lintCabfServerAuth(c: LintInput): LintFinding[] {
  const out = commonRules(SET, c);
  const ekus = ekusOf(c);
  if (!ekus?.includes(EKU.serverAuth)) return out;
  const { list, add } = findings(SET);
  validityMax(c, 398, add, "CA/B BR §6.3.2");
  const san = extensionOf(c, OID.subjectAltName);
  const names = san ? subjectAltName.decode(san.value) : [];
  if (!names.length) add("san_present", "CA/B BR §7.1.2.7.12", "a TLS server certificate must carry a subjectAltName");
  for (const g of names)
    if (g.type !== "dns" && g.type !== "ip")
      add("san_types", "CA/B BR §7.1.2.7.12", `a TLS server certificate may name only DNS names and IP addresses, not ${g.type} names`);
  for (const [oid, name] of NOT_WITH_SERVER_AUTH)
    if (ekus.includes(oid)) add("eku_combination", "CA/B BR §7.1.2.7.10", `serverAuth must not be combined with ${name}`);
  return [...out, ...list];
}
