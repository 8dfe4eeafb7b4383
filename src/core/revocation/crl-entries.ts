/**
 * The revokedCertificates list of a CRL (RFC 5280 §5.1.2.6), written straight into one growing byte
 * arena. A CRL may hold a million entries, so nothing here allocates per entry: serials are written from
 * hex in place, times digit by digit, and the entry extensions come from pre-encoded constants. Each entry:
 *
 *   SEQUENCE { userCertificate INTEGER, revocationDate Time, crlEntryExtensions Extensions OPTIONAL }
 *
 * with reasonCode (§5.3.1; omitted for unspecified, as the RFC asks) and invalidityDate (§5.3.2).
 */
import { encodeExtension } from "../x509/extensions/extension.js";
import { crlReason } from "../x509/extensions/crl-entry-extensions.js";
import { OID } from "../x509/oids.js";
import { oid } from "../x509/der.js";

export interface CrlEntry {
  /** Serial number as hex (either case, no colons). */
  serial: string;
  revokedAt: Date;
  /** CRLReason code (RFC 5280 §5.3.1); null or 0 (unspecified) writes no reasonCode. */
  reasonCode: number | null;
  /** When the key was compromised (§5.3.2); null writes no invalidityDate. */
  invalidityDate: Date | null;
}

/** reasonCode extensions by code, encoded once. */
const REASON_EXTENSIONS: Buffer[] = Array.from({ length: 11 }, (_, code) =>
  encodeExtension({ oid: OID.cRLReason, critical: false, value: crlReason.encode(code) }),
);

/** Extension { extnID invalidityDate, extnValue OCTET STRING { GeneralizedTime (17 bytes) } }: the fixed prefix. */
const INVALIDITY_PREFIX = Buffer.concat([Buffer.from([0x30, 0x18]), oid(OID.invalidityDate), Buffer.from([0x04, 0x11])]);
const INVALIDITY_LENGTH = INVALIDITY_PREFIX.length + 17;

/** Bytes needed for a definite length (X.690 §8.1.3). */
const lengthSize = (n: number): number => (n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5);

/** Write a definite length at `pos`; returns the position after it. */
export function writeLength(buf: Buffer, pos: number, n: number): number {
  const size = lengthSize(n);
  if (size === 1) {
    buf[pos] = n;
    return pos + 1;
  }
  buf[pos] = 0x80 | (size - 1);
  for (let i = size - 1; i >= 1; i--) {
    buf[pos + i] = n & 0xff;
    n = Math.floor(n / 256);
  }
  return pos + size;
}

/** Size of a TLV whose contents are `n` bytes long. */
export const tlvSize = (n: number): number => 1 + lengthSize(n) + n;

const two = (buf: Buffer, pos: number, v: number): void => {
  buf[pos] = 48 + ((v / 10) | 0);
  buf[pos + 1] = 48 + (v % 10);
};

/** UTCTime through 2049, GeneralizedTime from 2050 on (RFC 5280 §5.1.2.6 → §4.1.2.5); whole seconds, Z. */
function writeTime(buf: Buffer, pos: number, d: Date, forceGeneralized: boolean): number {
  const year = d.getUTCFullYear();
  let p = pos;
  if (!forceGeneralized && year >= 1950 && year < 2050) {
    buf[p++] = 0x17;
    buf[p++] = 13;
    two(buf, p, year % 100);
    p += 2;
  } else {
    buf[p++] = 0x18;
    buf[p++] = 15;
    two(buf, p, (year / 100) | 0);
    two(buf, p + 2, year % 100);
    p += 4;
  }
  two(buf, p, d.getUTCMonth() + 1);
  two(buf, p + 2, d.getUTCDate());
  two(buf, p + 4, d.getUTCHours());
  two(buf, p + 6, d.getUTCMinutes());
  two(buf, p + 8, d.getUTCSeconds());
  buf[p + 10] = 0x5a; // "Z"
  return p + 11;
}

const timeSize = (d: Date): number => {
  const y = d.getUTCFullYear();
  return y >= 1950 && y < 2050 ? 15 : 17;
};

const HEX = /^[0-9A-Fa-f]+$/;

export class RevokedCertificatesWriter {
  private buf: Buffer;
  private pos = 0;
  /** Number of entries written. */
  count = 0;

  /**
   * `sizeHint`: expected number of entries, so the arena is allocated once (untouched pages cost no
   * memory); without one it starts at 1 MiB and doubles.
   */
  constructor(sizeHint = 0) {
    this.buf = Buffer.allocUnsafe(Math.max(1 << 20, sizeHint * 96));
  }

  /** Encode every entry of a (possibly asynchronous, e.g. paged from a database) sequence. */
  static async of(entries: Iterable<CrlEntry> | AsyncIterable<CrlEntry[]>, sizeHint = 0): Promise<RevokedCertificatesWriter> {
    const writer = new RevokedCertificatesWriter(sizeHint);
    if (Symbol.asyncIterator in entries) {
      for await (const batch of entries) for (const e of batch) writer.add(e);
    } else {
      for (const e of entries) writer.add(e);
    }
    return writer;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  add(e: CrlEntry): void {
    let hex = e.serial;
    if (!HEX.test(hex)) throw new RangeError(`not a hex serial: ${hex}`);
    if (hex.length & 1) hex = "0" + hex;
    // Minimal INTEGER (X.690 §8.3.2): drop leading zero octets, add one when the top bit would make it negative.
    let start = 0;
    while (start < hex.length - 2 && hex.charCodeAt(start) === 48 && hex.charCodeAt(start + 1) === 48) start += 2;
    const firstNibble = parseInt(hex[start]!, 16);
    const pad = firstNibble >= 8 ? 1 : 0;
    const serialLen = (hex.length - start) / 2 + pad;

    const reason = e.reasonCode ? REASON_EXTENSIONS[e.reasonCode] : undefined;
    if (e.reasonCode && !reason) throw new RangeError(`unknown CRLReason code ${e.reasonCode}`);
    const extsContent = (reason ? reason.length : 0) + (e.invalidityDate ? INVALIDITY_LENGTH : 0);
    const content = tlvSize(serialLen) + timeSize(e.revokedAt) + (extsContent ? tlvSize(extsContent) : 0);

    this.ensure(tlvSize(content));
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x30;
    p = writeLength(buf, p, content);
    buf[p++] = 0x02;
    p = writeLength(buf, p, serialLen);
    if (pad) buf[p++] = 0;
    p += buf.write(start ? hex.slice(start) : hex, p, "hex");
    p = writeTime(buf, p, e.revokedAt, false);
    if (extsContent) {
      buf[p++] = 0x30;
      p = writeLength(buf, p, extsContent);
      if (reason) p += reason.copy(buf, p);
      if (e.invalidityDate) {
        p += INVALIDITY_PREFIX.copy(buf, p);
        // invalidityDate is always GeneralizedTime (§5.3.2), in whole seconds.
        p = writeTime(buf, p, e.invalidityDate, true);
      }
    }
    this.pos = p;
    this.count++;
  }

  /** Encoded entries without the outer SEQUENCE header (a view into the arena, not a copy). */
  contents(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
