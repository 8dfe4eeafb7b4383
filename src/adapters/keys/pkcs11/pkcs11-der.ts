/**
 * Pure helpers between PKCS#11 attributes and the DER structures X.509 needs: curve parameters, public
 * keys (CKA_EC_POINT, CKA_MODULUS/CKA_PUBLIC_EXPONENT → SubjectPublicKeyInfo), raw ECDSA signatures
 * (r‖s, PKCS#11 v2.40 §2.3.1) → Ecdsa-Sig-Value (RFC 5480 §2.2), and the DigestInfo prefixes of
 * RSASSA-PKCS1-v1_5 (RFC 8017 §9.2). No I/O and no binding here, so they are unit-tested on their own.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import type { EllipticCurve, HashAlgorithm, KeyType } from "../../../core/x509/algorithms.js";

/**
 * PKCS#11 3.0 numbers pkcs11js 2.1.7 has no names for (PKCS#11 v3.0 §6.3 EdDSA): the Edwards key type,
 * its key-pair generation mechanism and EdDSA signing.
 */
export const CKK_EC_EDWARDS = 0x40;
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EDDSA = 0x1057;

/** CKA_EC_PARAMS: the DER OID of each named curve (RFC 5480 §2.1.1.1; RFC 8410 §3 for the Edwards curves). */
export const EC_PARAMS: Record<EllipticCurve | "Ed25519" | "Ed448", Buffer> = {
  secp256r1: Buffer.from("06082a8648ce3d030107", "hex"),
  secp384r1: Buffer.from("06052b81040022", "hex"),
  secp521r1: Buffer.from("06052b81040023", "hex"),
  Ed25519: Buffer.from("06032b6570", "hex"),
  Ed448: Buffer.from("06032b6571", "hex"),
};

/** Size in bytes of one coordinate (ECDSA) or of the whole public key (EdDSA). */
const FIELD_BYTES: Record<EllipticCurve | "Ed25519" | "Ed448", number> = {
  secp256r1: 32,
  secp384r1: 48,
  secp521r1: 66,
  Ed25519: 32,
  Ed448: 57,
};

const JWK_CURVE: Record<EllipticCurve, string> = { secp256r1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };

export type TokenCurve = EllipticCurve | "Ed25519" | "Ed448";

/**
 * The curve named by CKA_EC_PARAMS: an OID, or for Edwards keys made by other tools the PrintableString
 * "edwards25519"/"edwards448" that PKCS#11 v3.0 §2.3.10 also allows.
 */
export function curveOfParams(params: Buffer): TokenCurve | undefined {
  for (const [curve, oid] of Object.entries(EC_PARAMS)) if (oid.equals(params)) return curve as TokenCurve;
  if (params[0] === 0x13) {
    const name = params.subarray(2).toString("latin1");
    if (name === "edwards25519") return "Ed25519";
    if (name === "edwards448") return "Ed448";
  }
  return undefined;
}

/** DER length octets (X.690 §8.1.3): short form below 128, else long form. */
export function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, value: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), derLength(value.length), value]);

/** CKA_EC_POINT is a DER OCTET STRING holding the point (PKCS#11 v2.40 §2.3.3); wrap one for C_CreateObject. */
export const wrapEcPoint = (point: Buffer): Buffer => tlv(0x04, point);

/**
 * The point inside CKA_EC_POINT. Some modules return the raw point instead of the OCTET STRING (a known
 * deviation); the expected size of the point tells the two apart, because a raw uncompressed point also
 * starts with 0x04.
 */
export function unwrapEcPoint(value: Buffer, curve: TokenCurve): Buffer {
  const raw = curve === "Ed25519" || curve === "Ed448" ? FIELD_BYTES[curve] : 1 + 2 * FIELD_BYTES[curve];
  if (value.length === raw) return value;
  if (value[0] === 0x04) {
    const len = value[1]!;
    const [start, size] = len < 0x80 ? [2, len] : [2 + (len & 0x7f), value.subarray(2, 2 + (len & 0x7f)).reduce((a, b) => a * 256 + b, 0)];
    if (start + size === value.length && size === raw) return value.subarray(start);
  }
  throw new Error(`CKA_EC_POINT of ${value.length} bytes is not a ${curve} public key`);
}

const b64url = (b: Buffer): string => b.toString("base64url");

/** The SubjectPublicKeyInfo of an EC or Edwards public key from its curve and point, checked by node:crypto. */
export function ecSpki(curve: TokenCurve, point: Buffer): Buffer {
  let jwk: JsonWebKey;
  if (curve === "Ed25519" || curve === "Ed448") jwk = { kty: "OKP", crv: curve, x: b64url(point) };
  else {
    const n = FIELD_BYTES[curve];
    if (point[0] !== 0x04 || point.length !== 1 + 2 * n) throw new Error(`not an uncompressed ${curve} point`);
    jwk = { kty: "EC", crv: JWK_CURVE[curve], x: b64url(point.subarray(1, 1 + n)), y: b64url(point.subarray(1 + n)) };
  }
  return createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "der" });
}

/** The SubjectPublicKeyInfo of an RSA public key (RFC 8017 §3.1) from CKA_MODULUS and CKA_PUBLIC_EXPONENT. */
export const rsaSpki = (modulus: Buffer, exponent: Buffer): Buffer =>
  createPublicKey({ key: { kty: "RSA", n: b64url(modulus), e: b64url(exponent) }, format: "jwk" }).export({ type: "spki", format: "der" });

/** Minimal two's-complement INTEGER contents for an unsigned big-endian number (X.690 §8.3.2). */
function unsignedInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = bytes.subarray(i);
  return tlv(0x02, v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

/**
 * CKM_ECDSA returns r‖s, each as long as the order of the curve (PKCS#11 v2.40 §2.3.1); X.509 wants
 * Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 5480 §2.2, RFC 5758 §3.2).
 */
export function rawEcdsaToDer(raw: Buffer): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new Error(`an ECDSA signature of ${raw.length} bytes is not r‖s`);
  const half = raw.length / 2;
  return tlv(0x30, Buffer.concat([unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half))]));
}

/**
 * DER of DigestInfo up to the digest, for RSASSA-PKCS1-v1_5 with CKM_RSA_PKCS, which pads but does not
 * hash (RFC 8017 §9.2, note 1 lists these bytes).
 */
export const DIGEST_INFO_PREFIX: Record<HashAlgorithm, Buffer> = {
  "SHA-256": Buffer.from("3031300d060960864801650304020105000420", "hex"),
  "SHA-384": Buffer.from("3041300d060960864801650304020205000430", "hex"),
  "SHA-512": Buffer.from("3051300d060960864801650304020305000440", "hex"),
};

/** Largest signature a key makes: the modulus for RSA, r‖s for ECDSA, R‖S for EdDSA (RFC 8032 §5.1.6/§5.2.6). */
export function signatureSize(keyType: KeyType, curve: TokenCurve | undefined, modulusBytes: number): number {
  if (keyType === "RSA") return modulusBytes;
  if (keyType === "Ed25519") return 64;
  if (keyType === "Ed448") return 114;
  return 2 * FIELD_BYTES[curve ?? "secp256r1"];
}

/** The key's values in the JWK form node:crypto exports, as the buffers PKCS#11 templates take. */
export function jwkBuffers(key: KeyObject): Record<string, Buffer> {
  const jwk = key.export({ format: "jwk" }) as Record<string, unknown>;
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(jwk)) if (typeof v === "string" && k !== "kty" && k !== "crv") out[k] = Buffer.from(v, "base64url");
  return out;
}

/** The curve of a node:crypto EC or Edwards key. */
export function curveOfKey(key: KeyObject): TokenCurve | undefined {
  if (key.asymmetricKeyType === "ed25519") return "Ed25519";
  if (key.asymmetricKeyType === "ed448") return "Ed448";
  const named = key.asymmetricKeyDetails?.namedCurve;
  return named === "prime256v1" ? "secp256r1" : named === "secp384r1" ? "secp384r1" : named === "secp521r1" ? "secp521r1" : undefined;
}
