/**
 * The OCSP response cache's bounds (issue 14): at most `maxEntries` certificates, at most
 * `maxResponsesPerEntry` responses per certificate, and never more than `maxBytes` by its estimate, with the
 * estimate kept exact through every put, replacement, eviction and invalidation. Eviction is second-chance
 * FIFO: a certificate asked for since the sweep last passed survives a flood of others.
 */
import { describe, expect, it } from "vitest";
import type { RecordedRevocation } from "../../../../src/core/ports/ocsp-status-repository.js";
import {
  ENTRY_OVERHEAD_BYTES,
  OcspResponseCache,
  RESPONSE_OVERHEAD_BYTES,
  ownCopy,
  responseBytes,
  statusKey,
  type CachedResponse,
  type OcspCacheLimits,
} from "../../../../src/core/revocation/ocsp-response-cache.js";
import type { OcspSigningKey } from "../../../../src/core/revocation/ocsp-response.js";

const good: RecordedRevocation = { revokedAt: null, reason: null, compromisedAt: null };
const signedBy = {} as OcspSigningKey;
const CA = "58A1";
const key = (serial: number): string => statusKey(CA, "cert", serial.toString(16).toUpperCase().padStart(4, "0"));
const entryCost = (k: string): number => ENTRY_OVERHEAD_BYTES + k.length;
/** Stands in for a CertID encoding (the cache's key for a response); all of one length. */
const certId = (serial: number, i: number): string => `certid-${String(serial).padStart(4, "0")}-${i}`;

function response(derLength = 500): CachedResponse {
  const t = new Date("2026-11-26T12:00:00Z");
  return {
    der: ownCopy(Buffer.alloc(derLength, 0x30)),
    thisUpdate: t,
    nextUpdate: t,
    refreshAt: 0,
    expiresAt: 0,
    etag: '"x"',
    lastModified: t.toUTCString(),
    expires: t.toUTCString(),
    signedBy,
    certStatus: "good",
    refreshing: false,
    refresh: async () => undefined,
  };
}

const big: OcspCacheLimits = { maxEntries: 1_000_000, maxBytes: 2 ** 40, maxResponsesPerEntry: 4 };

/** A certificate with `n` responses under distinct CertID encodings; returns its key. */
function fill(cache: OcspResponseCache, serial: number, n = 1, derLength = 500): string {
  const k = key(serial);
  const e = cache.putStatus(k, good, 0, cache.epoch);
  for (let i = 0; e && i < n; i++) cache.putResponse(k, e, certId(serial, i), response(derLength));
  return k;
}

/** The cache's own figure must equal the sum over what it holds. */
function expectExactAccounting(cache: OcspResponseCache, keys: string[]): void {
  let sum = 0;
  for (const k of keys) {
    const e = (cache as unknown as { entries: Map<string, { responses: Map<string, CachedResponse> }> }).entries.get(k);
    if (!e) continue;
    sum += entryCost(k);
    for (const [id, r] of e.responses) sum += responseBytes(id, r);
  }
  expect(cache.bytes).toBe(sum);
}

describe("OcspResponseCache", () => {
  it("counts an entry and its responses in bytes: overhead, key, CertID and DER", () => {
    const cache = new OcspResponseCache(big);
    const k = fill(cache, 1, 2, 700);
    const perResponse = RESPONSE_OVERHEAD_BYTES + certId(1, 0).length + 700;
    expect(cache.bytes).toBe(entryCost(k) + 2 * perResponse);
    expect(cache.size).toBe(1);
  });

  it("never holds more than maxBytes: the oldest certificates go first", () => {
    const perCert = entryCost(key(0)) + RESPONSE_OVERHEAD_BYTES + certId(0, 0).length + 500;
    const cache = new OcspResponseCache({ ...big, maxBytes: 10 * perCert });
    const keys: string[] = [];
    for (let s = 0; s < 1_000; s++) {
      keys.push(fill(cache, s));
      expect(cache.bytes).toBeLessThanOrEqual(10 * perCert);
    }
    expect(cache.size).toBe(10);
    expect(cache.get(key(989))).toBeUndefined();
    for (let s = 990; s < 1_000; s++) expect(cache.get(key(s))?.responses.size).toBe(1);
    expectExactAccounting(cache, keys);
  });

  it("never holds more than maxEntries certificates", () => {
    const cache = new OcspResponseCache({ ...big, maxEntries: 50 });
    const keys = Array.from({ length: 500 }, (_, s) => fill(cache, s));
    expect(cache.size).toBe(50);
    expect(cache.get(key(449))).toBeUndefined();
    expect(cache.get(key(450))).toBeDefined();
    expectExactAccounting(cache, keys);
  });

  it("keeps at most maxResponsesPerEntry CertID encodings per certificate, dropping the oldest", () => {
    const cache = new OcspResponseCache({ ...big, maxResponsesPerEntry: 3 });
    const k = fill(cache, 7, 50);
    const e = cache.get(k)!;
    expect([...e.responses.keys()]).toEqual([certId(7, 47), certId(7, 48), certId(7, 49)]);
    expectExactAccounting(cache, [k]);
    // Replacing a response under the same encoding does not grow anything.
    const before = cache.bytes;
    cache.putResponse(k, e, certId(7, 48), response());
    expect(cache.bytes).toBe(before);
    expect(e.responses.size).toBe(3);
  });

  it("gives a certificate asked for since the last sweep a second chance", () => {
    const cache = new OcspResponseCache({ ...big, maxEntries: 10 });
    const hot = fill(cache, 0);
    const keys = [hot];
    for (let s = 1; s < 1_000; s++) {
      keys.push(fill(cache, s));
      expect(cache.get(hot)).toBeDefined(); // a client keeps asking for this one
    }
    expect(cache.size).toBe(10);
    expectExactAccounting(cache, keys);
    // Not asked for any more: it goes like any other.
    for (let s = 1_000; s < 1_020; s++) keys.push(fill(cache, s));
    expect(cache.get(hot)).toBeUndefined();
    expectExactAccounting(cache, keys);
  });

  it("stays strict when one certificate alone exceeds the bound: it is not kept", () => {
    const cache = new OcspResponseCache({ ...big, maxBytes: 1_000 });
    const k = key(1);
    expect(cache.putStatus(k, good, 0, cache.epoch)).toBeUndefined(); // 1,024 bytes of overhead alone
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
    const roomy = new OcspResponseCache({ ...big, maxBytes: 2_000 });
    const e = roomy.putStatus(k, good, 0, roomy.epoch)!;
    roomy.putResponse(k, e, "certid", response(5_000)); // this response cannot fit: the entry goes
    expect(roomy.size).toBe(0);
    expect(roomy.bytes).toBe(0);
  });

  it("keeps the figure exact through re-reads, invalidation of one certificate, of a CA and of everything", () => {
    const cache = new OcspResponseCache(big);
    const keys = Array.from({ length: 20 }, (_, s) => fill(cache, s, 3));
    const other = statusKey("77", "cert", "01");
    const e = cache.putStatus(other, good, 0, cache.epoch)!;
    cache.putResponse(other, e, "x", response());
    keys.push(other);
    expectExactAccounting(cache, keys);
    // A fresh read of a status drops its responses (they may say something else now).
    cache.putStatus(keys[3]!, { ...good, reason: "x" }, 1, cache.epoch);
    expect(cache.get(keys[3]!)!.responses.size).toBe(0);
    expectExactAccounting(cache, keys);
    cache.invalidate(keys[4]!);
    expectExactAccounting(cache, keys);
    cache.invalidateIssuer(CA);
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(entryCost(other) + responseBytes("x", e.responses.get("x")!));
    cache.clear();
    expect(cache.bytes).toBe(0);
  });

  it("does not keep a status read before an invalidation, nor attach responses to an evicted entry", () => {
    const cache = new OcspResponseCache({ ...big, maxEntries: 1 });
    const epoch = cache.epoch;
    cache.invalidate(key(1));
    expect(cache.putStatus(key(1), good, 0, epoch)).toBeUndefined();
    const e = cache.putStatus(key(1), good, 0, cache.epoch)!;
    fill(cache, 2); // evicts key(1)
    cache.putResponse(key(1), e, "late", response());
    expect(cache.get(key(1))).toBeUndefined();
    expectExactAccounting(cache, [key(1), key(2)]);
  });

  it("copies into memory of its own, so that a kept buffer never pins a larger one", () => {
    const parent = Buffer.alloc(8192, 1);
    const copy = ownCopy(parent.subarray(100, 175));
    expect(copy.equals(parent.subarray(100, 175))).toBe(true);
    expect(copy.buffer.byteLength).toBe(75);
    expect(copy.buffer).not.toBe(parent.buffer);
  });
});
