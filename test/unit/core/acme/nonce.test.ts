/**
 * Stateless ACME nonces (RFC 8555 §6.5, format in the issue 11 brief): a nonce this installation issued
 * is accepted for an hour with its expiry; a forged, altered, foreign-key, future or stale one is not.
 */
import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkNonce, issueNonce, NONCE_LIFETIME_MS } from "../../../../src/core/acme/nonce.js";

const key = randomBytes(32);
const now = new Date("2026-12-04T12:00:00.000Z");

describe("issueNonce / checkNonce", () => {
  it("lays out time, random and truncated HMAC-SHA256 as the brief fixes, in unpadded base64url", () => {
    const random = Buffer.from("00112233445566778899aabbccddeeff", "hex");
    const nonce = issueNonce(key, now, random);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{54}$/); // RFC 8555 §6.5.1: base64url, no padding
    const raw = Buffer.from(nonce, "base64url");
    expect(raw.length).toBe(40);
    expect(raw.readBigUInt64BE(0)).toBe(BigInt(now.getTime()));
    expect(raw.subarray(8, 24)).toEqual(random);
    expect(raw.subarray(24)).toEqual(createHmac("sha256", key).update(raw.subarray(0, 24)).digest().subarray(0, 16));
  });

  it("accepts its own nonce until an hour after issue, and says when it expires", () => {
    const nonce = issueNonce(key, now, randomBytes(16));
    expect(checkNonce(key, nonce, now)).toEqual({ expires: new Date(now.getTime() + NONCE_LIFETIME_MS) });
    expect(checkNonce(key, nonce, new Date(now.getTime() + NONCE_LIFETIME_MS))).toBeDefined();
    expect(checkNonce(key, nonce, new Date(now.getTime() + NONCE_LIFETIME_MS + 1))).toBeUndefined();
  });

  it("refuses a nonce from the future beyond a minute of clock difference", () => {
    const nonce = issueNonce(key, new Date(now.getTime() + 30_000), randomBytes(16));
    expect(checkNonce(key, nonce, now)).toBeDefined();
    expect(checkNonce(key, issueNonce(key, new Date(now.getTime() + 120_000), randomBytes(16)), now)).toBeUndefined();
  });

  it("gives different nonces for different random bytes", () => {
    expect(issueNonce(key, now, randomBytes(16))).not.toBe(issueNonce(key, now, randomBytes(16)));
  });

  it("refuses a nonce made with another key", () => {
    expect(checkNonce(key, issueNonce(randomBytes(32), now, randomBytes(16)), now)).toBeUndefined();
  });

  it("refuses any single flipped bit (time, random or MAC)", () => {
    const raw = Buffer.from(issueNonce(key, now, randomBytes(16)), "base64url");
    for (const byte of [0, 7, 8, 23, 24, 39]) {
      const copy = Buffer.from(raw);
      copy[byte]! ^= 0x01;
      expect(checkNonce(key, copy.toString("base64url"), now), `byte ${byte}`).toBeUndefined();
    }
  });

  it("refuses an old nonce whose time was moved forward (the MAC covers the time)", () => {
    const raw = Buffer.from(issueNonce(key, new Date(now.getTime() - 2 * NONCE_LIFETIME_MS), randomBytes(16)), "base64url");
    raw.writeBigUInt64BE(BigInt(now.getTime()), 0); // an attacker moves the time forward without the key
    expect(checkNonce(key, raw.toString("base64url"), now)).toBeUndefined();
  });

  it.each([
    ["empty", ""],
    ["standard base64 alphabet", issueNonce(key, now, Buffer.alloc(16, 0xff)).replace(/-/g, "+").replace(/_/g, "/") + "+"],
    ["padded", issueNonce(key, now, Buffer.alloc(16)) + "=="],
    ["too short", issueNonce(key, now, Buffer.alloc(16)).slice(0, 53)],
    ["too long", issueNonce(key, now, Buffer.alloc(16)) + "AA"],
  ])("refuses a malformed nonce: %s", (_what, nonce) => {
    expect(checkNonce(key, nonce, now)).toBeUndefined();
  });

  it("wants exactly 16 random bytes", () => {
    expect(() => issueNonce(key, now, Buffer.alloc(8))).toThrow(RangeError);
  });
});
