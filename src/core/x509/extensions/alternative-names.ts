/** Subject and Issuer Alternative Name (RFC 5280 §4.2.1.6, §4.2.1.7). */
import { decodeGeneralNames, encodeGeneralNames, formatGeneralName, type GeneralName } from "../general-name.js";
import { OID } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

const names = (oid: string, name: string): ExtensionCodec<GeneralName[]> => ({
  oid,
  name,
  defaultCritical: false,
  encode: encodeGeneralNames,
  decode: decodeGeneralNames,
  describe: (v) => v.map((g) => `* ${formatGeneralName(g)}`),
});

export const subjectAltName = names(OID.subjectAltName, "Subject Alternative Name");
export const issuerAltName = names(OID.issuerAltName, "Issuer Alternative Name");
