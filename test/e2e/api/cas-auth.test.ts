/**
 * The REST API's authentication (RFC 6750), its CA and profile endpoints, and what it answers to bad
 * input, through the real application (buildApp with the API plugin as `tsca serve` wires it) over a real
 * installation made by the CLI (Root, Inter; users, grants and tokens by `tsca create_user`, `grant`,
 * `create_token`), on SQLite and PostgreSQL. Every response is checked against the served OpenAPI document.
 * The CA JSON is compared with `tsca view_ca --output-format json` itself, the oracle for "the same object".
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, tsca } from "../../helpers/cli.js";
import { BACKENDS } from "../../helpers/databases.js";
import { buildApiApp } from "../../helpers/api-app.js";
import { apiClient, type ApiClient } from "../../helpers/api-client.js";
import { closePkiInstallation, openPkiInstallation, type PkiInstallation } from "../../helpers/use-case-context.js";

describe.each(BACKENDS)("REST API: authentication, CAs, profiles, bad input (%s)", (backend) => {
  let inst: PkiInstallation;
  let app: FastifyInstance;
  let api: ApiClient;
  let ops: string;
  let viewer: string;
  const errors: unknown[] = [];

  beforeAll(async () => {
    inst = await openPkiInstallation(backend);
    const t = inst.t;
    tsca(t, ["create_user", "ops", "--superuser", "--no-password"]);
    tsca(t, ["create_user", "auditor", "--no-password"]);
    tsca(t, ["grant", "auditor", "view", "--ca", "Inter"]);
    ops = tsca(t, ["create_token", "ops", "--name", "ops-ci"]).trim();
    viewer = tsca(t, ["create_token", "auditor", "--name", "auditor-main"]).trim();
    app = await buildApiApp(inst, (e) => errors.push(e), { env: { TSCA_API_AUTH_FAILURES_PER_MINUTE: "5" } });
    api = await apiClient(app, ops);
  });

  afterAll(async () => {
    await app?.close();
    await closePkiInstallation(inst);
    expect(errors).toEqual([]);
  });

  const expectProblem = (
    res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown },
    status: number,
    code?: string,
  ) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers["content-type"]).toBe("application/problem+json");
    const body = res.json() as Record<string, unknown>;
    expect(body.status).toBe(status);
    if (code) expect(body.code).toBe(code);
    return body;
  };

  it("serves the OpenAPI 3.1 document and Swagger UI without a token, with only local assets", async () => {
    const doc = await app.inject({ url: "/api/openapi.json" });
    expect(doc.statusCode).toBe(200);
    const d = doc.json<{ openapi: string; paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } }>();
    expect(d.openapi).toBe("3.1.0");
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect((d as unknown as { info: { version: string } }).info.version).toBe(pkg.version);
    expect(d.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
    for (const p of ["/api/v1/cas", "/api/v1/cas/{ca}", "/api/v1/profiles", "/api/v1/cas/{ca}/sign", "/api/v1/requests/{id}"])
      expect(Object.keys(d.paths)).toContain(p);
    for (const p of ["/api/v1/certificates", "/api/v1/certificates/{serial}", "/api/v1/certificates/{serial}/revoke"])
      expect(Object.keys(d.paths)).toContain(p);
    const listCas = (d.paths["/api/v1/cas"] as { get: { responses: Record<string, { headers?: Record<string, unknown> }> } }).get;
    expect(Object.keys(listCas.responses["401"]!.headers ?? {})).toEqual(["WWW-Authenticate"]);
    expect(Object.keys(listCas.responses["429"]!.headers ?? {})).toEqual(["Retry-After"]);
    // OCSP, CRLs and the docs themselves are not part of the API's description.
    expect(Object.keys(d.paths).filter((p) => !p.startsWith("/api/v1/"))).toEqual([]);
    const ui = await app.inject({ url: "/api/docs/" });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).not.toMatch(/https?:\/\/(?!localhost)[a-z]/i);
    // Plain HTTP must work for the page: no upgrade-insecure-requests, no third-party host in the policy.
    const csp = String(ui.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain("upgrade-insecure-requests");
    expect(csp).not.toContain("swagger.io");
    const script = [...ui.body.matchAll(/src="([^"]+)"/g)].map((m) => m[1]!);
    expect(script.length).toBeGreaterThan(0);
    for (const s of script) expect((await app.inject({ url: new URL(s, "http://x/api/docs/").pathname })).statusCode).toBe(200);
  });

  it("leaves the other surfaces as they were: no token, no API hook on health, CRL and OCSP routes", async () => {
    // The API's onRequest hook sets x-request-id on everything it sees; the OCSP hot path must not pass it.
    const serial = inst.pki.inter.replace(/:/g, "");
    for (const url of ["/healthz", `/crl/${serial}`, `/ocsp/${serial}/cert/MAo%3D`]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).not.toBe(401);
      expect(res.headers["x-request-id"], url).toBeUndefined();
    }
  });

  it("answers 401 with the RFC 6750 challenge: none without a token, invalid_token for a bad one", async () => {
    const none = await api.get("/api/v1/cas", { token: "" });
    expectProblem(none, 401, "ERR_UNAUTHENTICATED");
    expect(none.headers["www-authenticate"]).toBe('Bearer realm="tsca"');
    expect(none.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await api.get("/api/v1/cas", { token: `tsca_${"A".repeat(43)}` });
    expectProblem(bad, 401, "ERR_UNAUTHENTICATED");
    expect(bad.headers["www-authenticate"]).toMatch(/^Bearer realm="tsca", error="invalid_token"/);
    const basic = await api.get("/api/v1/cas", { headers: { authorization: "Basic b3BzOm9wcw==" } });
    expectProblem(basic, 401);
    expect(basic.headers["www-authenticate"]).toBe('Bearer realm="tsca"');
  });

  it("refuses a revoked and an expired token with 401", async () => {
    const doomed = tsca(inst.t, ["create_token", "auditor", "--name", "doomed"]).trim();
    expect((await api.get("/api/v1/cas", { token: doomed })).statusCode).toBe(200);
    tsca(inst.t, ["revoke_token", "doomed"]);
    expectProblem(await api.get("/api/v1/cas", { token: doomed }), 401);
    const expiring = tsca(inst.t, ["create_token", "auditor", "--name", "expiring", "--expires", "1"]).trim();
    expect((await api.get("/api/v1/cas", { token: expiring })).statusCode).toBe(200);
    // A day cannot pass in a test: move this token's expiry into the past in the database under test.
    await inst.db.db
      .updateTable("api_token")
      .set({ expires_at: new Date(Date.now() - 60_000).toISOString() } as never)
      .where("name", "=", "expiring")
      .execute();
    expectProblem(await api.get("/api/v1/cas", { token: expiring }), 401);
  });

  it("lists only the CAs a token may view, as list_cas --output-format json lists them", async () => {
    const all = await api.get("/api/v1/cas");
    expect(all.statusCode).toBe(200);
    const cli = JSON.parse(tsca(inst.t, ["list_cas", "--output-format", "json"])) as unknown[];
    expect(all.json<{ items: unknown[] }>().items).toEqual(cli);
    const mine = await api.get("/api/v1/cas", { token: viewer });
    expect(mine.json<{ items: { name: string }[] }>().items.map((c) => c.name)).toEqual(["Inter"]);
    expectProblem(await api.get("/api/v1/cas/Root", { token: viewer }), 403, "ERR_FORBIDDEN");
  });

  it("shows a CA by name or serial prefix (colons optional, any case) as view_ca --output-format json, without key_location", async () => {
    const cli = JSON.parse(tsca(inst.t, ["view_ca", "--output-format", "json", "Inter"])) as Record<string, unknown>;
    const { key_location: _k, ...expected } = cli;
    const serial = String(cli.serial);
    for (const id of ["Inter", serial, serial.replace(/:/g, "").toLowerCase(), serial.slice(0, 8)]) {
      const res = await api.get(`/api/v1/cas/${encodeURIComponent(id)}`);
      expect(res.statusCode, id).toBe(200);
      expect(res.json()).toEqual(expected);
    }
    expectProblem(await api.get("/api/v1/cas/NoSuchCa"), 404, "ERR_CA_NOT_FOUND");
  });

  it("PATCH changes the writable part, 200 with the CA; a view-only token gets 403", async () => {
    const res = await api.patch("/api/v1/cas/Inter", {
      json: {
        website: "https://ca.example.test/",
        sign: { ocsp_urls: ["http://ocsp.example.test/{SIGNER_SERIAL_HEX}"], crl_urls: ["ldap://ldap.example.test/cn=Inter"] },
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const ca = res.json<{ website: string; sign: { ocsp_urls: string[]; crl_urls: string[] } }>();
    expect(ca.website).toBe("https://ca.example.test/");
    expect(ca.sign.crl_urls).toEqual(["URI:ldap://ldap.example.test/cn=Inter"]);
    // The template is filled in for this CA, as edit_ca fills it in.
    expect(ca.sign.ocsp_urls).toEqual([`URI:http://ocsp.example.test/${inst.pki.inter.replace(/:/g, "")}`]);
    const cli = JSON.parse(tsca(inst.t, ["view_ca", "--output-format", "json", "Inter"])) as { sign: unknown; website: string };
    expect(cli.sign).toEqual(ca.sign);
    expect(cli.website).toBe("https://ca.example.test/");
    // JSON merge patch media type (RFC 7396) is accepted too; null clears.
    const merge = await api.patch("/api/v1/cas/Inter", {
      payload: '{"website":null}',
      headers: { "content-type": "application/merge-patch+json" },
    });
    expect(merge.statusCode, merge.body).toBe(200);
    expect(merge.json<{ website: unknown }>().website).toBeNull();
    expectProblem(await api.patch("/api/v1/cas/Inter", { token: viewer, json: { enabled: false } }), 403, "ERR_FORBIDDEN");
  });

  it("PATCH refuses fields that need the CA key, unknown fields and bad URLs with 400 naming the field", async () => {
    for (const [body, field] of [
      [{ subject: "/CN=evil" }, "body.subject"],
      [{ key_type: "RSA" }, "body.key_type"],
      [{ not_after: "2099-01-01T00:00:00Z" }, "body.not_after"],
      [{ path_length: 3 }, "body.path_length"],
      [{ acme: { enabled: true } }, "body.acme"],
      [{ colour: "blue" }, "body.colour"],
      [{ sign: { ocsp_url: ["http://x/"] } }, "body.sign.ocsp_url"],
      [{ sign: { ocsp_urls: ["ftp://x/"] } }, "body.sign.ocsp_urls[0]"],
      [{ sign: { ocsp_urls: ["http://ok.test/", "ldap://x/"] } }, "body.sign.ocsp_urls[1]"],
      [{ sign: { ocsp_urls: "http://x/" } }, "body.sign.ocsp_urls"],
      [{ website: "javascript:alert(1)" }, "body.website"],
      [{ enabled: "yes" }, "body.enabled"],
      [{ lint_rule_sets: ["nope"] }, "body.lint_rule_sets[0]"],
    ] as const) {
      const p = expectProblem(await api.patch("/api/v1/cas/Inter", { json: body }), 400);
      expect(p.field, JSON.stringify(body)).toBe(field);
      expect(String(p.detail)).toContain(field);
    }
    expectProblem(await api.patch("/api/v1/cas/Inter", { json: {} }), 400, "ERR_BAD_REQUEST");
  });

  it("lists the profiles", async () => {
    const res = await api.get("/api/v1/profiles", { token: viewer });
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: { name: string; default: boolean; extended_key_usage: string[] }[] }>().items;
    expect(items.map((p) => p.name)).toEqual(expect.arrayContaining(["client", "server", "webserver", "enduser", "ocsp"]));
    expect(items.find((p) => p.default)?.name).toBe("webserver");
    expect(items.find((p) => p.name === "webserver")?.extended_key_usage).toEqual(["1.3.6.1.5.5.7.3.1"]);
  });

  it("answers 413 over 64 KiB, 415 for a non-JSON body, 400 for broken JSON, 404 problem for unknown routes", async () => {
    const big = { sign: { ocsp_urls: [`http://x.test/${"a".repeat(70_000)}`] } };
    expectProblem(await api.patch("/api/v1/cas/Inter", { json: big }), 413, "ERR_TOO_LARGE");
    expectProblem(
      await api.patch("/api/v1/cas/Inter", { payload: "website=x", headers: { "content-type": "application/x-www-form-urlencoded" } }),
      415,
      "ERR_UNSUPPORTED_MEDIA_TYPE",
    );
    expectProblem(await api.patch("/api/v1/cas/Inter", { payload: "{}", headers: { "content-type": "text/plain" } }), 415);
    expectProblem(await api.patch("/api/v1/cas/Inter", { payload: '{"website":', headers: { "content-type": "application/json" } }), 400);
    expectProblem(await api.get("/api/v1/nothing"), 404, "ERR_ROUTE_NOT_FOUND");
    expectProblem(await api.call("DELETE", "/api/v1/cas/Inter"), 404, "ERR_ROUTE_NOT_FOUND");
  });

  it("rate limits requests per token (TSCA_API_RATE_LIMIT) with 429 and Retry-After; other tokens go on", async () => {
    const limited = await buildApiApp(inst, (e) => errors.push(e), { env: { TSCA_API_RATE_LIMIT: "3" } });
    try {
      const client = await apiClient(limited, viewer);
      for (let i = 0; i < 3; i++) expect((await client.get("/api/v1/profiles")).statusCode).toBe(200);
      const res = await client.get("/api/v1/profiles");
      expectProblem(res, 429, "ERR_RATE_LIMITED");
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      expect((await client.get("/api/v1/profiles", { token: ops })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("rate limits failed authentications per client address with 429 and Retry-After", async () => {
    // This app allows 5 failures a minute (TSCA_API_AUTH_FAILURES_PER_MINUTE); earlier tests used some.
    let res = await api.get("/api/v1/cas", { token: `tsca_${"B".repeat(43)}` });
    for (let i = 0; i < 10 && res.statusCode === 401; i++) res = await api.get("/api/v1/cas", { token: `tsca_${"B".repeat(43)}` });
    expectProblem(res, 429, "ERR_RATE_LIMITED");
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    // While blocked, even a good token from the same address waits: guessing must not go on.
    expectProblem(await api.get("/api/v1/cas"), 429);
  });
});
