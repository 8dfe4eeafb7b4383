/** Policy Constraints (RFC 5280 §4.2.1.11) and Inhibit anyPolicy (§4.2.1.14): both MUST be critical. */
import { children, decodeInteger, parseDer } from "../der-reader.js";
import { implicitPrimitive, integer, sequence } from "../der.js";
import { OID } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

export interface PolicyConstraints {
  requireExplicitPolicy?: number;
  inhibitPolicyMapping?: number;
}

const skipCerts = (tag: number, n: number): Buffer => implicitPrimitive(tag, integer(n).subarray(2));

export const policyConstraints: ExtensionCodec<PolicyConstraints> = {
  oid: OID.policyConstraints,
  name: "Policy Constraints",
  defaultCritical: true,
  encode: (v) =>
    sequence(
      ...(v.requireExplicitPolicy !== undefined ? [skipCerts(0, v.requireExplicitPolicy)] : []),
      ...(v.inhibitPolicyMapping !== undefined ? [skipCerts(1, v.inhibitPolicyMapping)] : []),
    ),
  decode(der) {
    const out: PolicyConstraints = {};
    for (const c of children(parseDer(der))) {
      if (c.tag === 0x80) out.requireExplicitPolicy = Number(decodeInteger(c.value));
      if (c.tag === 0x81) out.inhibitPolicyMapping = Number(decodeInteger(c.value));
    }
    return out;
  },
  describe: (v) => [
    ...(v.inhibitPolicyMapping !== undefined ? [`* InhibitPolicyMapping: ${v.inhibitPolicyMapping}`] : []),
    ...(v.requireExplicitPolicy !== undefined ? [`* RequireExplicitPolicy: ${v.requireExplicitPolicy}`] : []),
  ],
};

export const inhibitAnyPolicy: ExtensionCodec<number> = {
  oid: OID.inhibitAnyPolicy,
  name: "Inhibit anyPolicy",
  defaultCritical: true,
  encode: (n) => integer(n),
  decode: (der) => Number(decodeInteger(parseDer(der).value)),
  describe: (n) => [String(n)],
};
