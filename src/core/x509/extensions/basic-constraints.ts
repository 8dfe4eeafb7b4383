/** Basic Constraints (RFC 5280 §4.2.1.9): critical in CA certificates; pathLenConstraint limits CA levels below. */
import { children, decodeBoolean, decodeInteger, parseDer } from "../der-reader.js";
import { boolean, integer, sequence } from "../der.js";
import { OID } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

export interface BasicConstraints {
  ca: boolean;
  /** undefined: no limit. */
  pathLength?: number;
}

export const basicConstraints: ExtensionCodec<BasicConstraints> = {
  oid: OID.basicConstraints,
  name: "Basic Constraints",
  defaultCritical: true,
  encode: (v) => sequence(...(v.ca ? [boolean(true)] : []), ...(v.ca && v.pathLength !== undefined ? [integer(v.pathLength)] : [])),
  decode(der) {
    const out: BasicConstraints = { ca: false };
    for (const c of children(parseDer(der))) {
      if (c.tag === 0x01) out.ca = decodeBoolean(c.value);
      if (c.tag === 0x02) out.pathLength = Number(decodeInteger(c.value));
    }
    return out;
  },
  describe: (v) => [v.ca ? `CA:TRUE, path length:${v.pathLength ?? "unlimited"}` : "CA:FALSE"],
};
