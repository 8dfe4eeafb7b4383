/**
 * A black-holed database does not make `tsca serve` hang (issue 14): between the server and PostgreSQL sits
 * a TCP proxy in this test process that, at some point, stops forwarding while keeping every socket open.
 * With TSCA_DATABASE_TIMEOUT=1000, an OCSP request for a certificate not in memory is answered tryLater, a
 * cached one still good, an unread CRL 503, and /healthz turns 503; once the path works again, the server
 * recovers by itself. The client waits for the HTTP response event up to 60 s (far above the 1 s bound), so
 * a hang fails the test instead of timing anything.
 */
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { leaf, makePki } from "../../helpers/crl.js";
import { POSTGRES_URL, freshDatabaseUrl } from "../../helpers/databases.js";
import { scratch } from "../../helpers/oracles.js";
import { BlackHoleProxy, freshGet } from "../../helpers/outage.js";
import { opensslAsync, readOcspResponse, responseStatus, startServe, waitFor, type Server } from "../../helpers/serve.js";

const hex = (colon: string): string => colon.replace(/:/g, "");
const SUCCESSFUL = 0;
const TRY_LATER = 3;
const PATIENCE_MS = 60_000;

describe.skipIf(!POSTGRES_URL)("tsca serve with a black-holed PostgreSQL", () => {
  let t: TscaEnv;
  let proxy: BlackHoleProxy;
  let server: Server | undefined;
  let inter: string;
  let rootFile: string;
  let interFile: string;
  const requests: { path: string; req: string }[] = [];

  beforeAll(async () => {
    const direct = (await freshDatabaseUrl("postgres"))!;
    const target = new URL(direct);
    proxy = new BlackHoleProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(direct);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    // The CLI talks to the database directly; only the server goes through the proxy.
    t = tscaEnv(direct, { TSCA_OCSP_POLL_INTERVAL: "100", TSCA_DATABASE_TIMEOUT: "1000" });
    const pki = makePki(t);
    inter = hex(pki.inter);
    rootFile = scratch("root.pem", pki.rootPem);
    interFile = scratch("inter.pem", pki.interPem);
    for (const cn of ["cached.example.test", "uncached.example.test"]) {
      const l = leaf(t, "Inter", cn);
      const req = scratch("req.der");
      const r = await opensslAsync(["ocsp", "-issuer", interFile, "-cert", scratch("leaf.pem", l.pem), "-no_nonce", "-reqout", req]);
      expect(r.code, r.stderr).toBe(0);
      requests.push({ path: `/ocsp/${inter}/cert/${encodeURIComponent(readFileSync(req).toString("base64"))}`, req });
    }
    tsca(t, ["generate_ocsp_keys"]);
    tsca(t, ["generate_crls"]);
    server = await startServe({ home: t.home, env: { ...t.env, TSCA_DATABASE_URL: viaProxy.toString() } });
  });

  afterAll(async () => {
    proxy?.restore();
    if (server) expect(await server.stop()).toBe(0);
    await proxy?.stop();
    if (t) rmSync(t.home, { recursive: true, force: true });
  });

  async function goodAnswer(r: { body: Buffer }, req: string): Promise<void> {
    const v = await readOcspResponse(scratch("resp.der", r.body), req, interFile, rootFile);
    expect(v.stderr).toContain("Response verify OK");
    expect(v.stdout).toContain("Cert Status: good");
  }

  it("answers tryLater instead of hanging, and recovers when the path works again", async () => {
    const s = server!;
    const [cached, uncached] = requests;
    const first = await freshGet(`${s.base}${cached!.path}`);
    expect(responseStatus(first.body)).toBe(SUCCESSFUL);

    proxy.blackHole();
    // Every request waits for its HTTP response event; the 60 s client limit only catches a hang.
    const unknown = await freshGet(`${s.base}${uncached!.path}`, PATIENCE_MS);
    expect(unknown.status).toBe(200);
    expect(responseStatus(unknown.body)).toBe(TRY_LATER);
    const known = await freshGet(`${s.base}${cached!.path}`, PATIENCE_MS);
    expect(responseStatus(known.body)).toBe(SUCCESSFUL);
    await goodAnswer(known, cached!.req);
    const crl = await freshGet(`${s.base}/crl/${inter}`, PATIENCE_MS);
    expect(crl.status).toBe(503);
    expect(String(crl.type)).toMatch(/^application\/problem\+json/);
    await waitFor(async () => (await freshGet(`${s.base}/healthz`, PATIENCE_MS)).status === 503, PATIENCE_MS);
    // Still black-holed, and memory is stale by now: the answers stay the same.
    await waitFor(async () => {
      const h = JSON.parse((await freshGet(`${s.base}/healthz`, PATIENCE_MS)).body.toString()) as { revocationFeedAgeMs: number };
      return h.revocationFeedAgeMs > 5_500;
    }, PATIENCE_MS);
    expect(responseStatus((await freshGet(`${s.base}${uncached!.path}`, PATIENCE_MS)).body)).toBe(TRY_LATER);
    await goodAnswer(await freshGet(`${s.base}${cached!.path}`, PATIENCE_MS), cached!.req);
    expect(s.proc.exitCode).toBeNull();

    proxy.restore();
    await waitFor(async () => responseStatus((await freshGet(`${s.base}${uncached!.path}`, PATIENCE_MS)).body) === SUCCESSFUL, PATIENCE_MS);
    await goodAnswer(await freshGet(`${s.base}${uncached!.path}`), uncached!.req);
    await waitFor(async () => (await freshGet(`${s.base}/healthz`)).status === 200, PATIENCE_MS);
    expect((await freshGet(`${s.base}/crl/${inter}`)).status).toBe(200);
  });
});
