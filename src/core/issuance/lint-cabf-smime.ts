/**
 * The `cabf-smime` rule set: the CA/Browser Forum S/MIME Baseline Requirements (multipurpose and strict
 * mailbox-validated profiles), as far as tsca decides what goes into a certificate. On top of the shared
 * rules (lint-cabf-common.ts), for a certificate with id-kp-emailProtection:
 *
 * - validity_max: at most 825 days (§6.3.2);
 * - san_present: a subjectAltName with at least one rfc822Name (§7.1.2.3 (h));
 * - eku_combination: emailProtection never with serverAuth, codeSigning or timeStamping (§7.1.2.3 (f)).
 *
 * Not covered: the reserved S/MIME policy OIDs (§7.1.6.1) and mailbox validation.
 */
import { OID } from "../x509/oids.js";
import { subjectAltName } from "../x509/extensions/alternative-names.js";
import { commonRules, EKU, ekusOf, extensionOf, findings, validityMax } from "./lint-cabf-common.js";
import type { LintFinding, LintInput } from "./lint-types.js";

const SET = "cabf-smime";

const NOT_WITH_EMAIL_PROTECTION: [string, string][] = [
  [EKU.serverAuth, "serverAuth"],
  [EKU.codeSigning, "codeSigning"],
  [EKU.timeStamping, "timeStamping"],
];

export function lintCabfSmime(c: LintInput): LintFinding[] {
  const out = commonRules(SET, c);
  const ekus = ekusOf(c);
  if (!ekus?.includes(EKU.emailProtection)) return out;
  const { list, add } = findings(SET);
  validityMax(c, 825, add, "S/MIME BR §6.3.2");
  const san = extensionOf(c, OID.subjectAltName);
  const names = san ? subjectAltName.decode(san.value) : [];
  if (!names.some((g) => g.type === "email"))
    add("san_present", "S/MIME BR §7.1.2.3 (h)", "an S/MIME certificate must name its mailbox as an rfc822Name subjectAltName");
  for (const [oid, name] of NOT_WITH_EMAIL_PROTECTION)
    if (ekus.includes(oid)) add("eku_combination", "S/MIME BR §7.1.2.3 (f)", `emailProtection must not be combined with ${name}`);
  return [...out, ...list];
}
