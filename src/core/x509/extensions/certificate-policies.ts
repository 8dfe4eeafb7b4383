/** Certificate Policies (RFC 5280 §4.2.1.4) with CPS pointer and user notice qualifiers. */
import { children, decodeOid, decodeString, parseDer } from "../der-reader.js";
import { ia5String, oid, sequence, utf8String } from "../der.js";
import { OID } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

export interface PolicyInformation {
  oid: string;
  cps: string[];
  notices: string[];
}

export const certificatePolicies: ExtensionCodec<PolicyInformation[]> = {
  oid: OID.certificatePolicies,
  name: "Certificate Policies",
  defaultCritical: false,
  encode: (policies) =>
    sequence(
      ...policies.map((p) => {
        const qualifiers = [
          ...p.cps.map((u) => sequence(oid(OID.cps), ia5String(u))),
          ...p.notices.map((t) => sequence(oid(OID.userNotice), sequence(utf8String(t)))),
        ];
        return qualifiers.length ? sequence(oid(p.oid), sequence(...qualifiers)) : sequence(oid(p.oid));
      }),
    ),
  decode: (der) =>
    children(parseDer(der)).map((pi) => {
      const [id, quals] = children(pi);
      const out: PolicyInformation = { oid: decodeOid(id!.value), cps: [], notices: [] };
      for (const q of quals ? children(quals) : []) {
        const [qid, qv] = children(q);
        const kind = decodeOid(qid!.value);
        if (kind === OID.cps) out.cps.push(decodeString(qv!));
        else if (kind === OID.userNotice) {
          const text = children(qv!).find((c) => c.tag !== 0x30);
          if (text) out.notices.push(decodeString(text));
        }
      }
      return out;
    }),
  describe: (policies) =>
    policies.flatMap((p) => [
      `* Policy Identifier: ${p.oid === OID.anyPolicy ? "anyPolicy" : p.oid}`,
      ...(p.cps.length || p.notices.length
        ? ["  Policy Qualifiers:", ...p.cps.map((u) => `  * ${u}`), ...p.notices.map((t) => `  * UserNotice: ${t}`)]
        : ["  No Policy Qualifiers"]),
    ]),
};
