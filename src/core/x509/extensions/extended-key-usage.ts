/** Extended Key Usage (RFC 5280 §4.2.1.12): purposes by name or dotted OID. */
import { TscaError } from "../../errors.js";
import { children, decodeOid, parseDer } from "../der-reader.js";
import { oid, sequence } from "../der.js";
import { EXTENDED_KEY_USAGES, OID, oidProblem } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

export function parseExtendedKeyUsages(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const name = Object.keys(EXTENDED_KEY_USAGES).find((k) => k.toLowerCase() === v.trim().toLowerCase());
    const o = name ? EXTENDED_KEY_USAGES[name]! : /^[\d.]+$/.test(v.trim()) ? v.trim() : undefined;
    if (!o) throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: Not a dotted string or known Extended Key Usage.`);
    const problem = name ? undefined : oidProblem(o);
    if (problem) throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: Not a valid Extended Key Usage: ${problem}`);
    if (out.includes(o)) throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: Extended Key Usage is added multiple times.`);
    out.push(o);
  }
  return out;
}

const nameOf = (o: string): string => Object.entries(EXTENDED_KEY_USAGES).find(([, v]) => v === o)?.[0] ?? o;

export const extendedKeyUsage: ExtensionCodec<string[]> = {
  oid: OID.extKeyUsage,
  name: "Extended Key Usage",
  defaultCritical: false,
  encode: (v) => sequence(...v.map((o) => oid(o))),
  decode: (der) => children(parseDer(der)).map((c) => decodeOid(c.value)),
  describe: (v) => v.map((o) => `* ${nameOf(o)}`),
};
