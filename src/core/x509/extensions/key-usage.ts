/** Key Usage (RFC 5280 §4.2.1.3): a named bit string; CAs assert keyCertSign and cRLSign. */
import { TscaError } from "../../errors.js";
import { decodeBitPositions, parseDer } from "../der-reader.js";
import { namedBitString } from "../der.js";
import { KEY_USAGE_BITS, OID, type KeyUsageName } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

export function parseKeyUsages(values: string[]): KeyUsageName[] {
  const out: KeyUsageName[] = [];
  for (const v of values) {
    const found = KEY_USAGE_BITS.find((k) => k.toLowerCase() === v.trim().toLowerCase());
    if (!found) throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: Invalid key usage (one of ${KEY_USAGE_BITS.join(", ")}).`);
    if (!out.includes(found)) out.push(found);
  }
  if ((out.includes("encipherOnly") || out.includes("decipherOnly")) && !out.includes("keyAgreement"))
    throw new TscaError("ERR_INVALID_ARGUMENT", "encipherOnly and decipherOnly need keyAgreement (RFC 5280 §4.2.1.3).");
  return out;
}

export const keyUsage: ExtensionCodec<KeyUsageName[]> = {
  oid: OID.keyUsage,
  name: "Key Usage",
  defaultCritical: true,
  encode: (v) => namedBitString(v.map((n) => KEY_USAGE_BITS.indexOf(n))),
  decode: (der) => decodeBitPositions(parseDer(der).value).map((i) => KEY_USAGE_BITS[i] ?? (`bit${i}` as KeyUsageName)),
  describe: (v) => [...v].sort().map((n) => `* ${n}`),
};
