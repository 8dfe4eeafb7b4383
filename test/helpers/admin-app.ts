/**
 * The web admin in-process for inject-level tests: buildApp with the OCSP responder, the CRL routes, the
 * REST API and the admin, wired by src/main/api.ts and src/main/admin.ts (as `tsca serve` wires them) over an
 * installation's real database, with a clock the test moves (session expiry without sleeping). `AdminAgent`
 * is a browser in miniature over `app.inject()`: it keeps the session cookie, reads each form's CSRF token,
 * and follows nothing by itself, so tests see every 303.
 */
import { join } from "node:path";
import type { FastifyBaseLogger, FastifyInstance, LightMyRequestResponse } from "fastify";
import { pino } from "pino";
import { SqlOcspStatusRepository } from "../../src/adapters/db/ocsp-status-repository.js";
import { FileOcspKeyStore } from "../../src/adapters/keys/ocsp-key-store.js";
import { Argon2PasswordHasher } from "../../src/adapters/system/argon2-password-hasher.js";
import { buildApp } from "../../src/adapters/web/app.js";
import { crlRoutes } from "../../src/adapters/web/crl-routes.js";
import { loadSettings } from "../../src/config/settings.js";
import type { Grant } from "../../src/core/access/permissions.js";
import type { Clock } from "../../src/core/ports/clock.js";
import { OcspIssuers } from "../../src/core/revocation/ocsp-issuers.js";
import { DEFAULT_RESPONDER_OPTIONS, OcspResponder } from "../../src/core/revocation/ocsp-responder.js";
import { createUser, grant } from "../../src/core/usecases/users.js";
import { adminDeps, adminSurface } from "../../src/main/admin.js";
import { apiDeps, apiSurface } from "../../src/main/api.js";
import { databasePorts, realClock } from "../../src/main/composition.js";
import { keyHostCaller, type PkiInstallation } from "./use-case-context.js";

/** A clock that stands still until the test moves it. */
export class TestClock implements Clock {
  constructor(private t: number = Date.now()) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface AdminAppOptions {
  clock?: Clock;
  /** Environment added to the installation's (e.g. TSCA_ADMIN_SESSION_IDLE_TIMEOUT). */
  env?: Record<string, string>;
}

export async function buildAdminApp(
  inst: Pick<PkiInstallation, "t" | "db">,
  onErrorLog: (entry: Record<string, unknown>) => void = () => undefined,
  opts: AdminAppOptions = {},
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
    trustProxy: settings.trustProxy,
    health: () => ({ ok: true, detail: {} }),
    plugins: [
      (a) => crlRoutes(a, { crls: ports.crls, cas: ports.cas }),
      apiSurface(apiDeps(ports, settings)),
      adminSurface(adminDeps(ports, settings, opts.clock ?? realClock)),
    ],
  });
}

const hasher = new Argon2PasswordHasher();

/** A user with a password and grants, made in-process as the key host's CLI would (create_user, grant). */
export async function addUser(
  inst: Pick<PkiInstallation, "db" | "deps">,
  name: string,
  password: string | null,
  grants: Grant[] | "superuser" = [],
): Promise<void> {
  const ctx = keyHostCaller(inst.db.db);
  const passwordHash = password === null ? undefined : await hasher.hash(password);
  await createUser(ctx, inst.deps, { name, superuser: grants === "superuser", ...(passwordHash ? { passwordHash } : {}) });
  if (grants !== "superuser")
    for (const g of grants)
      await grant(ctx, inst.deps, { user: name, permissions: [g.permission], cas: g.caSerial === null ? [] : [g.caSerial] });
}

/** The value of a hidden `_csrf` field in an HTML page. */
export function csrfIn(html: string): string {
  const m = /<input type="hidden" name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error("no _csrf field in the page");
  return m[1]!;
}

/** The `tsca_session` Set-Cookie line of a response, if any. */
export function sessionSetCookie(res: LightMyRequestResponse): string | undefined {
  const raw = res.headers["set-cookie"];
  const lines = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
  return lines.find((l) => l.startsWith("tsca_session="));
}

/** A cookie-keeping client over inject(); `headers` are added to every request (e.g. x-forwarded-for). */
export class AdminAgent {
  cookie: string | undefined;

  constructor(
    private readonly app: FastifyInstance,
    private readonly headers: Record<string, string> = {},
  ) {}

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    const line = sessionSetCookie(res);
    if (line) {
      const value = line.slice("tsca_session=".length).split(";")[0]!;
      this.cookie = value === "" || /expires=Thu, 01 Jan 1970/i.test(line) ? undefined : value;
    }
    return res;
  }

  private cookieHeader(): Record<string, string> {
    return this.cookie ? { cookie: `tsca_session=${this.cookie}` } : {};
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.keep(await this.app.inject({ method: "GET", url, headers: { ...this.headers, ...this.cookieHeader(), ...headers } }));
  }

  async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.app.inject({
        method: "POST",
        url,
        headers: { ...this.headers, ...this.cookieHeader(), "content-type": "application/x-www-form-urlencoded", ...headers },
        payload: new URLSearchParams(form).toString(),
      }),
    );
  }

  /** Any request with the session cookie (the REST API with a session). */
  async request(opts: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    payload?: string;
  }): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.app.inject({
        method: opts.method as "GET",
        url: opts.url,
        headers: { ...this.headers, ...this.cookieHeader(), ...opts.headers },
        ...(opts.payload !== undefined ? { payload: opts.payload } : {}),
      }),
    );
  }

  /** GET the login form, post the credentials with its token; returns the POST's response. */
  async login(username: string, password: string): Promise<LightMyRequestResponse> {
    const form = await this.get("/admin/login");
    return this.post("/admin/login", { _csrf: csrfIn(form.body), username, password });
  }
}
