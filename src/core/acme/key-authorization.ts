/**
 * Key authorizations (RFC 8555 §8.1): token "." base64url(JWK thumbprint), the thumbprint being RFC 7638
 * SHA-256 over the key's required members. The same thumbprint identifies an account's key (one account
 * per key and CA, §7.3.1).
 */
import { createHash } from "node:crypto";
import { AcmeProblem } from "./problem.js";

/** RFC 7638 §3.2: the required members of each key type, which alone enter the thumbprint. */
const REQUIRED_MEMBERS: Record<string, readonly string[]> = {
  EC: ["crv", "kty", "x", "y"],
  RSA: ["e", "kty", "n"],
  OKP: ["crv", "kty", "x"],
  oct: ["k", "kty"],
};

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK, base64url without padding: the required members in
 * lexicographic order, no whitespace (§3.3). A key without a required member is malformed.
 */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const kty = jwk["kty"];
  const members = typeof kty === "string" ? REQUIRED_MEMBERS[kty] : undefined;
  if (!members) throw new AcmeProblem("badPublicKey", `The JWK key type ${JSON.stringify(kty ?? null)} is not supported (EC, RSA, OKP).`);
  const canonical: Record<string, string> = {};
  for (const m of members) {
    const v = jwk[m];
    if (typeof v !== "string" || v === "") throw new AcmeProblem("malformed", `The ${String(kty)} JWK has no "${m}" member.`);
    canonical[m] = v;
  }
  // JSON.stringify keeps insertion order and emits no whitespace; members are inserted sorted (§3.3).
  return createHash("sha256").update(JSON.stringify(canonical), "utf8").digest("base64url");
}

/** §8.1 keyAuthorization = token || '.' || base64url(Thumbprint(accountKey)). */
export const keyAuthorization = (token: string, thumbprint: string): string => `${token}.${thumbprint}`;

/** §8.4: the TXT record value for dns-01, base64url(SHA-256(keyAuthorization)) without padding. */
export const dns01TxtValue = (keyAuth: string): string => createHash("sha256").update(keyAuth, "utf8").digest("base64url");

/** RFC 8737 §3: the acmeIdentifier extension value of tls-alpn-01, the SHA-256 of the key authorization (raw bytes). */
export const tlsAlpn01Digest = (keyAuth: string): Buffer => createHash("sha256").update(keyAuth, "utf8").digest();
