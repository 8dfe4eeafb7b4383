/**
 * `tsca serve --worker`: one signing worker beside the HTTP server, for single-host installs (DESIGN.md
 * "Who signs, where"). It opens the CA keys in CA_DIR, which is why it is off by default and says so at
 * start-up. It has its own database handle, so a batch's write transaction never holds up the connection
 * OCSP and CRL requests read through; with `--workers N` it runs once, in the primary process. A database
 * outage is logged once when it starts and once when it ends; batches meanwhile roll back and stay pending.
 */
import type { Logger } from "pino";
import { prepareDatabase } from "../adapters/db/connection.js";
import type { Settings } from "../config/settings.js";
import { CachedKeyStoreRegistry } from "../core/issuance/cached-key-store.js";
import { Profiles } from "../core/issuance/profiles.js";
import type { SigningBatchReport } from "../core/usecases/process-signing-requests.js";
import { runSigningWorker } from "../core/usecases/signing-worker.js";
import { databasePorts, defaultsFromSettings, keyHostContext } from "./composition.js";
import { keyStoreRegistry } from "./key-stores.js";
import { signingQueue } from "./signing-queue.js";

export interface ServeWorkerHooks {
  /**
   * After every batch that claimed something, once it has committed: the server tells its
   * SigningRequestWaiters, so `?wait` answers as soon as the certificate is stored.
   */
  onBatch?: (report: SigningBatchReport) => void;
  /**
   * Once the queue is open, with the function that wakes the worker: the REST API calls it after it
   * queues a request, so the worker claims it at once instead of at its next poll.
   */
  onQueue?: (nudge: () => void) => void;
}

export async function runServeWorker(settings: Settings, logger: Logger, signal: AbortSignal, hooks: ServeWorkerHooks = {}): Promise<void> {
  logger.info({ caDir: settings.caDir }, `Signing worker enabled: CA keys from CA_DIR=${settings.caDir}`);
  const db = await prepareDatabase(settings.databaseUrl, { timeoutMs: settings.databaseTimeout });
  const queue = signingQueue(db, settings.databaseUrl);
  hooks.onQueue?.(() => queue.nudge());
  let failing = false;
  try {
    await runSigningWorker(
      keyHostContext("system", databasePorts(db), undefined, undefined, "worker"),
      {
        queue,
        keys: new CachedKeyStoreRegistry(keyStoreRegistry(settings)),
        profiles: new Profiles(settings.profiles, settings.defaultProfile),
        defaults: defaultsFromSettings(settings),
        // Encrypted CA keys need `tsca worker --password-file`; their requests stay pending here, then fail naming why.
        password: () => undefined,
      },
      {
        batch: 32,
        concurrency: 1,
        once: false,
        signal,
        onBatch: (r) => {
          if (failing) logger.info("signing worker: database available again");
          failing = false;
          logger.info({ ...r }, "signing batch");
          hooks.onBatch?.(r);
        },
        onError: (e) => {
          if (!failing) logger.warn({ err: (e as Error).message }, "signing worker: batch rolled back, requests stay pending; retrying");
          failing = true;
        },
      },
    );
  } finally {
    await queue.close();
    await db.close();
  }
}
