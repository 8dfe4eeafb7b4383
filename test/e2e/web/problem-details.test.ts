/**
 * Every error answer of the web application is problem+json (RFC 9457) from the one table in
 * adapters/web/problem.ts, registered by buildApp for every plugin; OCSP alone answers in OCSP
 * (adapters/web/ocsp-status.ts). The application is the real one (buildApp, the real OCSP responder and CRL
 * routes on a real database), with one extra plugin whose routes throw what a surface may throw: a TscaError
 * of each kind, a plain Error (a bug), and a JSON route with a small body limit and a schema.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlCaRepository } from "../../../src/adapters/db/ca-repository.js";
import { openDatabase, type OpenDatabase } from "../../../src/adapters/db/connection.js";
import { SqlCrlRepository } from "../../../src/adapters/db/crl-repository.js";
import { SqlOcspResponderRepository } from "../../../src/adapters/db/ocsp-responder-repository.js";
import { SqlOcspStatusRepository } from "../../../src/adapters/db/ocsp-status-repository.js";
import { SqlRevocationChangeFeed } from "../../../src/adapters/db/revocation-change-feed.js";
import { FileOcspKeyStore } from "../../../src/adapters/keys/ocsp-key-store.js";
import { buildApp } from "../../../src/adapters/web/app.js";
import { crlRoutes } from "../../../src/adapters/web/crl-routes.js";
import { ERROR_CODES, ERROR_KINDS, TscaError, type ErrorCode, type ErrorKind } from "../../../src/core/errors.js";
import { OcspIssuers } from "../../../src/core/revocation/ocsp-issuers.js";
import { DEFAULT_RESPONDER_OPTIONS, OcspResponder } from "../../../src/core/revocation/ocsp-responder.js";
import { MAX_OCSP_REQUEST_BYTES } from "../../../src/core/revocation/ocsp-request.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { EXPECTED_HTTP_STATUS } from "../../helpers/http-statuses.js";
import { responseStatus } from "../../helpers/serve.js";

/** The first code of each kind, so that every kind is thrown once. */
const CODE_OF_KIND = Object.fromEntries(
  ERROR_KINDS.map((kind) => [kind, (Object.keys(ERROR_CODES) as ErrorCode[]).find((c) => ERROR_CODES[c].kind === kind)!]),
) as Record<ErrorKind, ErrorCode>;

const SECRET = "password=hunter2 at /var/lib/secret";

/** A plugin like any surface's: its routes throw, and buildApp's handlers must answer. */
async function throwingRoutes(app: FastifyInstance): Promise<void> {
  app.get("/test/throw/:kind", async (request) => {
    const kind = (request.params as { kind: ErrorKind }).kind;
    throw new TscaError(CODE_OF_KIND[kind], `A ${kind} error.`, {
      cause: new Error(SECRET),
      fields: { ca: "Inter", rule: "e_example", rfc: "RFC 5280 §4.2.1.9" },
    });
  });
  app.get("/test/bug", async () => {
    throw new Error(SECRET);
  });
  app.post(
    "/test/json",
    {
      bodyLimit: 64,
      schema: { body: { type: "object", required: ["name"], properties: { name: { type: "string" } } } },
    },
    async (request) => ({ ok: (request.body as { name: string }).name }),
  );
}

describe.each(BACKENDS)("problem+json answers of buildApp (%s)", (backend) => {
  let db: OpenDatabase;
  let app: FastifyInstance;
  let home: string;
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "tsca-problem-"));
    db = await openDatabase((await freshDatabaseUrl(backend)) ?? join(home, "tsca.sqlite3"));
    const clock = { now: () => new Date() };
    const cas = new SqlCaRepository(db.db);
    const issuers = new OcspIssuers(
      { cas, responders: new SqlOcspResponderRepository(db.db), keys: new FileOcspKeyStore(join(home, "ocsp")), clock },
      { caListMaxAgeMs: 5_000, retryMissingMs: 5_000, defaultResponseValidity: 86_400 },
    );
    const responder = new OcspResponder(
      { clock, statuses: new SqlOcspStatusRepository(db.db), changes: new SqlRevocationChangeFeed(db.db), issuers },
      DEFAULT_RESPONDER_OPTIONS,
    );
    await responder.sync();
    const logger = pino({ level: "debug" }, { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
    app = await buildApp({
      logger: logger as unknown as FastifyBaseLogger,
      ocsp: responder,
      accessLog: false,
      limits: { headersTimeoutMs: 10_000, requestTimeoutMs: 10_000, idleTimeoutMs: 10_000, maxConnections: 100 },
      health: () => ({ ok: true, detail: {} }),
      plugins: [(a) => crlRoutes(a, { crls: new SqlCrlRepository(db.db), cas }), throwingRoutes],
    });
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const expectProblem = (r: Awaited<ReturnType<FastifyInstance["inject"]>>, status: number, code: ErrorCode): Record<string, unknown> => {
    expect(r.statusCode, r.body).toBe(status);
    expect(r.headers["content-type"]).toBe("application/problem+json");
    expect(r.headers["cache-control"]).toBe("no-store");
    const body = r.json<Record<string, unknown>>();
    expect(body).toMatchObject({ type: `urn:tsca:error:${code}`, status, code });
    expect(typeof body.title).toBe("string");
    expect(String(body.detail)).toMatch(/^[A-Z].*\.$/);
    expect(r.body).not.toContain("hunter2");
    expect(r.body).not.toMatch(/ at .*\.(ts|js|mjs):\d+/);
    return body;
  };

  it("answers an unknown route, and a known path with another method, with 404 problem+json", async () => {
    for (const [method, url] of [
      ["GET", "/nothing/here"],
      ["DELETE", `/crl/${"AB".repeat(20)}`],
      ["GET", "/"],
    ] as const) {
      const body = expectProblem(await app.inject({ method, url }), 404, "ERR_ROUTE_NOT_FOUND");
      expect(body.title).toBe("Not Found");
    }
  });

  it("answers a CRL or CA certificate of an unknown CA with 404 problem+json naming the CA", async () => {
    const ca = "AB".repeat(20);
    for (const url of [`/crl/${ca}`, `/crl/ca/${ca}`, `/crl/delta/${ca}`, `/crl/${ca}/user`, `/issuer/${ca}.der`]) {
      const body = expectProblem(await app.inject({ method: "GET", url }), 404, "ERR_CA_NOT_FOUND");
      expect(body).toMatchObject({ title: "Not Found", detail: `No CA has the serial ${ca}.`, ca });
    }
    const bad = expectProblem(await app.inject({ method: "GET", url: `/crl/${ca}?encoding=TXT` }), 400, "ERR_INVALID_ARGUMENT");
    expect(bad).toMatchObject({ detail: "The encoding must be PEM or DER.", parameter: "encoding" });
  });

  it("answers a TscaError of every kind with the status of its kind, its sentence and its fields", async () => {
    for (const kind of ERROR_KINDS) {
      const r = await app.inject({ method: "GET", url: `/test/throw/${kind}` });
      const body = expectProblem(r, EXPECTED_HTTP_STATUS[kind], CODE_OF_KIND[kind]);
      expect(body).toEqual({
        type: `urn:tsca:error:${CODE_OF_KIND[kind]}`,
        title: body.title,
        status: EXPECTED_HTTP_STATUS[kind],
        detail: `A ${kind} error.`,
        code: CODE_OF_KIND[kind],
        ca: "Inter",
        rule: "e_example",
        rfc: "RFC 5280 §4.2.1.9",
      });
      // RFC 9110 §10.2.3: a client told to come back is told when.
      if (EXPECTED_HTTP_STATUS[kind] === 503 || EXPECTED_HTTP_STATUS[kind] === 429) expect(r.headers["retry-after"], kind).toMatch(/^\d+$/);
      else expect(r.headers["retry-after"], kind).toBeUndefined();
    }
  });

  it("answers a bug with 500 ERR_INTERNAL that says nothing of it, and logs it", async () => {
    const body = expectProblem(await app.inject({ method: "GET", url: "/test/bug" }), 500, "ERR_INTERNAL");
    expect(body).toEqual({
      type: "urn:tsca:error:ERR_INTERNAL",
      title: "Internal Server Error",
      status: 500,
      detail: "An unexpected internal error occurred.",
      code: "ERR_INTERNAL",
    });
    const logged = logLines.filter((l) => l.msg === "request failed" && l.level === 50);
    expect(JSON.stringify(logged)).toContain("hunter2");
  });

  it("maps Fastify's own errors for bad input to 400, 413 and 415 problem+json, never 500", async () => {
    const json = { "content-type": "application/json" };
    expect(await app.inject({ method: "POST", url: "/test/json", headers: json, payload: '{"name":"ok"}' })).toMatchObject({
      statusCode: 200,
    });
    expectProblem(
      await app.inject({ method: "POST", url: "/test/json", headers: json, payload: JSON.stringify({ name: "x".repeat(100) }) }),
      413,
      "ERR_TOO_LARGE",
    );
    expectProblem(
      await app.inject({ method: "POST", url: "/test/json", headers: { "content-type": "application/xml" }, payload: "<a/>" }),
      415,
      "ERR_UNSUPPORTED_MEDIA_TYPE",
    );
    const badJson = expectProblem(
      await app.inject({ method: "POST", url: "/test/json", headers: json, payload: '{"name":' }),
      400,
      "ERR_BAD_REQUEST",
    );
    expect(badJson.detail).toBe("The request body is not valid JSON.");
    const invalid = expectProblem(
      await app.inject({ method: "POST", url: "/test/json", headers: json, payload: '{"other":1}' }),
      400,
      "ERR_BAD_REQUEST",
    );
    expect(invalid.detail).toMatch(/^The request is invalid: .*name/);
    // A URL that does not decode, and a path parameter longer than any serial (routerOptions.maxParamLength).
    expectProblem(await app.inject({ method: "GET", url: "/crl/%zz" }), 400, "ERR_BAD_REQUEST");
    expectProblem(await app.inject({ method: "GET", url: `/crl/${"A".repeat(300)}` }), 404, "ERR_ROUTE_NOT_FOUND");
  });

  it("still answers OCSP errors in OCSP, not problem+json: a body too large is malformedRequest", async () => {
    const ca = "AB".repeat(20);
    const r = await app.inject({
      method: "POST",
      url: `/ocsp/${ca}/cert/`,
      headers: { "content-type": "application/ocsp-request" },
      payload: Buffer.alloc(MAX_OCSP_REQUEST_BYTES + 1, 0x30),
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("application/ocsp-response");
    expect(responseStatus(r.rawPayload)).toBe(1);
    const garbage = await app.inject({ method: "GET", url: `/ocsp/${ca}/cert/AAAA` });
    expect(garbage.headers["content-type"]).toBe("application/ocsp-response");
    expect(responseStatus(garbage.rawPayload)).toBe(1);
  });
});
