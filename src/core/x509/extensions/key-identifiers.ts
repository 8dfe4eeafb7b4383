/** Subject and Authority Key Identifier (RFC 5280 §4.2.1.1, §4.2.1.2). */
import { children, parseDer } from "../der-reader.js";
import { implicitPrimitive, octetString, sequence } from "../der.js";
import { OID } from "../oids.js";
import { hexColons, type ExtensionCodec } from "./extension.js";

export const subjectKeyIdentifier: ExtensionCodec<Buffer> = {
  oid: OID.subjectKeyIdentifier,
  name: "Subject Key Identifier",
  defaultCritical: false,
  encode: (v) => octetString(v),
  decode: (der) => Buffer.from(parseDer(der).value),
  describe: (v) => [hexColons(v)],
};

/** Only the keyIdentifier form is written (§4.2.1.1: it MUST be present in certificates we issue). */
export const authorityKeyIdentifier: ExtensionCodec<Buffer> = {
  oid: OID.authorityKeyIdentifier,
  name: "Authority Key Identifier",
  defaultCritical: false,
  encode: (v) => sequence(implicitPrimitive(0, v)),
  decode: (der) => Buffer.from(children(parseDer(der)).find((c) => c.tag === 0x80)?.value ?? Buffer.alloc(0)),
  describe: (v) => [`* KeyID: ${hexColons(v)}`],
};
