/**
 * Reading a CRL (RFC 5280 §5.1) without an object tree: the header fields and extensions are decoded,
 * the revoked entries are walked lazily, so reading the serials of a million-entry base CRL (to compute
 * a delta) costs one pass over the bytes.
 */
import { TscaError } from "../errors.js";
import { children, decodeInteger, decodeTime, expectTag, parseDer, readTlv, type Tlv } from "./der-reader.js";
import { parseExtensions } from "./certificate.js";
import type { Extension } from "./extensions/extension.js";
import { crlNumber, deltaCrlIndicator } from "./extensions/crl-number.js";
import { crlReason } from "./extensions/crl-entry-extensions.js";
import { findExtension } from "./extensions/registry.js";
import { OID } from "./oids.js";

export interface ParsedCrlEntry {
  /** Upper-case hex without colons. */
  serial: string;
  revokedAt: Date;
  /** CRLReason code; null when absent (unspecified). */
  reasonCode: number | null;
}

export interface ParsedCrl {
  version: number;
  issuerDer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date | null;
  extensions: Extension[];
  number: bigint | undefined;
  /** The BaseCRLNumber of a delta CRL (§5.2.4). */
  baseNumber: bigint | undefined;
  /** The signed TBSCertList bytes. */
  tbs: Buffer;
  /** Walk the revoked entries in order. */
  entries(): Generator<ParsedCrlEntry>;
}

const isTime = (t: Tlv | undefined): boolean => t?.tag === 0x17 || t?.tag === 0x18;

function entrySerial(t: Tlv): string {
  let hex = t.value.toString("hex").toUpperCase();
  while (hex.length > 2 && hex.startsWith("00")) hex = hex.slice(2);
  return hex;
}

export function parseCrl(der: Uint8Array): ParsedCrl {
  try {
    const [tbsT] = children(expectTag(parseDer(der), 0x30, "CertificateList"));
    const parts = children(expectTag(tbsT, 0x30, "TBSCertList"));
    let i = 0;
    let version = 1;
    if (parts[0]?.tag === 0x02) version = Number(decodeInteger(parts[i++]!.value)) + 1;
    i++; // signature AlgorithmIdentifier
    const issuer = expectTag(parts[i++], 0x30, "issuer");
    const thisUpdate = decodeTime(parts[i++]!);
    const nextUpdate = isTime(parts[i]) ? decodeTime(parts[i++]!) : null;
    const revoked = parts[i]?.tag === 0x30 ? parts[i++] : undefined;
    const extensions = parts[i]?.tag === 0xa0 ? parseExtensions(children(parts[i]!)[0]!) : [];
    const number = findExtension(extensions, crlNumber);
    const baseNumber = findExtension(extensions, deltaCrlIndicator);
    return {
      version,
      issuerDer: Buffer.from(issuer.raw),
      thisUpdate,
      nextUpdate,
      extensions,
      number,
      baseNumber,
      tbs: Buffer.from(tbsT!.raw),
      *entries() {
        if (!revoked) return;
        const v = revoked.value;
        for (let pos = 0; pos < v.length;) {
          const { tlv: entry, next } = readTlv(v, pos);
          pos = next;
          const [serialT, timeT, extsT] = children(entry);
          let reasonCode: number | null = null;
          if (extsT) {
            const reason = parseExtensions(extsT).find((e) => e.oid === OID.cRLReason);
            if (reason) reasonCode = crlReason.decode(reason.value);
          }
          yield { serial: entrySerial(expectTag(serialT, 0x02, "userCertificate")), revokedAt: decodeTime(timeT!), reasonCode };
        }
      },
    };
  } catch (e) {
    if (e instanceof TscaError) throw e;
    throw new TscaError("ERR_CRL_INVALID", "The CRL cannot be parsed.", { cause: e });
  }
}
