/**
 * Group commit: inserts requested in the same turn of the event loop, and in the following turns while
 * more keep arriving (up to MAX_LINGER_TURNS), are written in one transaction. Each caller still gets its
 * own promise, resolved only after the transaction that holds its rows has committed. Under concurrent
 * issuance this turns N transactions into one (the per-statement overhead of the query layer is ~100 µs,
 * the row itself ~20 µs, an fsync 0.5 to 4 ms); a lone insert waits two setImmediate ticks.
 * If a batch fails, its items are retried one by one so that each caller gets its own error.
 */
/** Event-loop turns a batch may wait for more callers (see flush). */
const MAX_LINGER_TURNS = 8;

export class GroupCommit<T> {
  private pending: { items: T[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  /** Callers seen at the last turn, and turns waited, while lingering (see flush). */
  private seen = 0;
  private lingered = 0;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxBatch = 1000,
  ) {}

  add(items: T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.seen = 0;
        this.lingered = 0;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    // Linger while callers keep arriving turn after turn: signatures made off the event loop (a PKCS#11
    // token signs on libuv threads) complete a few per turn, and flushing each turn would commit (and
    // fsync) a handful of rows at a time. Callers that arrive in one turn (node:crypto signs synchronously)
    // are flushed one turn later, as before. Bounded in turns and rows, never by a clock.
    if (this.pending.length > this.seen && this.lingered < MAX_LINGER_TURNS && this.pending.length < this.maxBatch) {
      this.seen = this.pending.length;
      this.lingered++;
      setImmediate(() => void this.flush());
      return;
    }
    this.scheduled = false;
    while (this.pending.length) {
      const batch: typeof this.pending = [];
      let rows = 0;
      while (this.pending.length && (batch.length === 0 || rows + this.pending[0]!.items.length <= this.maxBatch)) {
        const next = this.pending.shift()!;
        rows += next.items.length;
        batch.push(next);
      }
      try {
        await this.write(batch.flatMap((b) => b.items));
        batch.forEach((b) => b.resolve());
      } catch (e) {
        if (batch.length === 1) batch[0]!.reject(e);
        else
          for (const b of batch) {
            try {
              await this.write(b.items);
              b.resolve();
            } catch (err) {
              b.reject(err);
            }
          }
      }
    }
  }
}
