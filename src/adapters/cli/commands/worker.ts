/**
 * `tsca worker`: sign queued signing requests on the key host (DESIGN.md "Who signs, where"). Needs the
 * CA keys (CA_DIR) and, for encrypted keys, their passwords: `--password-file FILE` for every CA or
 * `--password-file CA=FILE` for one (repeatable; a CA by serial prefix or name). A request for a CA whose
 * key cannot be opened here stays pending (and fails after a few tries, naming why). One log line per
 * batch on stderr; SIGTERM/SIGINT stop it after the batch under way has committed or rolled back.
 */
import type { Command } from "commander";
import { systemActor } from "../../../core/access/actor.js";
import { findCa } from "../../../core/ca/find-ca.js";
import { TscaError } from "../../../core/errors.js";
import { CachedKeyStoreRegistry } from "../../../core/issuance/cached-key-store.js";
import type { SigningBatchReport } from "../../../core/usecases/process-signing-requests.js";
import { runSigningWorker } from "../../../core/usecases/signing-worker.js";
import type { CliContext, CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { readPasswordFile } from "../input.js";
import { collect, positiveInt } from "../values.js";

export interface WorkerOptions {
  batch: number;
  concurrency: number;
  once: boolean;
  passwordFiles: string[];
}

/** `CA=FILE` or `FILE`; the CA part is resolved against the database. */
async function passwords(ctx: CliContext, specs: string[]): Promise<(caSerial: string) => string | undefined> {
  let all: string | undefined;
  const byCa = new Map<string, string>();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq < 0) {
      if (all !== undefined) throw new TscaError("ERR_INVALID_ARGUMENT", "Give --password-file FILE (for every CA) only once.");
      all = readPasswordFile(spec);
      continue;
    }
    const ca = await ctx.uow.run((tx) => findCa(tx.cas, spec.slice(0, eq)));
    byCa.set(ca.serial, readPasswordFile(spec.slice(eq + 1)));
  }
  return (serial) => byCa.get(serial) ?? all;
}

const line = (r: SigningBatchReport): string => {
  const why = Object.entries(r.errors)
    .map(([code, n]) => `${code}: ${n}`)
    .join(", ");
  return `worker: claimed ${r.claimed}: ${r.issued} issued, ${r.failed} failed, ${r.retried} left pending${why ? ` (${why})` : ""}\n`;
};

/** Run the worker until `signal` aborts (or, with once, until the queue is drained). Shared with serve --worker. */
export async function runWorker(ctx: CliContext, o: WorkerOptions, signal: AbortSignal, log: (s: string) => void) {
  const queue = ctx.signingQueue();
  try {
    return await runSigningWorker(
      { ...ctx.caller, actor: systemActor("worker") },
      {
        queue,
        keys: new CachedKeyStoreRegistry(ctx.keys),
        profiles: ctx.profiles,
        defaults: ctx.defaults,
        password: await passwords(ctx, o.passwordFiles),
      },
      {
        batch: o.batch,
        concurrency: o.concurrency,
        once: o.once,
        signal,
        onBatch: (r) => log(line(r)),
        onError: (e) => log(`worker: batch rolled back, requests stay pending: ${(e as Error).message}\n`),
      },
    );
  } finally {
    await queue.close();
  }
}

export function registerWorker(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("worker")
    .description("Sign queued signing requests (from the web admin, the API, ACME) with the CA keys of this host (CA_DIR).")
    .option("--batch <n>", "requests claimed and committed together", "32")
    .option("--concurrency <n>", "batches in flight at once (PostgreSQL; SQLite writes one at a time)", "1")
    .option("--once", "process what is pending, then exit (for cron and tests)")
    .option(
      "--password-file <[ca=]file>",
      "password of encrypted CA keys: first line of <file>, for every CA or for the one named; repeatable",
      collect,
    )
    .addHelpText(
      "after",
      examples(
        ["tsca worker", "run until SIGTERM; one log line per batch on stderr"],
        ["tsca worker --once --password-file Sub=sub.pass", "drain the queue once; the key of CA Sub is encrypted"],
      ),
    )
    .action(async (o: { batch: string; concurrency: string; once?: boolean; passwordFile?: string[] }) => {
      const options: WorkerOptions = {
        batch: positiveInt(o.batch, "--batch"),
        concurrency: positiveInt(o.concurrency, "--concurrency"),
        once: Boolean(o.once),
        passwordFiles: o.passwordFile ?? [],
      };
      const ctx = await context();
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
      try {
        const totals = await runWorker(ctx, options, stop.signal, (s) => io.stderr.write(s));
        io.stdout.write(`Signed ${totals.issued}, failed ${totals.failed}, left pending ${totals.retried} (${totals.batches} batches).\n`);
      } finally {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
      }
    });
}
