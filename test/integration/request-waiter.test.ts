/**
 * SigningRequestWaiter (`?wait=SECONDS` of the REST API) against a real database and the real signing
 * worker (runSigningWorker / processSigningRequests over the real queue, key store and audit log):
 *   - 50 concurrent waits all end `issued` with their certificate, each poll round reading every awaited
 *     request in one query, while the worker notifies the waiter after each batch (serve --worker);
 *   - notify() alone ends a wait (the poll interval set far beyond the test), and polling alone does too
 *     (a worker elsewhere, no notify);
 *   - a timeout, an abort and close() end a wait with the request still pending; an unknown id is
 *     ERR_REQUEST_NOT_FOUND;
 *   - nothing is polled while nobody waits.
 * Waits are on the promises themselves; the only timeouts are the ones under test and hang guards.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTscaError } from "../../src/core/errors.js";
import { CachedKeyStoreRegistry } from "../../src/core/issuance/cached-key-store.js";
import type { SigningRequest, SigningRequestRepository } from "../../src/core/ports/signing-requests.js";
import { processSigningRequests } from "../../src/core/usecases/process-signing-requests.js";
import { runSigningWorker } from "../../src/core/usecases/signing-worker.js";
import { submitSigningRequest } from "../../src/core/usecases/submit-signing-request.js";
import { keyHostContext } from "../../src/main/composition.js";
import { SigningRequestWaiter } from "../../src/main/request-waiter.js";
import { signingQueue } from "../../src/main/signing-queue.js";
import { makeCsr } from "../helpers/certs.js";
import { BACKENDS } from "../helpers/databases.js";
import { closePkiInstallation, keyHostCaller, openPkiInstallation, type PkiInstallation } from "../helpers/use-case-context.js";
import { derFromPemOrDer } from "../../src/core/x509/pem.js";

describe.each(BACKENDS)("waiting for signing requests (%s)", (backend) => {
  let inst: PkiInstallation;
  let csr: Buffer;
  /** The real repository; every getMany recorded with the number of ids it asked for. */
  const calls: number[] = [];
  let repo: Pick<SigningRequestRepository, "getMany">;

  const workerCtx = () => keyHostContext("system", inst.deps, undefined, undefined, "worker");
  const url = (): string => inst.t.env.TSCA_DATABASE_URL ?? join(inst.t.home, "tsca.sqlite3");
  const workerDeps = (queue: ReturnType<typeof signingQueue>) => ({
    queue,
    keys: new CachedKeyStoreRegistry(inst.deps.keys),
    profiles: inst.deps.profiles,
    defaults: inst.deps.defaults,
    password: () => undefined,
  });

  async function submit(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++)
      ids.push(
        (
          await submitSigningRequest(keyHostCaller(inst.db.db), inst.deps, {
            ca: "Inter",
            csr,
            parameters: { sans: [`DNS:wait${i}.example.test`], watchers: [] },
          })
        ).id,
      );
    return ids;
  }

  /** One worker batch over the real queue (a worker somewhere: nobody tells the waiter). */
  async function batch(): Promise<void> {
    const queue = signingQueue(inst.db, url());
    try {
      await processSigningRequests(workerCtx(), workerDeps(queue), 100);
    } finally {
      await queue.close();
    }
  }

  const refusal = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (e) {
      if (isTscaError(e)) return e.code;
      throw e;
    }
    throw new Error("expected a refusal");
  };

  beforeAll(async () => {
    inst = await openPkiInstallation(backend);
    csr = derFromPemOrDer(Buffer.from(makeCsr("ec", "/CN=wait.example.test").pem), "CERTIFICATE REQUEST", "CSR");
    repo = {
      getMany: (ids) => {
        calls.push(ids.length);
        return inst.deps.signingRequests.getMany(ids);
      },
    };
  });
  afterAll(() => closePkiInstallation(inst));

  it("50 concurrent waits end issued while the in-process worker notifies after each batch; one query per round", async () => {
    const waiter = new SigningRequestWaiter(repo);
    const ids = await submit(50);
    calls.length = 0;
    const waits = ids.map((id) => waiter.wait(id, 600_000));
    const stop = new AbortController();
    const queue = signingQueue(inst.db, url());
    const worker = runSigningWorker(workerCtx(), workerDeps(queue), {
      batch: 8,
      concurrency: 1,
      once: false,
      signal: stop.signal,
      onBatch: () => waiter.notify(),
    });
    let done: SigningRequest[];
    try {
      done = await Promise.all(waits);
    } finally {
      stop.abort();
      await worker;
      await queue.close();
      waiter.close();
    }
    expect(done.map((r) => r.id)).toEqual(ids);
    expect(done.every((r) => r.status === "issued" && r.certificateSerial)).toBe(true);
    for (const r of done) expect(await inst.deps.certs.get(r.certificateSerial!)).toBeDefined();
    // Waits share rounds: one query reads many awaited requests, never more than are awaited.
    expect(Math.max(...calls)).toBeGreaterThan(1);
    expect(Math.max(...calls)).toBeLessThanOrEqual(50);
    expect(waiter.open).toBe(0);
  });

  it("notify() alone ends a wait; polling alone does too", async () => {
    // Polls once at the start, then not for an hour: only notify() can end this wait in time.
    const sleepy = new SigningRequestWaiter(repo, { fastMs: 3_600_000 });
    const [a] = await submit(1);
    const waitA = sleepy.wait(a!, 600_000);
    await batch();
    sleepy.notify();
    expect((await waitA).status).toBe("issued");
    sleepy.close();

    const polling = new SigningRequestWaiter(repo);
    const [b] = await submit(1);
    const waitB = polling.wait(b!, 600_000);
    await batch();
    expect((await waitB).status).toBe("issued");
    polling.close();
  });

  it("a nudge wakes a worker that would not poll for an hour: the request just queued is signed at once", async () => {
    // No LISTEN connection and an hour between polls: only nudge() (what the API calls after queueing a
    // request beside serve --worker) can get the worker to claim the request before the test times out.
    const queue = signingQueue(inst.db, url(), { pollMs: 3_600_000, listenUrl: undefined });
    const waiter = new SigningRequestWaiter(repo);
    const stop = new AbortController();
    let batches = 0;
    let idle!: () => void;
    const firstEmpty = new Promise<void>((resolve) => (idle = resolve));
    // Wrapped so the test knows when the worker has found the queue empty and gone to wait.
    const worker = runSigningWorker(
      workerCtx(),
      {
        ...workerDeps(queue),
        queue: {
          claim: (n, work) => queue.claim(n, work),
          countAttempts: (ids, now) => queue.countAttempts(ids, now),
          wait: (signal) => (idle(), queue.wait(signal)),
          nudge: () => queue.nudge(),
          close: () => queue.close(),
        },
      },
      { batch: 8, concurrency: 1, once: false, signal: stop.signal, onBatch: () => (batches++, waiter.notify()) },
    );
    try {
      await firstEmpty;
      const [a] = await submit(1);
      queue.nudge();
      const done = await waiter.wait(a!, 600_000);
      expect(done.status).toBe("issued");
      expect(batches).toBe(1);
      // A nudge before the wait counts too: the next wait returns at once.
      const [b] = await submit(1);
      queue.nudge();
      expect((await waiter.wait(b!, 600_000)).status).toBe("issued");
    } finally {
      stop.abort();
      await worker;
      await queue.close();
      waiter.close();
    }
  });

  it("a timeout, an abort and close() end a wait with the request pending; an unknown id is not found", async () => {
    const waiter = new SigningRequestWaiter(repo);
    const [a, b, c] = await submit(3);
    const timedOut = await waiter.wait(a!, 50);
    expect([timedOut.id, timedOut.status]).toEqual([a, "pending"]);
    const abort = new AbortController();
    const aborted = waiter.wait(b!, 600_000, abort.signal);
    abort.abort();
    expect((await aborted).status).toBe("pending");
    const closed = waiter.wait(c!, 600_000);
    waiter.close();
    expect((await closed).status).toBe("pending");
    expect(await refusal(new SigningRequestWaiter(repo).wait("0123456789abcdef0123456789abcdef", 600_000))).toBe("ERR_REQUEST_NOT_FOUND");
    expect(await refusal(waiter.wait("feedfeed", 0))).toBe("ERR_REQUEST_NOT_FOUND");
    await batch(); // leave the queue empty for the next test
  });

  it("polls nothing while nobody waits", async () => {
    const waiter = new SigningRequestWaiter(repo, { fastMs: 5, slowMs: 10 });
    const [a] = await submit(1);
    const open = waiter.wait(a!, 600_000);
    // While a wait is open the loop keeps reading (the request stays pending: no worker runs).
    const start = waiter.rounds;
    while (waiter.rounds < start + 3) await sleep(10);
    await batch();
    expect((await open).status).toBe("issued");
    expect(waiter.open).toBe(0);
    const idle = waiter.rounds;
    const callsBefore = calls.length;
    await sleep(300);
    expect(waiter.rounds).toBe(idle);
    expect(calls.length).toBe(callsBefore);
    waiter.close();
  });
});
