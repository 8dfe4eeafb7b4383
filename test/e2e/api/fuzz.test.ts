/**
 * Fuzzing the REST API (issue 10: "at least 1,000 generated malformed bodies and parameters get 4xx problem
 * answers and never a 500 or a crash"). Property-based with fast-check: requests to every endpoint with
 * generated path parameters (unicode, huge numbers, bad serials, malformed percent escapes, over-long),
 * query strings (wrong types, huge and negative numbers, bad dates, bad base64 cursors, repeated keys,
 * unknown keys), bodies (wrong types, deep nesting, extra fields, bad PEM, bad reasons, bad dates, truncated
 * JSON, over 64 KiB) and content types, sent through the real application (`buildApp(...).inject()`, the
 * API plugin over a real SQLite installation with Root and Inter made by the CLI) with a valid superuser
 * token. Every answer must be 2xx (the input happened to be valid) or 4xx, every 4xx problem+json (RFC
 * 9457) whose body repeats the status, and the server must log no error (a 500 or a throw would) and
 * reject no promise. At the end the application still answers a good request.
 */
import fc from "fast-check";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApiApp } from "../../helpers/api-app.js";
import { ApiContract, type OpenApiDocument } from "../../helpers/api-contract.js";
import { tsca, type TscaEnv } from "../../helpers/cli.js";
import { leaf } from "../../helpers/crl.js";
import { makeCsr } from "../../helpers/certs.js";
import { openPkiInstallation, type PkiInstallation } from "../../helpers/use-case-context.js";

const isDecodable = (url: string): boolean => {
  try {
    decodeURI(url.split("?")[0]!);
    return true;
  } catch {
    return false;
  }
};

/** The endpoints of issue 10, with placeholders for their path parameters. */
const ENDPOINTS = [
  ["GET", "/api/v1/cas"],
  ["GET", "/api/v1/cas/{ca}"],
  ["PATCH", "/api/v1/cas/{ca}"],
  ["GET", "/api/v1/profiles"],
  ["POST", "/api/v1/cas/{ca}/sign"],
  ["GET", "/api/v1/requests/{id}"],
  ["GET", "/api/v1/certificates"],
  ["GET", "/api/v1/certificates/{serial}"],
  ["POST", "/api/v1/certificates/{serial}/revoke"],
  ["POST", "/api/v1/certificates/{serial}/unrevoke"],
  ["POST", "/api/v1/certificates/{serial}/resign"],
] as const;

const QUERY_KEYS = ["ca", "status", "profile", "expires_before", "q", "limit", "cursor", "wait"];
const BODY_KEYS = [
  "csr",
  "profile",
  "subject",
  "alt",
  "expires",
  "reason",
  "compromised",
  "name",
  "enabled",
  "website",
  "terms_of_service",
  "caa_identity",
  "lint_rule_sets",
  "sign",
  "path_length",
  "key_type",
  "not_after",
  "__proto__",
  "constructor",
];
const SIGN_KEYS = ["crl_urls", "ocsp_urls", "issuer_urls", "issuer_alternative_names", "freshest_crl_urls", "ocsp_url"];

describe("fuzzing the REST API through inject() (sqlite)", () => {
  let inst: PkiInstallation;
  let t: TscaEnv;
  let app: FastifyInstance;
  let contract: ApiContract;
  /** The document's operations: METHOD and a pattern of its path template. */
  let operations: { method: string; pattern: RegExp }[] = [];
  let token: string;
  let serials: string[] = [];
  let csrPem = "";
  const errorLogs: unknown[] = [];
  const rejections: unknown[] = [];
  const onRejection = (e: unknown): void => void rejections.push(e);
  let cases = 0;
  const statusCounts = new Map<number, number>();

  beforeAll(async () => {
    inst = await openPkiInstallation("sqlite");
    t = inst.t;
    tsca(t, ["create_user", "fuzzer", "--superuser", "--no-password"]);
    token = tsca(t, ["create_token", "fuzzer"]).trim();
    serials = [leaf(t, "Inter", "a.fuzz.test").serial, leaf(t, "Inter", "b.fuzz.test").serial, leaf(t, "Root", "c.fuzz.test").serial];
    csrPem = makeCsr("ec", "/CN=fuzz.example.test").pem;
    // The per-token request limit is off (TSCA_API_RATE_LIMIT=0): the fuzzer sends more than a minute's worth.
    app = await buildApiApp(inst, (entry) => errorLogs.push(entry), { env: { TSCA_API_RATE_LIMIT: "0" } });
    const document = (await app.inject({ method: "GET", url: "/api/openapi.json" })).json<OpenApiDocument>();
    contract = new ApiContract(document);
    operations = Object.entries(document.paths).flatMap(([template, methods]) =>
      Object.keys(methods).map((method) => ({
        method: method.toUpperCase(),
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
      })),
    );
    process.on("unhandledRejection", onRejection);
  });

  afterAll(async () => {
    process.off("unhandledRejection", onRejection);
    await app?.close();
    await inst?.db.close();
    console.log(`fuzz: ${cases} requests, statuses ${JSON.stringify(Object.fromEntries([...statusCounts].sort((a, b) => a[0] - b[0])))}`);
  });

  // --- generators ---

  /** Strings a path parameter might be given: names, serial-like hex, unicode, numbers, traversal, junk. */
  const paramText = (): fc.Arbitrary<string> =>
    fc.oneof(
      fc.constantFrom(
        "Inter",
        "Root",
        "inter",
        "INTER",
        "Inter ",
        "",
        " ",
        ".",
        "..",
        "../cas",
        "0",
        "-1",
        "null",
        "undefined",
        "[object Object]",
      ),
      fc
        .constantFrom(...serials)
        .chain((s) =>
          fc.constantFrom(
            s,
            s.replace(/:/g, ""),
            s.toLowerCase(),
            `${s}:`,
            `:${s}`,
            s.replace(/:/g, "::"),
            s.slice(0, 2),
            `${s}00`,
            s.replace(/[0-9]/g, "G"),
          ),
        ),
      fc.stringMatching(/^[0-9A-Fa-f:]{0,90}$/),
      fc.string({ unit: "grapheme", maxLength: 40 }),
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
      fc.double().map(String),
      fc.string({ minLength: 190, maxLength: 400 }),
    );

  /** Encoded for a URL: properly, or raw with the characters that break URLs, or with bad percent escapes. */
  const encoded = (a: fc.Arbitrary<string>): fc.Arbitrary<string> =>
    fc.oneof(
      { weight: 4, arbitrary: a.map((s) => encodeURIComponent(s)) },
      { weight: 1, arbitrary: a.map((s) => s.replace(/[\s#?/]/g, "_")) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(a, fc.constantFrom("%", "%G1", "%zz", "%c3%28", "%ff%fe", "%00", "%2F", "%E0%A4%A"))
          .map(([s, bad]) => `${encodeURIComponent(s)}${bad}`),
      },
    );

  /** Values of a query parameter. */
  const queryValue = (): fc.Arbitrary<string> =>
    fc.oneof(
      fc.constantFrom(
        "valid",
        "revoked",
        "expired",
        "all",
        "VALID",
        "",
        "true",
        "[]",
        "{}",
        "null",
        "NaN",
        "Infinity",
        "-0",
        "1e309",
        "0x10",
      ),
      fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
      fc.double().map(String),
      fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString())),
      fc.constantFrom(
        "2024-13-45T25:61:61Z",
        "2024-02-30",
        "yesterday",
        "1970-01-01T00:00:00",
        "+275760-09-13T00:00:00.001Z",
        "2024-01-01T00:00:00+99:99",
      ),
      // Cursors: base64url of junk, of almost-right content, not base64 at all.
      fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString("base64url")),
      fc.string({ maxLength: 60 }).map((s) => Buffer.from(s).toString("base64")),
      fc.constantFrom(
        "!!!",
        "====",
        "a",
        "AAAA",
        Buffer.from('{"not_after":"x","serial":"zz"}').toString("base64url"),
        Buffer.from("2024-01-01T00:00:00.000Z|ZZ").toString("base64url"),
      ),
      fc.string({ unit: "grapheme", maxLength: 60 }),
      fc.string({ minLength: 400, maxLength: 1200 }),
    );

  const queryString = (): fc.Arbitrary<string> =>
    fc
      .array(
        fc.tuple(
          fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...QUERY_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
          queryValue(),
        ),
        {
          maxLength: 6,
        },
      )
      .chain((pairs) =>
        fc.constantFrom(
          pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"),
          pairs.map(([k, v]) => `${k}=${v}`.replace(/[#\s]/g, "_")).join("&"),
          pairs.map(([k, v]) => `${encodeURIComponent(k)}[]=${encodeURIComponent(v)}`).join("&"),
          pairs.map(([k]) => encodeURIComponent(k)).join("&"),
        ),
      );

  /** Bad PEM: truncated, wrong label, broken base64, a certificate instead of a CSR, the CSR mangled. */
  const badPem = (): fc.Arbitrary<string> =>
    fc.oneof(
      fc.integer({ min: 0, max: 400 }).map((n) => csrPem.slice(0, n)),
      fc.integer({ min: 40, max: 300 }).map((n) => csrPem.slice(0, n) + "!" + csrPem.slice(n + 1)),
      fc.constant(csrPem.replace(/CERTIFICATE REQUEST/g, "CERTIFICATE")),
      fc.constant(csrPem.replace(/\n/g, "")),
      fc.constant(csrPem.replace(/[A-Za-z0-9+/]{10}\n/, "AAAAAAAAAA\n")),
      fc
        .uint8Array({ maxLength: 200 })
        .map((b) => `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(b).toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`),
      fc.constant(`${csrPem}${csrPem}`),
      fc.string({ unit: "grapheme", maxLength: 100 }),
    );

  /** Values of body fields: every JSON type, big numbers, unicode, bad dates and reasons, nesting. */
  const fieldValue = (): fc.Arbitrary<unknown> =>
    fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      badPem(),
      fc.constantFrom(
        "key_compromise",
        "keyCompromise",
        "KEY_COMPROMISE",
        "remove_from_crl",
        "removeFromCRL",
        "unused",
        "7",
        "",
        "superseded ",
      ),
      fc.constantFrom(1e308, -1, 0, 2 ** 53 + 1, -0, 36501, 1.5, "30"),
      fc.constantFrom(
        "2999-01-01T00:00:00Z",
        "2020-01-01",
        "2020-01-01T00:00:00",
        "not a date",
        "1970-01-01T00:00:00Z",
        "2020-01-01T00:00:00+25:00",
      ),
      fc.array(
        fc.oneof(
          fc.string(),
          fc.constantFrom(
            "DNS:",
            "DNS:*.*.example",
            "IP:999.1.1.1",
            "email:@",
            "URI:javascript:alert(1)",
            "ldap://x",
            "http://",
            "DNS:a..b",
          ),
        ),
        {
          maxLength: 5,
        },
      ),
      fc.dictionary(
        fc.constantFrom(...SIGN_KEYS),
        fc.oneof(fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })),
        { maxKeys: 3 },
      ),
    );

  const deepNesting = (): fc.Arbitrary<string> =>
    fc
      .tuple(fc.integer({ min: 50, max: 5000 }), fc.constantFrom("array", "object"))
      .map(([n, kind]) => (kind === "array" ? `${"[".repeat(n)}${"]".repeat(n)}` : `${'{"sign":'.repeat(n)}{}${"}".repeat(n)}`));

  const bodyText = (): fc.Arbitrary<string> =>
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .dictionary(
            fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...BODY_KEYS) }, { weight: 1, arbitrary: fc.string() }),
            fieldValue(),
            { maxKeys: 5 },
          )
          .map((o) => JSON.stringify(o)),
      },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null") },
      { weight: 1, arbitrary: fc.record({ csr: badPem(), alt: fc.array(fc.string(), { maxLength: 3 }) }).map((o) => JSON.stringify(o)) },
      { weight: 1, arbitrary: deepNesting() },
      // JSON that does not parse: cut short, trailing commas, single quotes, NaN.
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '{"csr":',
          "{'reason':'key_compromise'}",
          '{"reason":"superseded",}',
          '{"expires":NaN}',
          "\u0000",
          '{"a":1}{"b":2}',
          '"\\ud800"',
          "",
        ),
      },
      // Over the 64 KiB body limit.
      { weight: 1, arbitrary: fc.integer({ min: 65_537, max: 200_000 }).map((n) => JSON.stringify({ csr: "A".repeat(n) })) },
    );

  const contentType = (): fc.Arbitrary<string | undefined> =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant("application/json") },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          undefined,
          "application/json; charset=utf-8",
          "application/json; charset=latin1",
          "APPLICATION/JSON",
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "application/octet-stream",
          "application/pem-certificate-chain",
          "application/problem+json",
          "json",
          ";;;",
          "application/json, text/plain",
        ),
      },
    );

  const request = (): fc.Arbitrary<{ method: string; url: string; body?: string; contentType?: string; accept?: string }> =>
    fc
      .record({
        endpoint: fc.constantFrom(...ENDPOINTS),
        wrongMethod: fc.oneof(
          { weight: 9, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constantFrom("PUT", "DELETE", "POST", "GET", "PATCH", "OPTIONS", "HEAD") },
        ),
        ca: encoded(paramText()),
        id: encoded(fc.oneof(paramText(), fc.stringMatching(/^[0-9a-f]{1,64}$/))),
        serial: encoded(paramText()),
        query: fc.option(queryString(), { nil: undefined }),
        body: fc.option(bodyText(), { nil: undefined, freq: 4 }),
        contentType: contentType(),
        accept: fc.constantFrom(
          undefined,
          "application/json",
          "application/pem-certificate-chain",
          "text/html",
          "*/*",
          "application/xml;q=0.9",
          "garbage",
        ),
      })
      .map((r) => {
        const method = r.wrongMethod ?? r.endpoint[0];
        const path = r.endpoint[1].replace("{ca}", r.ca).replace("{id}", r.id).replace("{serial}", r.serial);
        return {
          method,
          url: r.query === undefined ? path : `${path}?${r.query}`,
          ...(r.body !== undefined && method !== "GET" && method !== "HEAD" ? { body: r.body } : {}),
          ...(r.contentType !== undefined ? { contentType: r.contentType } : {}),
          ...(r.accept !== undefined ? { accept: r.accept } : {}),
        };
      });

  /** The invariant every answer keeps. */
  const judge = (res: LightMyRequestResponse, method: string, url: string, what: string): void => {
    cases++;
    statusCounts.set(res.statusCode, (statusCounts.get(res.statusCode) ?? 0) + 1);
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    const clientError = res.statusCode >= 400 && res.statusCode < 500;
    if (!ok && !clientError) throw new Error(`${what}: ${res.statusCode} ${res.body.slice(0, 500)}`);
    if (clientError) {
      if (!String(res.headers["content-type"]).startsWith("application/problem+json"))
        throw new Error(`${what}: ${res.statusCode} not problem+json: ${res.headers["content-type"]}`);
      // A HEAD answer has the headers of the GET and no body (RFC 9110 §9.3.2).
      const problem = (method === "HEAD" ? { status: res.statusCode, type: "", detail: "" } : JSON.parse(res.body)) as {
        status?: unknown;
        type?: unknown;
        detail?: unknown;
      };
      if (problem.status !== res.statusCode || typeof problem.type !== "string" || typeof problem.detail !== "string")
        throw new Error(`${what}: malformed problem ${res.body.slice(0, 500)}`);
      if (/\n\s+at |node_modules|\/src\//.test(res.body)) throw new Error(`${what}: internals in the answer ${res.body.slice(0, 500)}`);
    }
    // The OpenAPI document declares the answer (status, content type, body) of every request to one of its
    // operations. Outside them (a wrong method, a path with no operation) any 4xx problem is right: Fastify
    // may refuse the body's type (415) or size (413) before it finds no route. A path that does not decode
    // is judged by the checks above only (the contract helper decodes it).
    const path = url.split("?")[0]!;
    if (isDecodable(path) && operations.some((o) => o.method === method && o.pattern.test(decodeURI(path))))
      contract.check({
        method,
        path: url,
        status: res.statusCode,
        contentType: res.headers["content-type"] as string | undefined,
        body: res.body,
      });
    if (errorLogs.length > 0) throw new Error(`${what}: the server logged an error: ${JSON.stringify(errorLogs[0]).slice(0, 1000)}`);
  };

  const send = async (
    r: { method: string; url: string; body?: string; contentType?: string; accept?: string },
    headers: Record<string, string> = {},
    remoteAddress?: string,
  ) => {
    const res = await app.inject({
      method: r.method as "GET",
      url: r.url,
      ...(remoteAddress ? { remoteAddress } : {}),
      headers: {
        authorization: `Bearer ${token}`,
        ...(r.contentType !== undefined ? { "content-type": r.contentType } : {}),
        ...(r.accept !== undefined ? { accept: r.accept } : {}),
        ...headers,
      },
      ...(r.body !== undefined ? { payload: r.body } : {}),
    });
    judge(res, r.method, r.url, `${r.method} ${r.url.slice(0, 300)} ${r.contentType ?? ""} ${(r.body ?? "").slice(0, 300)}`);
    return res;
  };

  it("answers 1,200 generated requests across every endpoint with 2xx or 4xx problem+json, never 500", async () => {
    await fc.assert(
      fc.asyncProperty(request(), async (r) => {
        await send(r);
      }),
      { numRuns: 1_200 },
    );
  });

  it("answers generated bodies to each writing endpoint with 4xx problem+json (200 generated cases)", async () => {
    const writes = ENDPOINTS.filter(([m]) => m !== "GET");
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...writes),
        fc.constantFrom("Inter", serials[0]!.replace(/:/g, "")),
        bodyText(),
        contentType(),
        async ([method, path], id, body, type) => {
          await send({
            method,
            url: path.replace("{ca}", "Inter").replace("{serial}", id),
            body,
            ...(type !== undefined ? { contentType: type } : {}),
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("answers generated Authorization headers with 401/429 problem+json (100 generated cases)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
          fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `Bearer tsca_${Buffer.from(b).toString("base64url")}`),
          fc.constant(`Bearer ${token}x`),
          fc.constant(`Bearer ${token.slice(0, -1)}`),
          fc.constant(`Basic ${Buffer.from("fuzzer:x").toString("base64")}`),
          fc.constant(`bearer  ${token} extra`),
        ),
        fc.constantFrom(...ENDPOINTS),
        async (authorization, [method, path]) => {
          const res = await send(
            { method, url: path.replace("{ca}", "Inter").replace("{id}", "00").replace("{serial}", serials[0]!) },
            { authorization },
            "203.0.113.7",
          );
          // From an address of its own: its failures reach the per-address limit (429), the others' do not.
          // A malformed header that happens to carry the real token is fine; anything else is refused.
          if (!authorization.includes(token)) expect([401, 429]).toContain(res.statusCode);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("answers an unknown URL 404 whatever its body: too large, not JSON, or of another type (100 generated cases)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/api/v1/nope", "/api/v1/cas/Inter/nope", "/nope", "/api/v2/cas"),
        fc.oneof(bodyText(), fc.constant("{".repeat(2_000_000))),
        fc.constantFrom("application/json", "text/xml", "application/x-www-form-urlencoded", "application/merge-patch+json"),
        async (url, body, type) => {
          const res = await app.inject({
            method: "POST",
            url,
            headers: { authorization: `Bearer ${token}`, "content-type": type },
            payload: body,
          });
          expect(res.statusCode, `${url} ${type} ${body.slice(0, 40)}`).toBe(404);
          expect(res.headers["content-type"]).toBe("application/problem+json");
          expect(JSON.parse(res.body)).toMatchObject({ code: "ERR_ROUTE_NOT_FOUND" });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("ran at least 1,000 cases, crashed nowhere, and still answers a good request", async () => {
    expect(cases).toBeGreaterThanOrEqual(1_000);
    expect(rejections).toEqual([]);
    expect(errorLogs).toEqual([]);
    const res = await app.inject({ method: "GET", url: "/api/v1/cas", headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    const cert = await app.inject({
      method: "GET",
      url: `/api/v1/certificates/${serials[1]}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(cert.statusCode).toBe(200);
    expect(JSON.parse(cert.body)).toMatchObject({ serial: serials[1] });
  });
});
