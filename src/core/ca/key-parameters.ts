/**
 * Validation of key parameters for a new CA key (RFC 8410 §6: EdDSA takes no separate hash), and the
 * hash the CA will sign with when none is asked for: the one that matches the key (CA/B BR §7.1.3.2).
 */
import { TscaError } from "../errors.js";
import { HASH_FOR_CURVE, hasHash, matchingHash, type EllipticCurve, type HashAlgorithm, type KeyType } from "../x509/algorithms.js";
import type { KeySpec } from "../ports/key-store.js";

export interface KeyParameters {
  keyType: KeyType;
  keySize?: number;
  curve?: EllipticCurve;
  /** Given explicitly (--algorithm): used as it is, even when it does not match an EC curve (RFC 5280 allows it). */
  hash?: HashAlgorithm;
}

export interface KeyDefaults {
  keySize: number;
  minKeySize: number;
  curve: EllipticCurve;
  /**
   * The configured default hash (TSCA_DEFAULT_SIGNATURE_HASH), for RSA keys only; undefined: SHA-256. An EC
   * key always gets the hash of its curve unless --algorithm is given, so that a setting made for RSA
   * never puts SHA-512 on a P-256 key (CA/B BR §7.1.3.2.2 forbids that pair).
   */
  hash?: HashAlgorithm | undefined;
}

export function resolveKeyParameters(p: KeyParameters, d: KeyDefaults): { spec: KeySpec; hash: HashAlgorithm | null } {
  if (p.keyType !== "RSA" && p.keySize !== undefined)
    throw new TscaError("ERR_KEY_PARAMETERS", `Key size is only used for RSA keys, not ${p.keyType} keys.`);
  if (p.keyType !== "EC" && p.curve !== undefined)
    throw new TscaError("ERR_KEY_PARAMETERS", `Elliptic curves are only used for EC keys, not ${p.keyType} keys.`);
  if (!hasHash(p.keyType) && p.hash !== undefined)
    throw new TscaError("ERR_KEY_PARAMETERS", `${p.keyType} keys do not allow an algorithm for signing.`);
  if (p.keyType === "RSA") {
    const size = p.keySize ?? d.keySize;
    // An out-of-range --key-size is a bad option value (usage error, exit 2) like `--key-size abc`.
    if (size < d.minKeySize) throw new TscaError("ERR_INVALID_ARGUMENT", `${size}: Key size must be at least ${d.minKeySize} bits.`);
    if ((size & (size - 1)) !== 0) throw new TscaError("ERR_INVALID_ARGUMENT", `${size}: Key size must be a power of two.`);
    return { spec: { keyType: "RSA", keySize: size }, hash: p.hash ?? d.hash ?? matchingHash("RSA", undefined) };
  }
  if (p.keyType === "EC") {
    const curve = p.curve ?? d.curve;
    return { spec: { keyType: "EC", curve }, hash: p.hash ?? HASH_FOR_CURVE[curve] };
  }
  return { spec: { keyType: p.keyType }, hash: null };
}
