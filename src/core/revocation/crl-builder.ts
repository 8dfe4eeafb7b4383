/**
 * The one place that signs CRLs (RFC 5280 §5.1): it encodes the TBSCertList, asks the Signer for a
 * signature and assembles the CertificateList. Built for size: the revokedCertificates list is written
 * once into an arena (crl-entries.ts), then copied once into the final buffer, which already has room for
 * the outer header, the algorithm and the signature; the TBS handed to the signer is a view into that
 * buffer, so a CRL of a million entries is never concatenated or copied again.
 *
 *   TBSCertList ::= SEQUENCE { version v2, signature, issuer, thisUpdate, nextUpdate,
 *                              revokedCertificates OPTIONAL, crlExtensions [0] EXPLICIT Extensions }
 */
import type { Signer } from "../ports/signer.js";
import { signatureAlgorithmIdentifier, type HashAlgorithm } from "../x509/algorithms.js";
import { bitString, explicit, integer, sequence, time } from "../x509/der.js";
import { crlNumber, deltaCrlIndicator } from "../x509/extensions/crl-number.js";
import { encodeExtension, makeExtension, type Extension } from "../x509/extensions/extension.js";
import { authorityKeyIdentifier } from "../x509/extensions/key-identifiers.js";
import { RevokedCertificatesWriter, tlvSize, writeLength, type CrlEntry } from "./crl-entries.js";

export interface CrlToSign {
  /** The CA's subject exactly as encoded in its certificate (§5.1.2.3). */
  issuer: Buffer;
  /** The CA's subject key identifier, for the AKI extension (§5.2.1). */
  authorityKeyId: Buffer;
  /** CRL number (§5.2.3). */
  number: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  /** The entries, or a writer that has encoded them already (so slow sources are read before signing). */
  entries: Iterable<CrlEntry> | RevokedCertificatesWriter;
  /** Expected number of entries, so the arena is sized once. */
  entryCountHint?: number;
  /** The critical IDP of a scoped CRL (§5.2.5), if any. */
  issuingDistributionPoint?: Extension;
  /** For a delta CRL: the number of its base CRL (§5.2.4). */
  baseCrlNumber?: bigint;
  /** For a complete CRL whose deltas are published: the non-critical Freshest CRL extension (§5.2.6). */
  freshestCrl?: Extension;
}

export interface SignedCrl {
  der: Buffer;
  entryCount: number;
}

/** v2 (§5.1.2.1): required because the CRL carries extensions. */
const VERSION_2 = integer(1);

/** Whole seconds: CRL times have no fraction (§5.1.2.4, §5.1.2.5). */
const wholeSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

function crlExtensions(c: CrlToSign): Buffer {
  const exts: Extension[] = [makeExtension(authorityKeyIdentifier, c.authorityKeyId), makeExtension(crlNumber, c.number)];
  if (c.issuingDistributionPoint) exts.push(c.issuingDistributionPoint);
  if (c.baseCrlNumber !== undefined) exts.push(makeExtension(deltaCrlIndicator, c.baseCrlNumber));
  // §5.2.6: the extension MUST NOT appear in delta CRLs.
  else if (c.freshestCrl) exts.push(c.freshestCrl);
  return explicit(0, sequence(...exts.map(encodeExtension)));
}

export async function signCrl(c: CrlToSign, signer: Signer, hash: HashAlgorithm | undefined): Promise<SignedCrl> {
  const algorithm = signatureAlgorithmIdentifier(signer.keyType, hash);
  let writer: RevokedCertificatesWriter;
  if (c.entries instanceof RevokedCertificatesWriter) writer = c.entries;
  else {
    writer = new RevokedCertificatesWriter(c.entryCountHint ?? (Array.isArray(c.entries) ? c.entries.length : 0));
    for (const e of c.entries) writer.add(e);
  }
  const entries = writer.contents();

  // The small parts before and after the entries, encoded normally.
  const head = Buffer.concat([VERSION_2, algorithm, c.issuer, time(wholeSeconds(c.thisUpdate)), time(wholeSeconds(c.nextUpdate))]);
  const tail = crlExtensions(c);
  // §5.1.2.6: when there are no revoked certificates, the list MUST be absent (not an empty SEQUENCE).
  const revokedSize = writer.count ? tlvSize(entries.length) : 0;
  const tbsContent = head.length + revokedSize + tail.length;
  const tbsSize = tlvSize(tbsContent);

  // Room for the outer header (at most 6 bytes) in front, and algorithm + signature behind.
  const FRONT = 6;
  const buf = Buffer.allocUnsafe(FRONT + tbsSize + algorithm.length + 8 + 1024);
  let p = FRONT;
  buf[p++] = 0x30;
  p = writeLength(buf, p, tbsContent);
  p += head.copy(buf, p);
  if (writer.count) {
    buf[p++] = 0x30;
    p = writeLength(buf, p, entries.length);
    p += entries.copy(buf, p);
  }
  p += tail.copy(buf, p);
  const tbs = buf.subarray(FRONT, p);

  const signature = await signer.sign(tbs, hash);
  // signatureValue BIT STRING with no unused bits (§5.1.1.3).
  const sigContent = signature.length + 1;
  const outerContent = tbs.length + algorithm.length + tlvSize(sigContent);
  const outerHeader = tlvSize(outerContent) - outerContent;
  // Signatures longer than the reserved room (RSA keys above 8192 bits): plain concatenation.
  if (p + algorithm.length + tlvSize(sigContent) > buf.length)
    return { der: sequence(tbs, algorithm, bitString(signature)), entryCount: writer.count };
  p += algorithm.copy(buf, p);
  buf[p++] = 0x03;
  p = writeLength(buf, p, sigContent);
  buf[p++] = 0;
  p += signature.copy(buf, p);
  const start = FRONT - outerHeader;
  buf[start] = 0x30;
  writeLength(buf, start + 1, outerContent);
  return { der: buf.subarray(start, p), entryCount: writer.count };
}
