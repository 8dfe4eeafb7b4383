/**
 * The certificate policies a CA puts into the end-entity certificates it signs (RFC 5280 §4.2.1.4), written
 * one policy per value: its OID, then optional qualifiers, separated by ";":
 *
 *   2.23.140.1.2.1
 *   1.3.6.1.4.1.99999.1; cps:https://pki.example/cps; notice:Issued for testing only
 *
 * One form for edit_ca --sign-certificate-policies, the REST API's sign.certificate_policies and the web
 * admin's "Certificate policies" textarea, so all three accept and show the same text.
 */
import { TscaError } from "../errors.js";
import { printable } from "../text/printable.js";
import type { PolicyInformation } from "../x509/extensions/certificate-policies.js";
import { OID, oidProblem } from "../x509/oids.js";

const bad = (value: string, why: string): TscaError =>
  new TscaError("ERR_INVALID_ARGUMENT", `${printable(value)}: ${why} (a policy is "OID; cps:URL; notice:TEXT", qualifiers optional).`);

export function parseSigningPolicy(value: string): PolicyInformation {
  const [id, ...qualifiers] = value.split(";").map((p) => p.trim());
  // RFC 5280 §4.2.1.4: anyPolicy belongs in CA certificates; sign_cert refuses it for end entities too.
  if (id === "anyPolicy" || id === OID.anyPolicy) throw bad(value, "anyPolicy is for CA certificates, not for what a CA signs");
  const problem = oidProblem(id ?? "");
  if (problem) throw bad(value, `not a policy identifier: ${problem}`);
  const policy: PolicyInformation = { oid: id!, cps: [], notices: [] };
  for (const q of qualifiers) {
    const m = /^(cps|notice):\s*(.+)$/i.exec(q);
    if (!m) throw bad(value, `${printable(q)} is not a qualifier (cps:URL or notice:TEXT)`);
    const text = m[2]!;
    if (m[1]!.toLowerCase() === "cps") {
      // The CPS pointer is an IA5String URI (§4.2.1.4); a relying party fetches it over http(s).
      if (!/^https?:\/\/[\x21-\x7e]+$/i.test(text)) throw bad(value, `${printable(text)} is not an http:// or https:// URL`);
      policy.cps.push(text);
    } else {
      // §4.2.1.4: explicitText SHOULD NOT exceed 200 characters.
      if ([...text].length > 200) throw bad(value, "a user notice must not be longer than 200 characters");
      policy.notices.push(text);
    }
  }
  return policy;
}

export const parseSigningPolicies = (values: string[]): PolicyInformation[] => values.map(parseSigningPolicy);

export const formatSigningPolicy = (p: PolicyInformation): string =>
  [p.oid, ...p.cps.map((u) => `cps:${u}`), ...p.notices.map((t) => `notice:${t}`)].join("; ");
