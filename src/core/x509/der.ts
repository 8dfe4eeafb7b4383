/**
 * A small DER writer (ITU-T X.690 §10). Hot paths (certificate TBS, CRLs, OCSP responses) build their
 * bytes here directly instead of going through a generic ASN.1 object layer; constant parts are encoded
 * once and reused as plain byte arrays. Everything returns Buffers so concatenation stays cheap.
 */

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Length octets, definite form (X.690 §8.1.3). */
function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with the given tag byte and already-encoded content. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = content.length === 1 ? Buffer.from(content[0]!) : Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(TAG.SEQUENCE, ...items);

/** SET OF: DER requires the encodings sorted as octet strings (X.690 §11.6). */
export function setOf(...items: Uint8Array[]): Buffer {
  const sorted = [...items].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return tlv(TAG.SET, ...sorted);
}

/** Context-specific tag: [n] EXPLICIT wraps, [n] IMPLICIT replaces the tag of a primitive/constructed value. */
export const explicit = (n: number, ...content: Uint8Array[]): Buffer => tlv(0xa0 | n, ...content);
export const implicitPrimitive = (n: number, content: Uint8Array): Buffer => tlv(0x80 | n, content);
export const implicitConstructed = (n: number, ...content: Uint8Array[]): Buffer => tlv(0xa0 | n, ...content);

/** Re-tag an encoded TLV (for IMPLICIT tagging of an already-encoded value). */
export function retag(encoded: Uint8Array, tag: number): Buffer {
  const b = Buffer.from(encoded);
  b[0] = tag;
  return b;
}

export const nullValue = (): Buffer => Buffer.from([TAG.NULL, 0]);
export const boolean = (v: boolean): Buffer => Buffer.from([TAG.BOOLEAN, 1, v ? 0xff : 0]);

/** INTEGER from unsigned big-endian magnitude bytes (a 0x00 is prepended when the top bit is set). */
export function integerFromBytes(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let body = Buffer.from(magnitude.subarray(start));
  if (body.length === 0) body = Buffer.from([0]);
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return tlv(TAG.INTEGER, body);
}

export function integer(n: number | bigint): Buffer {
  let v = BigInt(n);
  if (v < 0n) throw new RangeError("negative INTEGER values are not used here");
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  return integerFromBytes(Uint8Array.from(bytes));
}

export const enumerated = (n: number): Buffer => retag(integer(n), TAG.ENUMERATED);

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER (X.690 §8.19); encodings are cached because the same few OIDs recur. */
export function oid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split(".").map((a) => {
    if (!/^\d+$/.test(a)) throw new RangeError(`invalid OID ${dotted}`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2n) throw new RangeError(`invalid OID ${dotted}`);
  const out: number[] = [];
  const first = arcs[0]! * 40n + arcs[1]!;
  for (const arc of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  const enc = tlv(TAG.OID, Uint8Array.from(out));
  oidCache.set(dotted, enc);
  return enc;
}

export const octetString = (b: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, b);

/** BIT STRING with no unused bits (keys, signatures). */
export const bitString = (b: Uint8Array): Buffer => tlv(TAG.BIT_STRING, Buffer.from([0]), b);

/**
 * Named BIT STRING (X.690 §11.2.2): trailing zero bits are removed and the unused-bit count set,
 * as DER requires for KeyUsage and ReasonFlags. `bits` are bit positions (0 = most significant).
 */
export function namedBitString(bits: number[]): Buffer {
  if (bits.length === 0) return Buffer.from([TAG.BIT_STRING, 1, 0]);
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  const unused = 7 - (highest % 8);
  return tlv(TAG.BIT_STRING, Buffer.from([unused]), bytes);
}

export const utf8String = (s: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(s, "utf8"));
export const ia5String = (s: string): Buffer => tlv(TAG.IA5_STRING, Buffer.from(s, "ascii"));
export const printableString = (s: string): Buffer => tlv(TAG.PRINTABLE_STRING, Buffer.from(s, "ascii"));

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/** GeneralizedTime in whole seconds, Z form (RFC 5280 §4.1.2.5.2: no fractional seconds). */
export function generalizedTime(d: Date): Buffer {
  const s =
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) +
    pad(d.getUTCSeconds()) +
    "Z";
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(s, "ascii"));
}

export function utcTime(d: Date): Buffer {
  const s =
    pad(d.getUTCFullYear() % 100) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) +
    pad(d.getUTCSeconds()) +
    "Z";
  return tlv(TAG.UTC_TIME, Buffer.from(s, "ascii"));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on. */
export function time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  return y >= 1950 && y < 2050 ? utcTime(d) : generalizedTime(d);
}
