/**
 * X.509 v3 certificates (RFC 5280 §4.1): building the TBSCertificate, assembling the signed certificate,
 * and parsing one into the fields tsca needs. Parsing is strict about structure and never evaluates
 * anything; unknown extensions are kept as bytes.
 */
import { createHash } from "node:crypto";
import { TscaError } from "../errors.js";
import { children, decodeBoolean, decodeOid, decodeTime, expectTag, parseDer, type Tlv } from "./der-reader.js";
import { bitString, explicit, integer, integerFromBytes, sequence, time } from "./der.js";
import { encodeExtension, type Extension } from "./extensions/extension.js";
import { decodeNameTlv, type Name } from "./name.js";
import { OID } from "./oids.js";
import type { KeyType } from "./algorithms.js";

export interface TbsFields {
  /** Upper-case hex, no colons. */
  serial: string;
  signatureAlgorithm: Buffer;
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  extensions: Extension[];
}

const V3 = explicit(0, integer(2));

export function encodeTbsCertificate(f: TbsFields): Buffer {
  return sequence(
    V3,
    integerFromBytes(Buffer.from(f.serial.length % 2 ? "0" + f.serial : f.serial, "hex")),
    f.signatureAlgorithm,
    f.issuer,
    sequence(time(f.notBefore), time(f.notAfter)),
    f.subject,
    f.spki,
    explicit(3, sequence(...f.extensions.map(encodeExtension))),
  );
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1.1). */
export const assembleCertificate = (tbs: Buffer, signatureAlgorithm: Buffer, signature: Buffer): Buffer =>
  sequence(tbs, signatureAlgorithm, bitString(signature));

export interface ParsedCertificate {
  der: Buffer;
  tbs: Buffer;
  version: number;
  serial: string;
  signatureAlgorithmOid: string;
  issuer: Name;
  issuerDer: Buffer;
  subject: Name;
  subjectDer: Buffer;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  keyType: KeyType | "unknown";
  /** RSA modulus bits, or the curve's field size; undefined for EdDSA. */
  keySize?: number;
  curveOid?: string;
  extensions: Extension[];
  signature: Buffer;
}

/** Serial as upper-case hex without colons or leading zero bytes beyond one digit pair. */
function serialHex(t: Tlv): string {
  let hex = t.value.toString("hex").toUpperCase();
  while (hex.length > 2 && hex.startsWith("00")) hex = hex.slice(2);
  return hex;
}

export function describeSpki(spki: Buffer): { keyType: KeyType | "unknown"; keySize?: number; curveOid?: string } {
  const [alg, key] = children(parseDer(spki));
  const [algOid, params] = children(alg!);
  const o = decodeOid(algOid!.value);
  if (o === OID.rsaEncryption) {
    const rsa = parseDer(key!.value.subarray(1));
    const modulus = children(rsa)[0]!.value;
    let bits = modulus.length * 8;
    for (let i = 0; i < modulus.length && modulus[i] === 0; i++) bits -= 8;
    return { keyType: "RSA", keySize: bits };
  }
  if (o === OID.ecPublicKey) {
    const curveOid = params ? decodeOid(params.value) : undefined;
    const size = { [OID.secp256r1]: 256, [OID.secp384r1]: 384, [OID.secp521r1]: 521 }[curveOid ?? ""];
    return { keyType: "EC", curveOid, keySize: size };
  }
  if (o === OID.ed25519) return { keyType: "Ed25519" };
  if (o === OID.ed448) return { keyType: "Ed448" };
  return { keyType: "unknown" };
}

export function parseExtensions(t: Tlv): Extension[] {
  return children(t).map((e) => {
    const parts = children(e);
    const critical = parts.length === 3 && parts[1]!.tag === 0x01 ? decodeBoolean(parts[1]!.value) : false;
    const value = expectTag(parts[parts.length - 1], 0x04, "extnValue");
    return { oid: decodeOid(expectTag(parts[0], 0x06, "extnID").value), critical, value: Buffer.from(value.value) };
  });
}

export function parseCertificate(der: Uint8Array): ParsedCertificate {
  try {
    const cert = parseDer(der);
    const [tbsT, sigAlg, sig] = children(expectTag(cert, 0x30, "Certificate"));
    const tbsParts = children(expectTag(tbsT, 0x30, "TBSCertificate"));
    let i = 0;
    let version = 1;
    if (tbsParts[0]?.tag === 0xa0) {
      version = Number(children(tbsParts[0])[0]!.value[0]) + 1;
      i++;
    }
    const serialT = expectTag(tbsParts[i++], 0x02, "serialNumber");
    i++; // signature AlgorithmIdentifier (must equal the outer one; checked by verifiers)
    const issuerT = expectTag(tbsParts[i++], 0x30, "issuer");
    const validity = children(expectTag(tbsParts[i++], 0x30, "validity"));
    const subjectT = expectTag(tbsParts[i++], 0x30, "subject");
    const spkiT = expectTag(tbsParts[i++], 0x30, "subjectPublicKeyInfo");
    let extensions: Extension[] = [];
    for (; i < tbsParts.length; i++) if (tbsParts[i]!.tag === 0xa3) extensions = parseExtensions(children(tbsParts[i]!)[0]!);
    const spki = Buffer.from(spkiT.raw);
    return {
      der: Buffer.from(cert.raw),
      tbs: Buffer.from(tbsT!.raw),
      version,
      serial: serialHex(serialT),
      signatureAlgorithmOid: decodeOid(children(sigAlg!)[0]!.value),
      issuer: decodeNameTlv(issuerT),
      issuerDer: Buffer.from(issuerT.raw),
      subject: decodeNameTlv(subjectT),
      subjectDer: Buffer.from(subjectT.raw),
      notBefore: decodeTime(validity[0]!),
      notAfter: decodeTime(validity[1]!),
      spki,
      ...describeSpki(spki),
      extensions,
      signature: Buffer.from(expectTag(sig, 0x03, "signatureValue").value.subarray(1)),
    };
  } catch (e) {
    if (e instanceof TscaError) throw e;
    throw new TscaError("ERR_CERT_INVALID", "The certificate cannot be parsed.", { cause: e });
  }
}

/** The subjectPublicKey BIT STRING contents, as RFC 5280 §4.2.1.2 method (1) hashes them. */
export function subjectPublicKeyBits(spki: Buffer): Buffer {
  const key = children(parseDer(spki))[1]!;
  return Buffer.from(key.value.subarray(1));
}

/** Key identifier per RFC 5280 §4.2.1.2 (1): SHA-1 of the subjectPublicKey bits. */
export const keyIdentifier = (spki: Buffer): Buffer => createHash("sha1").update(subjectPublicKeyBits(spki)).digest();

export const fingerprint = (der: Uint8Array, alg: "sha256" | "sha512" | "sha1"): string =>
  (createHash(alg).update(der).digest("hex").toUpperCase().match(/../g) ?? []).join(":");
