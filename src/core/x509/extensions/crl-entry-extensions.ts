/**
 * CRL entry extensions (RFC 5280 §5.3): reasonCode (§5.3.1, ENUMERATED CRLReason) and invalidityDate
 * (§5.3.2, GeneralizedTime, the time the key is known or suspected to have been compromised). Both are
 * non-critical. The hot path (crl-entries.ts) writes their bytes directly; these codecs describe them
 * and serve the less frequent encodings.
 */
import { decodeInteger, decodeTime, parseDer } from "../der-reader.js";
import { enumerated, generalizedTime } from "../der.js";
import { OID } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

/** CRLReason names in RFC spelling, by code (7 is not assigned). */
export const CRL_REASON_NAMES: Record<number, string> = {
  0: "unspecified",
  1: "keyCompromise",
  2: "cACompromise",
  3: "affiliationChanged",
  4: "superseded",
  5: "cessationOfOperation",
  6: "certificateHold",
  8: "removeFromCRL",
  9: "privilegeWithdrawn",
  10: "aACompromise",
};

export const crlReason: ExtensionCodec<number> = {
  oid: OID.cRLReason,
  name: "CRL Reason Code",
  defaultCritical: false,
  encode: (code) => enumerated(code),
  decode: (der) => Number(decodeInteger(parseDer(der).value)),
  describe: (code) => [CRL_REASON_NAMES[code] ?? `unknown (${code})`],
};

export const invalidityDate: ExtensionCodec<Date> = {
  oid: OID.invalidityDate,
  name: "Invalidity Date",
  defaultCritical: false,
  encode: (d) => generalizedTime(d),
  decode: (der) => decodeTime(parseDer(der)),
  describe: (d) => [d.toISOString().replace(/\.\d{3}Z$/, "Z")],
};
