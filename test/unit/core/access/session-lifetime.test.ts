/** When a web admin session ends (core/access/session-lifetime.ts): idle, absolute, and before login. */
import { describe, expect, it } from "vitest";
import {
  LOGIN_FORM_SECONDS,
  SESSION_TOUCH_INTERVAL_MS,
  sessionExpired,
  sessionExpiresAt,
  sessionNeedsTouch,
} from "../../../../src/core/access/session-lifetime.js";

const t0 = new Date("2026-12-01T10:00:00Z");
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const lifetime = { idleSeconds: 1800, maxAgeSeconds: 43_200 };

describe("session lifetime", () => {
  it("ends an idle session one idle timeout after its last use", () => {
    expect(sessionExpiresAt(t0, at(600), lifetime)).toEqual(at(2400));
  });

  it("ends a busy session at its maximum age, however recently used", () => {
    expect(sessionExpiresAt(t0, at(43_000), lifetime)).toEqual(at(43_200));
  });

  it("gives a session nobody logged in to at most the login form's time", () => {
    expect(sessionExpiresAt(t0, at(600), lifetime, false)).toEqual(at(LOGIN_FORM_SECONDS));
    expect(sessionExpiresAt(t0, t0, { idleSeconds: 60, maxAgeSeconds: 43_200 }, false)).toEqual(at(60));
  });

  it("counts the expiry moment itself as expired", () => {
    expect(sessionExpired(at(10), at(9))).toBe(false);
    expect(sessionExpired(at(10), at(10))).toBe(true);
  });

  it("records use at most once per interval", () => {
    expect(sessionNeedsTouch(t0, new Date(t0.getTime() + SESSION_TOUCH_INTERVAL_MS - 1))).toBe(false);
    expect(sessionNeedsTouch(t0, new Date(t0.getTime() + SESSION_TOUCH_INTERVAL_MS))).toBe(true);
  });
});
