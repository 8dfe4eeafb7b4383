/**
 * Anti-replay nonces (RFC 8555 §6.5). Issuing is stateless so that new-nonce (and the Replay-Nonce header
 * of every response) costs no database write and any web host can check what another issued: a nonce is
 *
 *   base64url( 8-byte big-endian issue time in ms ‖ 16 random bytes ‖ first 16 bytes of HMAC-SHA256(key, those 24 bytes) )
 *
 * with the installation's nonce key (AcmeRepository.nonceKey). Checking the MAC and the age here is pure;
 * single use is then enforced by recording the nonce (AcmeRepository.useNonce) until it would expire
 * anyway, so the used-nonce table only ever holds the last hour.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** How long a nonce is accepted after it was issued. */
export const NONCE_LIFETIME_MS = 60 * 60 * 1000;

const TIME_BYTES = 8;
const RANDOM_BYTES = 16;
const MAC_BYTES = 16;
const NONCE_BYTES = TIME_BYTES + RANDOM_BYTES + MAC_BYTES;
/** 40 bytes in unpadded base64url (RFC 4648 §5): 54 characters of the URL-safe alphabet (§6.5.1 base64url). */
const NONCE_TEXT = /^[A-Za-z0-9_-]{54}$/;

const mac = (key: Buffer, body: Buffer): Buffer => createHmac("sha256", key).update(body).digest().subarray(0, MAC_BYTES);

/** A new nonce issued at `now`; `random16` is 16 bytes from a CSPRNG (the caller's, so this stays pure). */
export function issueNonce(key: Buffer, now: Date, random16: Buffer): string {
  if (random16.length !== RANDOM_BYTES) throw new RangeError(`issueNonce needs ${RANDOM_BYTES} random bytes.`);
  const body = Buffer.alloc(TIME_BYTES + RANDOM_BYTES);
  body.writeBigUInt64BE(BigInt(now.getTime()), 0);
  random16.copy(body, TIME_BYTES);
  return Buffer.concat([body, mac(key, body)]).toString("base64url");
}

/**
 * When the nonce stops being acceptable, if it is one this installation issued within the last hour
 * (MAC compared in constant time); undefined for anything malformed, forged, from the future or too old.
 * The caller still records it as used (the nonce is only valid the first time).
 */
export function checkNonce(key: Buffer, nonce: string, now: Date): { expires: Date } | undefined {
  if (typeof nonce !== "string" || !NONCE_TEXT.test(nonce)) return undefined;
  const raw = Buffer.from(nonce, "base64url");
  if (raw.length !== NONCE_BYTES) return undefined;
  const body = raw.subarray(0, TIME_BYTES + RANDOM_BYTES);
  if (!timingSafeEqual(mac(key, body), raw.subarray(TIME_BYTES + RANDOM_BYTES))) return undefined;
  const issued = Number(body.readBigUInt64BE(0));
  const age = now.getTime() - issued;
  // A little clock difference between web hosts is tolerated; a nonce issued well in the future is not ours.
  if (age < -60_000 || age > NONCE_LIFETIME_MS) return undefined;
  return { expires: new Date(issued + NONCE_LIFETIME_MS) };
}
