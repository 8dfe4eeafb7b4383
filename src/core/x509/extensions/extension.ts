/**
 * Extension (RFC 5280 §4.1): `SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`.
 * Each extension has a codec in its own file: how its value is encoded, decoded and described.
 */
import { boolean, octetString, oid, sequence } from "../der.js";

export interface Extension {
  oid: string;
  critical: boolean;
  /** DER of the extension's own structure (the contents of extnValue). */
  value: Buffer;
}

export interface ExtensionCodec<T> {
  oid: string;
  name: string;
  /** Criticality the RFC requires or recommends (RFC 5280 §4.2.1.*). */
  defaultCritical: boolean;
  encode(value: T): Buffer;
  decode(der: Buffer): T;
  /** Readable lines for view_ca / view_cert, without the heading. */
  describe(value: T): string[];
}

export function makeExtension<T>(codec: ExtensionCodec<T>, value: T, critical = codec.defaultCritical): Extension {
  return { oid: codec.oid, critical, value: codec.encode(value) };
}

/** DER of one Extension; DEFAULT FALSE is omitted as DER requires (X.690 §11.5). */
export function encodeExtension(e: Extension): Buffer {
  return e.critical ? sequence(oid(e.oid), boolean(true), octetString(e.value)) : sequence(oid(e.oid), octetString(e.value));
}

export const hexColons = (b: Uint8Array): string => (Buffer.from(b).toString("hex").toUpperCase().match(/../g) ?? []).join(":");
