/**
 * The whole `tsca serve` application in-process for the REST API tests: buildApp with the real OCSP
 * responder, the CRL routes and the API plugin wired by src/main/api.ts (the same wiring `tsca serve`
 * uses) over the installation's real database. Requests go through `app.inject()`; error-level log lines
 * (a 500 or an unexpected throw would write one) are handed to `onErrorLog`.
 */
import { join } from "node:path";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { pino } from "pino";
import { SqlOcspStatusRepository } from "../../src/adapters/db/ocsp-status-repository.js";
import { FileOcspKeyStore } from "../../src/adapters/keys/ocsp-key-store.js";
import { buildApp } from "../../src/adapters/web/app.js";
import { crlRoutes } from "../../src/adapters/web/crl-routes.js";
import type { RequestWaiter } from "../../src/adapters/web/api/deps.js";
import { loadSettings } from "../../src/config/settings.js";
import { OcspIssuers } from "../../src/core/revocation/ocsp-issuers.js";
import { DEFAULT_RESPONDER_OPTIONS, OcspResponder } from "../../src/core/revocation/ocsp-responder.js";
import { apiDeps, apiSurface } from "../../src/main/api.js";
import { databasePorts, realClock } from "../../src/main/composition.js";
import type { PkiInstallation } from "./use-case-context.js";

export interface ApiAppOptions {
  /** Environment added to the installation's (e.g. TSCA_API_RATE_LIMIT). */
  env?: Record<string, string>;
  waiter?: RequestWaiter;
}

export async function buildApiApp(
  inst: Pick<PkiInstallation, "t" | "db">,
  onErrorLog: (entry: Record<string, unknown>) => void = () => undefined,
  opts: ApiAppOptions = {},
): Promise<FastifyInstance> {
  const settings = loadSettings({ ...inst.t.env, ...opts.env });
  const ports = databasePorts(inst.db);
  const issuers = new OcspIssuers(
    { cas: ports.cas, responders: ports.responders, keys: new FileOcspKeyStore(join(inst.t.home, "ocsp")), clock: realClock },
    { caListMaxAgeMs: 5_000, retryMissingMs: 5_000, defaultResponseValidity: 86_400 },
  );
  const responder = new OcspResponder(
    { clock: realClock, statuses: new SqlOcspStatusRepository(inst.db.db), changes: ports.changes, issuers },
    DEFAULT_RESPONDER_OPTIONS,
  );
  await responder.sync();
  const logger = pino(
    { level: "warn" },
    {
      write: (line: string) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (Number(entry.level) >= 50) onErrorLog(entry);
      },
    },
  );
  return buildApp({
    logger: logger as unknown as FastifyBaseLogger,
    ocsp: responder,
    accessLog: false,
    limits: { headersTimeoutMs: 10_000, requestTimeoutMs: 10_000, idleTimeoutMs: 65_000, maxConnections: 100 },
    health: () => ({ ok: true, detail: {} }),
    plugins: [(a) => crlRoutes(a, { crls: ports.crls, cas: ports.cas }), apiSurface(apiDeps(ports, settings, opts.waiter))],
  });
}
