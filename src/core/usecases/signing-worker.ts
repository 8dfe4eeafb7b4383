/**
 * `tsca worker` and `tsca serve --worker`: process signing requests until stopped. Each of `concurrency`
 * lanes claims a batch, signs and commits it (processSigningRequests), and claims again at once while
 * batches come back full; otherwise it waits for the queue's wake-up (PostgreSQL NOTIFY, or the poll
 * interval). A stop (the signal aborts) lets the batch under way commit or roll back, then returns.
 * With `once`, a lane ends when the queue is drained (a batch not full) or a batch made no progress.
 */
import type { UseCaseContext } from "../access/context.js";
import { processSigningRequests, type ProcessSigningRequestsDeps, type SigningBatchReport } from "./process-signing-requests.js";

export interface SigningWorkerOptions {
  batch: number;
  concurrency: number;
  once: boolean;
  signal: AbortSignal;
  /** After every batch that claimed something. */
  onBatch?: (report: SigningBatchReport) => void;
  /** A batch that failed as a whole (rolled back); the lane waits one wake-up, then tries again. */
  onError?: (error: unknown) => void;
}

export interface SigningWorkerTotals {
  batches: number;
  issued: number;
  failed: number;
  retried: number;
}

export async function runSigningWorker(
  ctx: UseCaseContext,
  deps: ProcessSigningRequestsDeps,
  opts: SigningWorkerOptions,
): Promise<SigningWorkerTotals> {
  const totals: SigningWorkerTotals = { batches: 0, issued: 0, failed: 0, retried: 0 };
  const lane = async (): Promise<void> => {
    let failures = 0;
    while (!opts.signal.aborted) {
      let report: SigningBatchReport;
      try {
        report = await processSigningRequests(ctx, deps, opts.batch);
        failures = 0;
      } catch (e) {
        opts.onError?.(e);
        // --once gives up after a few failed batches in a row rather than looping forever on a dead database.
        if (opts.once && ++failures >= 3) throw e;
        await deps.queue.wait(opts.signal);
        continue;
      }
      if (report.claimed) {
        totals.batches++;
        totals.issued += report.issued;
        totals.failed += report.failed;
        totals.retried += report.retried;
        opts.onBatch?.(report);
      }
      const drained = report.claimed < opts.batch || report.retried === report.claimed;
      if (drained && opts.once) return;
      if (drained) await deps.queue.wait(opts.signal);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, lane));
  return totals;
}
