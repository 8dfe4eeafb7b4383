/**
 * The OCSP hot path's reader: finds the CertID of a *plain* request — one CertID, no extensions, no
 * version, no requestor name, no signature (RFC 6960 §4.1.1; the shape RFC 5019 §2.1 clients and
 * `openssl ocsp -no_nonce` send) — by walking TLV headers in place. No Buffer slices, no OID decoding, no
 * objects but the result: parseOcspRequest costs several microseconds per request, this a few hundred
 * nanoseconds.
 *
 * It decides nothing: anything that is not plain (or not well formed) is `undefined` and takes the full
 * parser. What it returns is only a cache key — the CertID's exact bytes and its serial as stored — and a
 * cached response exists only under a CertID encoding that the full parser accepted and matched before,
 * so a key that the full parser would refuse can find nothing.
 */

/** End of the TLV that `enter` entered last (module state, so that the walk allocates nothing). */
let stop = 0;

/** Start of the contents of the TLV with `tag` at `pos` (its end in `stop`), or -1 if there is none ending by `end`. */
function enter(b: Buffer, pos: number, end: number, tag: number): number {
  if (pos + 2 > end || b[pos] !== tag) return -1;
  let len = b[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 2 || p + n > end) return -1; // requests are at most 8 KiB (MAX_OCSP_REQUEST_BYTES)
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i]!;
    p += n;
  }
  if (p + len > end) return -1;
  stop = p + len;
  return p;
}

export interface PlainCertId {
  /** The CertID exactly as encoded, as latin1 (the response cache's key for its signed response). */
  certIdKey: string;
  /** The serial number as upper-case hex without leading zero octets, as serials are stored. */
  serial: string;
}

export function plainCertId(der: Buffer): PlainCertId | undefined {
  const end = der.length;
  // OCSPRequest ⊃ TBSRequest ⊃ requestList ⊃ Request ⊃ CertID, each the only element of its parent: so
  // there is no optionalSignature, version, requestorName, requestExtensions, second Request or
  // singleRequestExtensions, and nothing after the request.
  let p = 0;
  for (let depth = 0; depth < 4; depth++) {
    p = enter(der, p, end, 0x30);
    if (p < 0 || stop !== end) return undefined;
  }
  const idStart = p;
  p = enter(der, p, end, 0x30);
  if (p < 0 || stop !== end) return undefined;
  // CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash OCTET STRING, issuerKeyHash OCTET STRING, serialNumber INTEGER }
  if (enter(der, p, end, 0x30) < 0 || enter(der, stop, end, 0x04) < 0 || enter(der, stop, end, 0x04) < 0) return undefined;
  let s = enter(der, stop, end, 0x02);
  if (s < 0 || stop !== end || s === stop) return undefined;
  while (s < stop - 1 && der[s] === 0) s++;
  return { certIdKey: der.toString("latin1", idStart, end), serial: der.toString("hex", s, stop).toUpperCase() };
}
