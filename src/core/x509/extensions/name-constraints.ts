/** Name Constraints (RFC 5280 §4.2.1.10): critical, only in CA certificates. */
import { children, parseDer } from "../der-reader.js";
import { implicitConstructed, sequence } from "../der.js";
import { decodeGeneralNameTlv, encodeGeneralName, formatGeneralName, type GeneralName } from "../general-name.js";
import { OID } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

export interface NameConstraints {
  permitted: GeneralName[];
  excluded: GeneralName[];
}

const subtrees = (names: GeneralName[]): Buffer[] => names.map((g) => sequence(encodeGeneralName(g)));

export const nameConstraints: ExtensionCodec<NameConstraints> = {
  oid: OID.nameConstraints,
  name: "Name Constraints",
  defaultCritical: true,
  encode: (v) =>
    sequence(
      ...(v.permitted.length ? [implicitConstructed(0, ...subtrees(v.permitted))] : []),
      ...(v.excluded.length ? [implicitConstructed(1, ...subtrees(v.excluded))] : []),
    ),
  decode(der) {
    const out: NameConstraints = { permitted: [], excluded: [] };
    for (const c of children(parseDer(der))) {
      const list = children(c).map((st) => decodeGeneralNameTlv(children(st)[0]!));
      if (c.tag === 0xa0) out.permitted.push(...list);
      if (c.tag === 0xa1) out.excluded.push(...list);
    }
    return out;
  },
  describe: (v) => [
    ...(v.permitted.length ? ["Permitted:", ...v.permitted.map((g) => `  * ${formatGeneralName(g)}`)] : []),
    ...(v.excluded.length ? ["Excluded:", ...v.excluded.map((g) => `  * ${formatGeneralName(g)}`)] : []),
  ],
};
