/**
 * Waiting for signing requests (`POST /api/v1/cas/{ca}/sign?wait=SECONDS`, resign likewise): the HTTP
 * handler holds its answer until the worker has issued or failed the request, or the wait ends.
 *
 * One polling loop serves every open wait, however many: each round reads the state of all awaited
 * requests in one query (`getMany`). It polls every `fastMs` while things change and backs off to
 * `slowMs` while nothing does, and stops altogether when nobody waits. `notify()` — called by the
 * in-process worker of `serve --worker` after each batch — starts a round at once, so a wait usually ends
 * within a batch's commit. A worker on another host (PostgreSQL) is seen by the polling alone. It lives in
 * main because it runs timers; the use cases stay free of them.
 */
import { TscaError } from "../core/errors.js";
import type { SigningRequest, SigningRequestRepository } from "../core/ports/signing-requests.js";

export interface SigningRequestWaiterOptions {
  /** Poll interval while requests change, and right after a wait starts or notify(); default 20 ms. */
  fastMs?: number;
  /** Longest interval, reached by doubling while nothing changes; default 200 ms. */
  slowMs?: number;
}

interface OpenWait {
  id: string;
  resolve(r: SigningRequest): void;
  reject(e: unknown): void;
  timer: ReturnType<typeof setTimeout>;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

const notFound = (id: string): TscaError => new TscaError("ERR_REQUEST_NOT_FOUND", `${id}: Signing request not found.`);

export class SigningRequestWaiter {
  private readonly fastMs: number;
  private readonly slowMs: number;
  /** Open waits by request id (several callers may wait for one request). */
  private readonly waits = new Map<string, Set<OpenWait>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private interval: number;
  private reading = false;
  /** A round was asked for while one was reading: run another when it ends. */
  private again = false;
  private closed = false;
  /** Rounds run so far (one getMany each); for tests and diagnostics. */
  rounds = 0;

  constructor(
    private readonly repo: Pick<SigningRequestRepository, "getMany">,
    opts: SigningRequestWaiterOptions = {},
  ) {
    this.fastMs = opts.fastMs ?? 20;
    this.slowMs = Math.max(this.fastMs, opts.slowMs ?? 200);
    this.interval = this.fastMs;
  }

  /** Waits open now. */
  get open(): number {
    let n = 0;
    for (const set of this.waits.values()) n += set.size;
    return n;
  }

  /**
   * The request once it is issued or failed; at `timeoutMs`, or when `signal` aborts or the waiter
   * closes, its state read then (usually still pending). An unknown id is ERR_REQUEST_NOT_FOUND.
   */
  wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<SigningRequest> {
    if (this.closed || timeoutMs <= 0 || signal?.aborted) return this.readOne(id);
    return new Promise<SigningRequest>((resolve, reject) => {
      const w: OpenWait = {
        id,
        resolve,
        reject,
        signal,
        timer: setTimeout(() => this.expire(w), timeoutMs),
        onAbort: () => this.expire(w),
      };
      signal?.addEventListener("abort", w.onAbort, { once: true });
      const set = this.waits.get(id) ?? new Set<OpenWait>();
      set.add(w);
      this.waits.set(id, set);
      // Read at once: the request may be done already, or not exist.
      this.roundNow();
    });
  }

  /** Something may have changed (a worker batch committed): read now instead of at the next tick. */
  notify(): void {
    if (this.waits.size) this.roundNow();
  }

  /** Stop polling; every open wait ends now with the request's current state. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const set of [...this.waits.values()]) for (const w of [...set]) this.expire(w);
  }

  private remove(w: OpenWait): boolean {
    const set = this.waits.get(w.id);
    if (!set?.delete(w)) return false;
    if (!set.size) this.waits.delete(w.id);
    clearTimeout(w.timer);
    w.signal?.removeEventListener("abort", w.onAbort);
    return true;
  }

  /** The wait's time is up (timeout, abort, close): answer with a fresh read of its request. */
  private expire(w: OpenWait): void {
    if (this.remove(w)) this.readOne(w.id).then(w.resolve, w.reject);
  }

  private async readOne(id: string): Promise<SigningRequest> {
    const [r] = await this.repo.getMany([id]);
    if (!r) throw notFound(id);
    return r;
  }

  private roundNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.interval = this.fastMs;
    void this.round();
  }

  private schedule(): void {
    if (this.closed || this.timer || this.reading || !this.waits.size) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.round();
    }, this.interval);
  }

  private async round(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        const ids = [...this.waits.keys()];
        if (!ids.length) break;
        this.rounds++;
        let rows: SigningRequest[];
        try {
          rows = await this.repo.getMany(ids);
        } catch {
          // The database is away: keep the waits (each ends at its timeout with what a read says then) and
          // try again at the slow pace.
          this.interval = this.slowMs;
          break;
        }
        const byId = new Map(rows.map((r) => [r.id, r]));
        let changed = false;
        for (const id of ids) {
          const r = byId.get(id);
          if (r && r.status === "pending") continue;
          for (const w of [...(this.waits.get(id) ?? [])])
            if (this.remove(w)) {
              if (r) w.resolve(r);
              else w.reject(notFound(id));
            }
          changed = true;
        }
        this.interval = changed ? this.fastMs : Math.min(this.slowMs, this.interval * 2);
      } while (this.again);
    } finally {
      this.reading = false;
    }
    this.schedule();
  }
}
