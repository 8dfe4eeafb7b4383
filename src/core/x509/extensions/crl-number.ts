/**
 * CRL Number (RFC 5280 §5.2.3) and Delta CRL Indicator (§5.2.4). Both hold a CRLNumber, a non-negative
 * INTEGER of at most 20 octets; the delta indicator names the number of the complete (base) CRL and is
 * always critical, so that a client that does not understand deltas never mistakes one for a full CRL.
 */
import { decodeInteger, parseDer } from "../der-reader.js";
import { integer } from "../der.js";
import { OID } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

const codec = (oid: string, name: string, defaultCritical: boolean): ExtensionCodec<bigint> => ({
  oid,
  name,
  defaultCritical,
  encode: (n) => integer(n),
  decode: (der) => decodeInteger(parseDer(der).value),
  describe: (n) => [n.toString()],
});

export const crlNumber = codec(OID.cRLNumber, "CRL Number", false);
export const deltaCrlIndicator = codec(OID.deltaCRLIndicator, "Delta CRL Indicator", true);
