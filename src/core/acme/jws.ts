/**
 * Verification of the JWS every ACME POST carries (RFC 8555 §6.2–§6.4): a flattened JSON serialization
 * (RFC 7515 §7.2.2) whose protected header names an asymmetric algorithm, a nonce, the exact request URL
 * and exactly one of "jwk" (newAccount, revokeCert by the certificate's key) or "kid" (the account URL,
 * everything else). The signature is checked by jws-signature.ts (node:crypto); the External Account
 * Binding's MAC by jose. Every failure — including a key that does not fit its algorithm (wave2-stack.md
 * §8) — becomes an ACME problem here, so no library error reaches a client.
 */
import { flattenedVerify, type FlattenedJWSInput } from "jose";
import { ACME_JWS_ALGORITHMS, checkJwsSignature, isAcmeJwsAlgorithm } from "./jws-signature.js";
import type { PublicJwk } from "./model.js";
import { AcmeProblem } from "./problem.js";

/** What a verified request says: its payload (undefined for POST-as-GET, §6.3) and who signed it. */
export interface VerifiedJws {
  /** Parsed JSON payload; undefined when the payload is the empty string (POST-as-GET). */
  payload: unknown;
  nonce: string;
  /** The embedded key (requests signed with "jwk"). */
  jwk?: PublicJwk;
  /** The account URL (requests signed with "kid"). */
  kid?: string;
}

export interface JwsExpectations {
  /** The URL the request was sent to, as this server names it (§6.4: "url" must equal it exactly). */
  url: string;
  /** Which key reference the resource takes (§6.2). */
  key: "jwk" | "kid" | "either";
  /** Records the nonce as used: false when it is not one of ours, too old or used before (→ badNonce). */
  useNonce(nonce: string): Promise<boolean>;
  /** The public key of the account a "kid" names, after checking it is this CA's and valid (throws otherwise). */
  accountKey(kid: string): Promise<PublicJwk>;
}

const malformed = (detail: string): AcmeProblem => new AcmeProblem("malformed", detail);

/** A flattened JWS as §6.2 allows it: protected, payload and signature strings and nothing unprotected. */
export function parseFlattenedJws(body: unknown): FlattenedJWSInput & { protected: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw malformed("The request body is not a flattened JWS object.");
  const o = body as Record<string, unknown>;
  for (const m of ["protected", "payload", "signature"])
    if (typeof o[m] !== "string") throw malformed(`The JWS has no "${m}" string member (RFC 7515 §7.2.2 flattened serialization).`);
  if ("header" in o) throw malformed("The JWS has an unprotected header; RFC 8555 §6.2 allows none.");
  if ("signatures" in o) throw malformed("The JWS uses the general serialization; send exactly one signature, flattened.");
  return { protected: o["protected"] as string, payload: o["payload"] as string, signature: o["signature"] as string };
}

/** The protected header, decoded, without verifying anything yet. */
export function protectedHeaderOf(jws: { protected: string }): Record<string, unknown> {
  try {
    const h = JSON.parse(Buffer.from(jws.protected, "base64url").toString("utf8")) as unknown;
    if (typeof h === "object" && h !== null && !Array.isArray(h)) return h as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw malformed("The JWS protected header is not a base64url-encoded JSON object.");
}

/** A public JWK as the client sent it: an object with a kty and no private members (RFC 7517, RFC 7518 §6). */
export function publicJwkOf(raw: unknown): PublicJwk {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw) || typeof (raw as { kty?: unknown }).kty !== "string")
    throw malformed('The "jwk" header member is not a JSON Web Key.');
  const jwk = raw as PublicJwk;
  if (jwk.kty === "oct" || ["d", "p", "q", "dp", "dq", "qi", "k"].some((m) => m in jwk))
    throw new AcmeProblem("badPublicKey", 'The "jwk" header member must be a public key (EC, RSA or OKP).');
  return jwk;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Verify signature and alg of a flattened JWS (its protected header `h` already decoded) with `jwk` and
 * return its payload bytes, mapping every failure to an ACME problem. The protected header may carry no extension this server would have to
 * understand: "crit" (RFC 7515 §4.1.11) and an unencoded payload ("b64": false, RFC 7797) are refused.
 */
function verifyWith(jws: FlattenedJWSInput & { protected: string }, h: Record<string, unknown>, jwk: PublicJwk, alg: string): Uint8Array {
  if (!isAcmeJwsAlgorithm(alg))
    throw new AcmeProblem("badSignatureAlgorithm", `The JWS algorithm ${alg} is not accepted.`, { algorithms: [...ACME_JWS_ALGORITHMS] });
  if ("crit" in h || ("b64" in h && h["b64"] !== true))
    throw malformed('The JWS protected header carries "crit" or "b64", which RFC 8555 does not use.');
  if (![jws.protected, jws.payload, jws.signature].every((part) => typeof part === "string" && BASE64URL.test(part)))
    throw malformed("The JWS members must be base64url without padding (RFC 7515 §2).");
  const ok = checkJwsSignature(
    jwk,
    alg,
    Buffer.from(`${jws.protected}.${jws.payload as string}`, "ascii"),
    Buffer.from(jws.signature, "base64url"),
  );
  if (ok === "unfit")
    throw new AcmeProblem("badSignatureAlgorithm", `The key does not fit the algorithm ${alg}.`, { algorithms: [...ACME_JWS_ALGORITHMS] });
  if (!ok) throw malformed("The JWS signature does not verify.");
  return Buffer.from(jws.payload as string, "base64url");
}

/**
 * Verify an ACME request body (§6.2–§6.5) in this order: shape, algorithm, url, nonce, key, signature, so
 * that a stale nonce on an otherwise good request answers badNonce (clients retry only that).
 */
export async function verifyAcmeJws(body: unknown, exp: JwsExpectations): Promise<VerifiedJws> {
  const jws = parseFlattenedJws(body);
  const h = protectedHeaderOf(jws);
  const alg = h["alg"];
  if (typeof alg !== "string" || !(ACME_JWS_ALGORITHMS as readonly string[]).includes(alg))
    throw new AcmeProblem("badSignatureAlgorithm", `The JWS algorithm ${JSON.stringify(alg ?? null)} is not accepted.`, {
      algorithms: [...ACME_JWS_ALGORITHMS],
    });
  if (typeof h["url"] !== "string") throw malformed('The JWS protected header has no "url" (RFC 8555 §6.4).');
  if (h["url"] !== exp.url) throw new AcmeProblem("unauthorized", `The JWS "url" does not equal the request URL ${exp.url}.`);
  if (typeof h["nonce"] !== "string" || h["nonce"] === "") throw new AcmeProblem("badNonce", 'The JWS protected header has no "nonce".');
  const hasJwk = "jwk" in h;
  const hasKid = "kid" in h;
  if (hasJwk === hasKid) throw malformed('The JWS protected header must have exactly one of "jwk" and "kid" (RFC 8555 §6.2).');
  if (hasJwk && exp.key === "kid") throw malformed('This resource takes requests signed by an account ("kid"), not by an embedded "jwk".');
  if (hasKid && exp.key === "jwk") throw malformed('This resource takes requests with an embedded "jwk", not a "kid".');
  if (!(await exp.useNonce(h["nonce"]))) throw new AcmeProblem("badNonce", "The nonce is unknown, expired or was used before.");
  let jwk: PublicJwk;
  let kid: string | undefined;
  if (hasJwk) jwk = publicJwkOf(h["jwk"]);
  else {
    if (typeof h["kid"] !== "string") throw malformed('The "kid" header member must be the account URL.');
    kid = h["kid"];
    jwk = await exp.accountKey(kid);
  }
  const raw = verifyWith(jws, h, jwk, alg);
  const text = Buffer.from(raw).toString("utf8");
  let payload: unknown;
  if (text !== "") {
    try {
      payload = JSON.parse(text) as unknown;
    } catch {
      throw malformed("The JWS payload is not JSON.");
    }
  }
  return { payload, nonce: h["nonce"], ...(hasJwk ? { jwk } : { kid: kid! }) };
}

/**
 * An inner JWS (key change §7.3.5) signed by a key it embeds: the key and the payload, after checking
 * the url equals the outer one and that it carries no nonce.
 */
export async function verifyInnerJws(body: unknown, url: string): Promise<{ jwk: PublicJwk; payload: unknown }> {
  const jws = parseFlattenedJws(body);
  const h = protectedHeaderOf(jws);
  const alg = h["alg"];
  if (typeof alg !== "string" || !(ACME_JWS_ALGORITHMS as readonly string[]).includes(alg))
    throw new AcmeProblem("badSignatureAlgorithm", `The inner JWS algorithm ${JSON.stringify(alg ?? null)} is not accepted.`, {
      algorithms: [...ACME_JWS_ALGORITHMS],
    });
  if (h["url"] !== url) throw malformed('The inner JWS "url" must equal the outer one.');
  if ("nonce" in h) throw malformed('The inner JWS must not carry a "nonce".');
  const jwk = publicJwkOf(h["jwk"]);
  const raw = verifyWith(jws, h, jwk, alg);
  try {
    return { jwk, payload: JSON.parse(Buffer.from(raw).toString("utf8")) as unknown };
  } catch {
    throw malformed("The inner JWS payload is not JSON.");
  }
}

/**
 * External Account Binding (§7.3.4): an HS256 JWS whose kid is the EAB key id, whose url is the
 * newAccount URL and whose payload is the account key (the outer jwk). Returns the kid; `macKey` looks up
 * the key for it (undefined: unknown key).
 */
export async function verifyEab(
  raw: unknown,
  outerJwkThumbprint: string,
  url: string,
  macKey: (kid: string) => Promise<Buffer | undefined>,
  thumbprint: (jwk: Record<string, unknown>) => string,
): Promise<string> {
  const jws = parseFlattenedJws(raw);
  const h = protectedHeaderOf(jws);
  if (h["alg"] !== "HS256" && h["alg"] !== "HS384" && h["alg"] !== "HS512")
    throw malformed("The externalAccountBinding must be signed with an HMAC algorithm (HS256).");
  if (typeof h["kid"] !== "string" || h["kid"] === "") throw malformed('The externalAccountBinding has no "kid".');
  if (h["url"] !== url) throw malformed('The externalAccountBinding "url" must be the newAccount URL.');
  if ("nonce" in h) throw malformed('The externalAccountBinding must not carry a "nonce".');
  const key = await macKey(h["kid"]);
  if (!key) throw new AcmeProblem("unauthorized", "The external account key id is unknown to this CA.");
  let payload: Uint8Array;
  try {
    payload = (await flattenedVerify(jws, key, { algorithms: ["HS256", "HS384", "HS512"] })).payload;
  } catch {
    throw new AcmeProblem("unauthorized", "The externalAccountBinding signature does not verify with the external account key.");
  }
  let inner: unknown;
  try {
    inner = JSON.parse(Buffer.from(payload).toString("utf8")) as unknown;
  } catch {
    throw malformed("The externalAccountBinding payload is not the account's JWK.");
  }
  if (typeof inner !== "object" || inner === null || thumbprint(inner as Record<string, unknown>) !== outerJwkThumbprint)
    throw malformed("The externalAccountBinding payload is not the account's key.");
  return h["kid"];
}
