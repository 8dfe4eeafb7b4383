/**
 * The signature check of an ACME JWS (RFC 7515 §5.2 step 8) with node:crypto, for the algorithms RFC 8555
 * §6.2 lets an account use. jose verifies through WebCrypto, whose every call is a job on the libuv thread
 * pool: about 330 µs per ES256 check here against 90 µs for a synchronous crypto.verify, on a path every
 * ACME request takes (bench/acme.mjs profile). The rules jose applied stay:
 *
 * - the key must be of the algorithm's type and, for ECDSA, on the algorithm's curve (RFC 7518 §3.4:
 *   ES256 is P-256 with SHA-256, and so on); RSA keys have at least 2048 bits (RFC 7518 §3.3);
 * - ECDSA signatures are R ‖ S of fixed length (RFC 7518 §3.4), not DER;
 * - RSASSA-PSS uses MGF1 with the same hash and a salt as long as the hash (RFC 7518 §3.5);
 * - EdDSA is Ed25519 or Ed448 (RFC 8037 §3.1).
 *
 * Imported keys are cached by algorithm and JWK: an account signs every request of an order with one key.
 */
import { constants, createPublicKey, verify, type KeyObject } from "node:crypto";
import type { PublicJwk } from "./model.js";

/** §6.2: asymmetric algorithms only; never "none" nor a MAC. */
export const ACME_JWS_ALGORITHMS = ["RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"] as const;
export type AcmeJwsAlgorithm = (typeof ACME_JWS_ALGORITHMS)[number];

/** RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with these algorithms." */
export const MIN_RSA_JWS_BITS = 2048;

interface Rule {
  /** The digest, or null for EdDSA (the hash is part of the scheme). */
  hash: string | null;
  /** JWK kty and what node:crypto calls the key type. */
  kty: string;
  types: readonly string[];
  /** The curve of an ECDSA algorithm, as node:crypto names it. */
  curve?: string;
  pss?: boolean;
}

const RULES: Record<AcmeJwsAlgorithm, Rule> = {
  RS256: { hash: "sha256", kty: "RSA", types: ["rsa"] },
  PS256: { hash: "sha256", kty: "RSA", types: ["rsa"], pss: true },
  ES256: { hash: "sha256", kty: "EC", types: ["ec"], curve: "prime256v1" },
  ES384: { hash: "sha384", kty: "EC", types: ["ec"], curve: "secp384r1" },
  ES512: { hash: "sha512", kty: "EC", types: ["ec"], curve: "secp521r1" },
  EdDSA: { hash: null, kty: "OKP", types: ["ed25519", "ed448"] },
};

export const isAcmeJwsAlgorithm = (alg: unknown): alg is AcmeJwsAlgorithm =>
  typeof alg === "string" && (ACME_JWS_ALGORITHMS as readonly string[]).includes(alg);

const cache = new Map<string, KeyObject>();
const CACHE_MAX = 2048;

/** The key of `jwk` for `alg`, or undefined when it cannot be imported or does not fit the algorithm. */
function keyFor(jwk: PublicJwk, alg: AcmeJwsAlgorithm): KeyObject | undefined {
  const id = `${alg} ${JSON.stringify(jwk)}`;
  const hit = cache.get(id);
  if (hit) return hit;
  const rule = RULES[alg];
  if (jwk.kty !== rule.kty) return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
  } catch {
    return undefined;
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.type !== "public" || !rule.types.includes(key.asymmetricKeyType ?? "")) return undefined;
  if (rule.curve && details.namedCurve !== rule.curve) return undefined;
  if (rule.kty === "RSA" && (details.modulusLength ?? 0) < MIN_RSA_JWS_BITS) return undefined;
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(id, key);
  return key;
}

/**
 * Whether `signature` is `alg`'s signature of `signingInput` (the ASCII of protected "." payload) by
 * `jwk`. "unfit" when the key cannot be used with the algorithm at all.
 */
export function checkJwsSignature(jwk: PublicJwk, alg: AcmeJwsAlgorithm, signingInput: Buffer, signature: Buffer): boolean | "unfit" {
  const key = keyFor(jwk, alg);
  if (!key) return "unfit";
  const rule = RULES[alg];
  try {
    if (rule.pss) return verify(rule.hash, signingInput, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
    if (rule.curve) return verify(rule.hash, signingInput, { key, dsaEncoding: "ieee-p1363" }, signature);
    return verify(rule.hash, signingInput, key, signature);
  } catch {
    // A signature of the wrong length for the curve, for instance.
    return false;
  }
}
