/**
 * A fixed one-minute window per key (a client address, a token): cheap enough to sit in front of every API
 * request, and bounded in memory however many keys a hostile client invents (the oldest windows go first).
 * Per server process: with `serve --workers N` each worker counts on its own, so the effective limit is up
 * to N times the setting (documented in docs/api.md).
 */
const WINDOW_MS = 60_000;

/** Keys remembered at most; a flood of new addresses or tokens drops the oldest windows, never grows without end. */
const MAX_KEYS = 100_000;

interface Window {
  start: number;
  count: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  /** `perMinute` 0: no limit. `now` in milliseconds, passed in so the caller owns the clock. */
  constructor(private readonly perMinute: number) {}

  private current(key: string, now: number): Window | undefined {
    const w = this.windows.get(key);
    if (w && now - w.start < WINDOW_MS) return w;
    if (w) this.windows.delete(key);
    return undefined;
  }

  /** Seconds until `key` may go on (RFC 9110 §10.2.3 Retry-After), or 0 when it is under its limit. */
  retryAfter(key: string, now: number): number {
    if (this.perMinute === 0) return 0;
    const w = this.current(key, now);
    if (!w || w.count < this.perMinute) return 0;
    return Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000));
  }

  /** Counts one event for `key`. */
  hit(key: string, now: number): void {
    if (this.perMinute === 0) return;
    const w = this.current(key, now);
    if (w) {
      w.count++;
      return;
    }
    if (this.windows.size >= MAX_KEYS) {
      // Maps iterate in insertion order: the first key is the oldest window.
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.windows.delete(oldest);
    }
    this.windows.set(key, { start: now, count: 1 });
  }

  /** Counts one event and answers as retryAfter would have before it: 0 when it was allowed. */
  take(key: string, now: number): number {
    const wait = this.retryAfter(key, now);
    if (wait === 0) this.hit(key, now);
    return wait;
  }
}
