/**
 * Prometheus /metrics of `tsca serve` (issue 13): the exposition parses under a strict reader of the text
 * format, the OCSP counters move with real openssl traffic (good, revoked, unknown, malformed) and the cache
 * counters with repeated GETs, the database gauges show a pending signing request, a CRL's age, the
 * responder certificate's time left and certificates per CA, and the bearer token is enforced on both the
 * main port and --metrics-port. Runs on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { makeCsr } from "../../helpers/certs.js";
import { leaf, makePki } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { scratch } from "../../helpers/oracles.js";
import { parsePrometheusText, sampleValue, type Family } from "../../helpers/prometheus-text.js";
import { ocspStatus, opensslAsync, startServe, waitFor, type Server } from "../../helpers/serve.js";

const TOKEN = "metrics-token-for-tests-0123456789";
const hex = (colon: string): string => colon.replace(/:/g, "");

describe.each(BACKENDS)("tsca serve /metrics (%s)", (backend) => {
  let t: TscaEnv;
  let server: Server;
  let metricsBase: string;
  let inter: string;
  let rootFile: string;
  let interFile: string;
  let good: string;
  let revoked: string;
  const started = Date.now();

  const scrape = async (base = metricsBase): Promise<Map<string, Family>> => {
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    return parsePrometheusText(await res.text());
  };
  const requests = (m: Map<string, Family>, ca: string, result: string): number =>
    sampleValue(m, "tsca_ocsp_requests_total", { ca, result }) ?? 0;
  const ask = (cert: string, extra: string[] = []) =>
    ocspStatus(`${server.base}/ocsp/${inter}/cert/`, interFile, [cert], rootFile, ["-verify_other", interFile, ...extra]);

  beforeAll(async () => {
    t = tscaEnv(await freshDatabaseUrl(backend), { TSCA_OCSP_POLL_INTERVAL: "100", TSCA_METRICS_TOKEN: TOKEN });
    const pki = makePki(t);
    inter = hex(pki.inter);
    rootFile = scratch("metrics-root.pem", pki.rootPem);
    interFile = scratch("metrics-inter.pem", pki.interPem);
    const l1 = leaf(t, "Inter", "good.example.test");
    const l2 = leaf(t, "Inter", "revoked.example.test");
    good = scratch("metrics-good.pem", l1.pem);
    revoked = scratch("metrics-revoked.pem", l2.pem);
    tsca(t, ["revoke_cert", l2.hex, "--reason", "superseded"]);
    tsca(t, ["generate_crls"]);
    const csr = makeCsr("ec", "/CN=queued.example.test");
    tsca(t, ["submit_request", "--ca", "Inter", "--csr", csr.path, "--alt", "queued.example.test"]);
    server = await startServe(t, ["--metrics-port", "0"]);
    const line = server.logs().find((l) => l.msg === "metrics listening");
    expect(line?.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    metricsBase = `http://127.0.0.1:${Number(line!.metricsPort)}`;
  });

  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    // The token never reaches the log.
    expect(JSON.stringify(server.logs())).not.toContain(TOKEN);
  });

  it("requires the bearer token on the main port and on --metrics-port (401 with a Bearer challenge)", async () => {
    for (const base of [server.base, metricsBase]) {
      const none = await fetch(`${base}/metrics`);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer /);
      const wrong = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).not.toContain("tsca_");
      const basic = await fetch(`${base}/metrics`, { headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` } });
      expect(basic.status).toBe(401);
    }
    // Both ports serve the same registry.
    const main = await scrape(server.base);
    expect(main.get("tsca_ocsp_requests_total")?.type).toBe("counter");
    // The metrics port serves nothing else.
    expect((await fetch(`${metricsBase}/healthz`)).status).toBe(404);
  });

  it("parses strictly and has the documented families, process figures included", async () => {
    const m = await scrape();
    const types = Object.fromEntries([...m.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      tsca_ocsp_requests_total: "counter",
      tsca_ocsp_response_seconds: "histogram",
      tsca_ocsp_cache_hits_total: "counter",
      tsca_ocsp_cache_misses_total: "counter",
      tsca_signing_requests: "gauge",
      tsca_signing_request_oldest_pending_age_seconds: "gauge",
      tsca_crl_age_seconds: "gauge",
      tsca_crl_next_update_seconds: "gauge",
      tsca_ocsp_responder_certificate_seconds_left: "gauge",
      tsca_certificates_issued: "gauge",
      tsca_certificates_revoked: "gauge",
      tsca_metrics_database_up: "gauge",
      process_cpu_seconds_total: "counter",
      process_resident_memory_bytes: "gauge",
      nodejs_eventloop_lag_seconds: "gauge",
    });
    for (const f of m.values()) expect(f.help, f.name).toBeTruthy();
  });

  it("counts OCSP answers by CA and result: good, revoked, unknown, malformed", async () => {
    const before = await scrape();
    expect((await ask(good)).out).toContain(`${good}: good`);
    expect((await ask(revoked)).out).toContain(`${revoked}: revoked`);
    const unknown = await opensslAsync([
      "ocsp",
      "-issuer",
      interFile,
      "-serial",
      "0x0123456789ABCDEF",
      "-url",
      `${server.base}/ocsp/${inter}/cert/`,
      "-CAfile",
      rootFile,
      "-verify_other",
      interFile,
    ]);
    expect(unknown.stdout).toContain("0x0123456789ABCDEF: unknown");
    const garbage = await fetch(`${server.base}/ocsp/${inter}/cert/`, { method: "POST", body: Buffer.from("not DER") });
    expect(Buffer.from(await garbage.arrayBuffer())).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]));
    // A made-up CA in the URL does not become a label value.
    await fetch(`${server.base}/ocsp/ABCDEF0123/cert/`, { method: "POST", body: Buffer.from("not DER") });

    const after = await scrape();
    expect(requests(after, inter, "good") - requests(before, inter, "good")).toBe(1);
    expect(requests(after, inter, "revoked") - requests(before, inter, "revoked")).toBe(1);
    expect(requests(after, inter, "unknown") - requests(before, inter, "unknown")).toBe(1);
    // The real CA's URL spelling has answered before, so its malformed request counts under it; the made-up
    // CA counts under "none".
    expect(requests(after, inter, "malformedRequest") - requests(before, inter, "malformedRequest")).toBe(1);
    expect(requests(after, "none", "malformedRequest") - requests(before, "none", "malformedRequest")).toBe(1);
    const cas = new Set(after.get("tsca_ocsp_requests_total")!.samples.map((s) => s.labels.ca));
    expect([...cas].sort()).toEqual([inter, "none"].sort());
    const count = (m: Map<string, Family>, source: string): number => sampleValue(m, "tsca_ocsp_response_seconds_count", { source }) ?? 0;
    expect(count(after, "signed") - count(before, "signed")).toBe(3);
    expect(count(after, "error") - count(before, "error")).toBe(2);
  });

  it("counts cache hits and misses: a repeated GET is answered from memory", async () => {
    const req = scratch("metrics-get.der");
    expect((await opensslAsync(["ocsp", "-issuer", interFile, "-cert", good, "-no_nonce", "-reqout", req])).code).toBe(0);
    const path = `${server.base}/ocsp/${inter}/cert/${encodeURIComponent(readFileSync(req).toString("base64"))}`;
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await fetch(path)).status).toBe(200);
    const after = await scrape();
    const delta = (name: string): number => (sampleValue(after, name) ?? 0) - (sampleValue(before, name) ?? 0);
    // The first GET is signed (nonce answers are never kept), the next two come from memory.
    expect(delta("tsca_ocsp_cache_misses_total")).toBe(1);
    expect(delta("tsca_ocsp_cache_hits_total")).toBe(2);
    expect(requests(after, inter, "good") - requests(before, inter, "good")).toBe(3);
  });

  it("shows the pending signing request, the CRLs' age, the responder's time left and certificates per CA", async () => {
    const m = await scrape();
    const elapsed = (Date.now() - started) / 1000 + 2;
    expect(sampleValue(m, "tsca_metrics_database_up")).toBe(1);
    expect(sampleValue(m, "tsca_signing_requests", { status: "pending" })).toBe(1);
    expect(sampleValue(m, "tsca_signing_requests", { status: "issued" })).toBe(0);
    const pendingAge = sampleValue(m, "tsca_signing_request_oldest_pending_age_seconds")!;
    expect(pendingAge).toBeGreaterThanOrEqual(0);
    expect(pendingAge).toBeLessThanOrEqual(elapsed);
    for (const scope of ["all", "user", "ca"]) {
      const age = sampleValue(m, "tsca_crl_age_seconds", { ca: inter, scope });
      expect(age, scope).toBeGreaterThanOrEqual(0);
      expect(age, scope).toBeLessThanOrEqual(elapsed);
      // TSCA_CRL_EXPIRES defaults to one day.
      const left = sampleValue(m, "tsca_crl_next_update_seconds", { ca: inter, scope })!;
      expect(left, scope).toBeGreaterThan(86_400 - elapsed - 1);
      expect(left, scope).toBeLessThanOrEqual(86_400);
    }
    const responderLeft = sampleValue(m, "tsca_ocsp_responder_certificate_seconds_left", { ca: inter })!;
    expect(responderLeft).toBeGreaterThan(2 * 86_400);
    expect(responderLeft).toBeLessThanOrEqual(3 * 86_400);
    expect(sampleValue(m, "tsca_certificates_issued", { ca: inter })).toBe(2);
    expect(sampleValue(m, "tsca_certificates_revoked", { ca: inter })).toBe(1);

    // The pending request grows older between scrapes; once signed it is gone from the gauge.
    tsca(t, ["worker", "--once"]);
    await waitFor(async () => sampleValue(await scrape(), "tsca_signing_requests", { status: "pending" }) === 0, undefined, 1_100);
    const later = await scrape();
    expect(sampleValue(later, "tsca_signing_requests", { status: "issued" })).toBe(1);
    expect(sampleValue(later, "tsca_signing_request_oldest_pending_age_seconds")).toBe(0);
    expect(sampleValue(later, "tsca_certificates_issued", { ca: inter })).toBe(3);
  });

  it("with --workers 2, --metrics-port is served by the primary and sums the workers' counters", async () => {
    const cluster = await startServe(t, ["--workers", "2", "--metrics-port", "0"]);
    try {
      const line = cluster.logs().find((l) => l.msg === "metrics listening");
      expect(line?.cluster).toBe(true);
      const base = `http://127.0.0.1:${Number(line!.metricsPort)}`;
      // Both workers listen (each logs "listening"); the primary's metrics port is the one place with totals.
      await waitFor(async () => cluster.logs().filter((l) => l.msg === "listening").length >= 2);
      const before = await scrape(base);
      // Fresh connections, so the kernel and the primary spread them over both workers.
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${cluster.base}/ocsp/${inter}/cert/`, {
          method: "POST",
          body: Buffer.from("not DER"),
          headers: { connection: "close" },
        });
        await res.arrayBuffer();
      }
      const after = await scrape(base);
      const malformed = (m: Map<string, Family>): number =>
        requests(m, "none", "malformedRequest") + requests(m, inter, "malformedRequest");
      expect(malformed(after) - malformed(before)).toBe(20);
      // Database gauges are taken once ("first"), not summed over the workers.
      const single = sampleValue(await scrape(), "tsca_certificates_issued", { ca: inter });
      expect(single).toBeGreaterThanOrEqual(2);
      expect(sampleValue(after, "tsca_certificates_issued", { ca: inter })).toBe(single);
      expect(sampleValue(after, "tsca_metrics_database_up")).toBe(1);
    } finally {
      expect(await cluster.stop()).toBe(0);
    }
  });
});

describe("tsca serve without metrics settings", () => {
  it("serves no /metrics and keeps no metrics; --metrics-port equal to --port is refused", async () => {
    const t = tscaEnv(await freshDatabaseUrl("sqlite"));
    tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=No Metrics Root"]);
    const server = await startServe(t);
    try {
      expect((await fetch(`${server.base}/metrics`)).status).toBe(404);
      expect(server.logs().some((l) => l.msg === "metrics listening")).toBe(false);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const r = runTsca(t, ["serve", "--port", "8089", "--metrics-port", "8089"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--metrics-port must differ from --port/);
  });
});
