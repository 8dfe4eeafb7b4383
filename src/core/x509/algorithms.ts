/**
 * Key types and signature algorithms (RFC 4055 §5 / RFC 5758 §3.2 / RFC 8410 §3). The hash is part of
 * the algorithm for RSA and ECDSA; Ed25519 and Ed448 have none (RFC 8410 §6).
 */
import { TscaError } from "../errors.js";
import { nullValue, oid, sequence } from "./der.js";
import { OID } from "./oids.js";

export type KeyType = "RSA" | "EC" | "Ed25519" | "Ed448";
export type HashAlgorithm = "SHA-256" | "SHA-384" | "SHA-512";
export type EllipticCurve = "secp256r1" | "secp384r1" | "secp521r1";

export const KEY_TYPES: KeyType[] = ["RSA", "EC", "Ed25519", "Ed448"];
export const HASH_ALGORITHMS: HashAlgorithm[] = ["SHA-256", "SHA-384", "SHA-512"];
export const ELLIPTIC_CURVES: EllipticCurve[] = ["secp256r1", "secp384r1", "secp521r1"];

export const CURVE_OIDS: Record<EllipticCurve, string> = {
  secp256r1: OID.secp256r1,
  secp384r1: OID.secp384r1,
  secp521r1: OID.secp521r1,
};

/** Node's names for hashes and curves, for the adapters. */
export const NODE_HASH: Record<HashAlgorithm, string> = { "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };
export const NODE_CURVE: Record<EllipticCurve, string> = { secp256r1: "prime256v1", secp384r1: "secp384r1", secp521r1: "secp521r1" };

export function parseKeyType(v: string): KeyType {
  const t = KEY_TYPES.find((k) => k.toLowerCase() === v.trim().toLowerCase() || (k === "EC" && /^ecc?$|^ecdsa$/i.test(v.trim())));
  if (!t) throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: Unknown key type (one of ${KEY_TYPES.join(", ")}).`);
  return t;
}

export function parseHashAlgorithm(v: string): HashAlgorithm {
  const norm = v
    .trim()
    .toUpperCase()
    .replace(/^SHA-?/, "SHA-");
  const h = HASH_ALGORITHMS.find((a) => a === norm);
  if (!h) throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: Unknown signature hash algorithm (one of ${HASH_ALGORITHMS.join(", ")}).`);
  return h;
}

export function parseEllipticCurve(v: string): EllipticCurve {
  const aliases: Record<string, EllipticCurve> = {
    "p-256": "secp256r1",
    prime256v1: "secp256r1",
    "p-384": "secp384r1",
    "p-521": "secp521r1",
  };
  const c = ELLIPTIC_CURVES.find((x) => x === v.trim().toLowerCase()) ?? aliases[v.trim().toLowerCase()];
  if (!c) throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: Unknown elliptic curve (one of ${ELLIPTIC_CURVES.join(", ")}).`);
  return c;
}

export const hasHash = (keyType: KeyType): boolean => keyType === "RSA" || keyType === "EC";

/**
 * The hash an ECDSA key signs with: the one whose strength matches the curve (CA/B BR §7.1.3.2.2 allows
 * only these pairs; RFC 5480 §4 recommends them).
 */
export const HASH_FOR_CURVE: Record<EllipticCurve, HashAlgorithm> = { secp256r1: "SHA-256", secp384r1: "SHA-384", secp521r1: "SHA-512" };

/** The curve of a namedCurve OID (RFC 5480 §2.1.1.1); undefined for any other. */
export function curveOfOid(curveOid: string | undefined): EllipticCurve | undefined {
  return ELLIPTIC_CURVES.find((c) => CURVE_OIDS[c] === curveOid);
}

/**
 * The signature hash that matches a key when none is asked for: SHA-256 for RSA (CA/B BR §7.1.3.2.1
 * allows SHA-256/384/512; SHA-256 is what every relying party supports), the curve's hash for ECDSA,
 * none for EdDSA (RFC 8410 §6).
 */
export function matchingHash(keyType: KeyType, curve: EllipticCurve | undefined): HashAlgorithm | null {
  if (keyType === "RSA") return "SHA-256";
  if (keyType === "EC") return HASH_FOR_CURVE[curve ?? "secp256r1"];
  return null;
}

/** AlgorithmIdentifier for a signature; RSA carries NULL parameters, ECDSA and EdDSA none (RFC 5758 §3.2). */
export function signatureAlgorithmIdentifier(keyType: KeyType, hash: HashAlgorithm | undefined): Buffer {
  switch (keyType) {
    case "RSA": {
      const o = { "SHA-256": OID.sha256WithRSAEncryption, "SHA-384": OID.sha384WithRSAEncryption, "SHA-512": OID.sha512WithRSAEncryption }[
        hash ?? "SHA-256"
      ];
      return sequence(oid(o), nullValue());
    }
    case "EC": {
      const o = { "SHA-256": OID.ecdsaWithSHA256, "SHA-384": OID.ecdsaWithSHA384, "SHA-512": OID.ecdsaWithSHA512 }[hash ?? "SHA-256"];
      return sequence(oid(o));
    }
    case "Ed25519":
      return sequence(oid(OID.ed25519));
    case "Ed448":
      return sequence(oid(OID.ed448));
  }
}

const SIGNATURE_NAMES: Record<string, string> = {
  [OID.sha256WithRSAEncryption]: "sha256WithRSAEncryption",
  [OID.sha384WithRSAEncryption]: "sha384WithRSAEncryption",
  [OID.sha512WithRSAEncryption]: "sha512WithRSAEncryption",
  [OID.ecdsaWithSHA256]: "ecdsa-with-SHA256",
  [OID.ecdsaWithSHA384]: "ecdsa-with-SHA384",
  [OID.ecdsaWithSHA512]: "ecdsa-with-SHA512",
  [OID.ed25519]: "ED25519",
  [OID.ed448]: "ED448",
  [OID.md5WithRSAEncryption]: "md5WithRSAEncryption",
  [OID.sha1WithRSAEncryption]: "sha1WithRSAEncryption",
  [OID.ecdsaWithSHA1]: "ecdsa-with-SHA1",
};

export const signatureAlgorithmName = (o: string): string => SIGNATURE_NAMES[o] ?? o;

/** The hash of a signature algorithm OID; undefined for EdDSA; "weak" for MD5/SHA-1. */
export function hashOfSignatureAlgorithm(o: string): HashAlgorithm | undefined | "weak" {
  if ([OID.sha256WithRSAEncryption, OID.ecdsaWithSHA256].includes(o as never)) return "SHA-256";
  if ([OID.sha384WithRSAEncryption, OID.ecdsaWithSHA384].includes(o as never)) return "SHA-384";
  if ([OID.sha512WithRSAEncryption, OID.ecdsaWithSHA512].includes(o as never)) return "SHA-512";
  if ([OID.md5WithRSAEncryption, OID.sha1WithRSAEncryption, OID.ecdsaWithSHA1].includes(o as never)) return "weak";
  return undefined;
}
