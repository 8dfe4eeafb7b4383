/**
 * The API's fixed one-minute windows (adapters/web/api/rate-limiter.ts), driven by explicit times: the
 * limit per key, Retry-After counting down to the window's end, a new window after it, keys apart, 0 as
 * no limit, and memory bounded however many keys arrive.
 */
import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../../src/adapters/web/api/rate-limiter.js";

describe("RateLimiter", () => {
  it("allows `perMinute` events per key, then names the seconds left in the window", () => {
    const r = new RateLimiter(3);
    for (let i = 0; i < 3; i++) expect(r.take("a", 1_000 + i)).toBe(0);
    expect(r.take("a", 1_010)).toBe(60);
    expect(r.retryAfter("a", 31_000)).toBe(30);
    expect(r.retryAfter("a", 60_999)).toBe(1);
    // Another key has its own window.
    expect(r.take("b", 1_010)).toBe(0);
    // The window is over: a new one starts.
    expect(r.take("a", 61_000)).toBe(0);
  });

  it("counts hits without taking (failed authentications) and never limits with 0", () => {
    const r = new RateLimiter(2);
    r.hit("x", 0);
    expect(r.retryAfter("x", 1)).toBe(0);
    r.hit("x", 2);
    expect(r.retryAfter("x", 3)).toBeGreaterThan(0);
    const off = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) expect(off.take("k", i)).toBe(0);
  });

  it("keeps at most 100,000 windows: the oldest go first", () => {
    const r = new RateLimiter(1);
    r.take("first", 0);
    for (let i = 0; i < 100_000; i++) r.take(`k${i}`, 1);
    // "first" was dropped to make room, so it may go again; a recent key may not.
    expect(r.retryAfter("first", 2)).toBe(0);
    expect(r.retryAfter("k99999", 2)).toBeGreaterThan(0);
  });
});
