/**
 * A small DER reader (ITU-T X.690): it splits bytes into TLVs without building an object tree, so
 * parsing a certificate for display or lookup costs microseconds and needs no schema library.
 * Only definite lengths are accepted (DER forbids the indefinite form, X.690 §10.1).
 */
import { TscaError } from "../errors.js";

export interface Tlv {
  tag: number;
  /** The whole encoding, tag and length included. */
  raw: Buffer;
  /** The contents octets. */
  value: Buffer;
}

function malformed(what: string): TscaError {
  return new TscaError("ERR_CERT_INVALID", `Malformed DER: ${what}.`);
}

/** Read one TLV at `offset`; returns it and the offset after it. */
export function readTlv(buf: Buffer, offset = 0): { tlv: Tlv; next: number } {
  if (offset + 2 > buf.length) throw malformed("truncated element");
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw malformed("multi-byte tags are not supported");
  let len = buf[offset + 1]!;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw malformed("unsupported length");
    if (pos + n > buf.length) throw malformed("truncated length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i]!;
    pos += n;
  }
  if (pos + len > buf.length) throw malformed("element longer than its container");
  return { tlv: { tag, raw: buf.subarray(offset, pos + len), value: buf.subarray(pos, pos + len) }, next: pos + len };
}

/** Parse exactly one TLV spanning the whole buffer. */
export function parseDer(buf: Uint8Array): Tlv {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const { tlv, next } = readTlv(b, 0);
  if (next !== b.length) throw malformed("trailing data");
  return tlv;
}

/** The children of a constructed TLV. */
export function children(t: Tlv): Tlv[] {
  if (!(t.tag & 0x20)) throw malformed(`tag 0x${t.tag.toString(16)} is not constructed`);
  const out: Tlv[] = [];
  for (let pos = 0; pos < t.value.length;) {
    const { tlv, next } = readTlv(t.value, pos);
    out.push(tlv);
    pos = next;
  }
  return out;
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw malformed(`expected ${what}`);
  return t;
}

export function decodeOid(value: Buffer): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const byte of value) {
    v = (v << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(v);
      v = 0n;
    }
  }
  if (arcs.length === 0) throw malformed("empty OID");
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join(".");
}

export function decodeInteger(value: Buffer): bigint {
  if (value.length === 0) return 0n;
  let v = BigInt("0x" + value.toString("hex"));
  if (value[0]! & 0x80) v -= 1n << BigInt(value.length * 8);
  return v;
}

export function decodeBoolean(value: Buffer): boolean {
  return value.length === 1 && value[0] !== 0;
}

/** Bits set in a BIT STRING, as positions (0 = most significant bit of the first byte). */
export function decodeBitPositions(value: Buffer): number[] {
  const unused = value[0] ?? 0;
  const bits: number[] = [];
  const total = (value.length - 1) * 8 - unused;
  for (let i = 0; i < total; i++) if (value[1 + (i >> 3)]! & (0x80 >> (i & 7))) bits.push(i);
  return bits;
}

/** UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5). */
export function decodeTime(t: Tlv): Date {
  const s = t.value.toString("ascii");
  const m =
    t.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(s)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(s);
  if (!m) throw malformed(`time value ${s}`);
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year >= 50 ? 1900 : 2000;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
}

/** Decode a directory string (UTF8String, PrintableString, IA5String, BMPString, …) to text. */
export function decodeString(t: Tlv): string {
  if (t.tag === 0x1e) {
    const b = Buffer.from(t.value);
    return b.swap16().toString("utf16le");
  }
  if (t.tag === 0x1c) {
    let s = "";
    for (let i = 0; i + 3 < t.value.length; i += 4) s += String.fromCodePoint(t.value.readUInt32BE(i));
    return s;
  }
  return t.value.toString(t.tag === 0x0c ? "utf8" : "latin1");
}
