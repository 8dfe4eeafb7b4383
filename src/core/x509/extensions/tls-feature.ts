/** TLS Feature (RFC 7633 §4): status_request (5) is "OCSP must-staple"; and OCSP No Check (RFC 6960 §4.2.2.2.1). */
import { TscaError } from "../../errors.js";
import { children, decodeInteger, parseDer } from "../der-reader.js";
import { integer, nullValue, sequence } from "../der.js";
import { OID } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

const FEATURES: Record<string, number> = {
  status_request: 5,
  ocspmuststaple: 5,
  status_request_v2: 17,
  multiplecertstatusrequest: 17,
};

export function parseTlsFeatures(values: string[]): number[] {
  return values.map((v) => {
    const n = FEATURES[v.trim().toLowerCase()];
    if (n === undefined) throw new TscaError("ERR_INVALID_ARGUMENT", `Unknown TLSFeature: ${v}.`);
    return n;
  });
}

export const tlsFeature: ExtensionCodec<number[]> = {
  oid: OID.tlsFeature,
  name: "TLS Feature",
  defaultCritical: false,
  encode: (v) => sequence(...v.map((n) => integer(n))),
  decode: (der) => children(parseDer(der)).map((c) => Number(decodeInteger(c.value))),
  describe: (v) =>
    v.map((n) => (n === 5 ? "* status_request (OCSPMustStaple)" : n === 17 ? "* status_request_v2 (MultipleCertStatusRequest)" : `* ${n}`)),
};

export const ocspNoCheck: ExtensionCodec<true> = {
  oid: OID.ocspNoCheck,
  name: "OCSP No Check",
  defaultCritical: false,
  encode: () => nullValue(),
  decode: () => true,
  describe: () => ["Yes"],
};
