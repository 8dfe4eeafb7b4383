/**
 * `tsca serve` outlives its PostgreSQL database (issue 14, "High" items 1 and 2), with one worker and with
 * `--workers 2`: the database is really stopped (`pg_ctlcluster … stop -m fast`, a cluster only these
 * tests use) and started again.
 *
 * While it is down the server stays up and answers from what it has: an OCSP response signed before is
 * served while valid (also once memory is stale), an uncached certificate gets tryLater (as openssl reads it),
 * a CRL read before is served until its nextUpdate, anything else is 503 problem+json (RFC 9457, the body
 * docs/errors.md promises, with Retry-After and nothing of the driver's failure), /healthz is 503. When the database is back
 * it recovers by itself. Starting while the database is down waits (retrying with backoff, one warn line
 * each) and serves degraded meanwhile; SIGTERM stops it at any time.
 *
 * Every test that stops the cluster is in this file, so they run one after another, and the cluster is
 * started again in `finally`. Requests go on fresh connections so that the cluster primary spreads them over
 * the workers; conditions are awaited with generous upper bounds, never timed.
 */
import { readFileSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { leaf, makePki } from "../../helpers/crl.js";
import { scratch } from "../../helpers/oracles.js";
import { OUTAGE_CLUSTER, OUTAGE_URL, freshGet, freshSchemaUrl, outageCluster, type Fetched } from "../../helpers/outage.js";
import { opensslAsync, responseStatus, startServe, waitFor, type Server } from "../../helpers/serve.js";

const enabled = Boolean(OUTAGE_URL && OUTAGE_CLUSTER);
if (!enabled)
  console.warn("Database outage cases skipped: TSCA_TEST_PG_OUTAGE_URL and TSCA_TEST_PG_OUTAGE_CLUSTER are not set (.ci/run sets them).");
const hex = (colon: string): string => colon.replace(/:/g, "");
/** OCSPResponseStatus (RFC 6960 §4.2.1). */
const SUCCESSFUL = 0;
const TRY_LATER = 3;
/** Upper bound for conditions that normally hold within a second or two. */
const PATIENCE_MS = 60_000;

interface Installation {
  t: TscaEnv;
  root: string;
  inter: string;
  rootFile: string;
  interFile: string;
  /** A GET path per leaf, with the leaf's DER request (no nonce, RFC 5019) kept for openssl. */
  leaves: { path: string; req: string }[];
}

const homes: string[] = [];
afterAll(async () => {
  if (enabled) await outageCluster("start");
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

/** Root → Inter, two leaves of Inter, OCSP responder keys and CRLs, in a fresh schema of the outage cluster. */
async function install(): Promise<Installation> {
  const t = tscaEnv(await freshSchemaUrl(OUTAGE_URL!), {
    TSCA_OCSP_POLL_INTERVAL: "100",
    TSCA_DATABASE_TIMEOUT: "1000",
  });
  homes.push(t.home);
  const pki = makePki(t);
  const rootFile = scratch("root.pem", pki.rootPem);
  const interFile = scratch("inter.pem", pki.interPem);
  const leaves: Installation["leaves"] = [];
  for (const cn of ["cached.example.test", "uncached.example.test"]) {
    const l = leaf(t, "Inter", cn);
    const req = scratch("req.der");
    const r = await opensslAsync(["ocsp", "-issuer", interFile, "-cert", scratch("leaf.pem", l.pem), "-no_nonce", "-reqout", req]);
    expect(r.code, r.stderr).toBe(0);
    leaves.push({ path: `/ocsp/${hex(pki.inter)}/cert/${encodeURIComponent(readFileSync(req).toString("base64"))}`, req });
  }
  tsca(t, ["generate_ocsp_keys"]);
  tsca(t, ["generate_crls"]);
  return { t, root: hex(pki.root), inter: hex(pki.inter), rootFile, interFile, leaves };
}

/** openssl's verdict on an OCSP response to `req`: the certificate status, after verifying the signature. */
async function certStatus(inst: Installation, res: Fetched, req: string): Promise<string> {
  const resp = scratch("resp.der", res.body);
  const args = ["ocsp", "-respin", resp, "-reqin", req, "-issuer", inst.interFile, "-CAfile", inst.rootFile];
  const r = await opensslAsync([...args, "-verify_other", inst.interFile, "-resp_text"]);
  expect(r.stderr).toContain("Response verify OK");
  return /Cert Status: (\w+)/.exec(r.stdout)?.[1] ?? `no status in: ${r.stdout}${r.stderr}`;
}

/** `count` GETs of `path`, each on a new connection (so every worker answers some of them). */
async function getAll(server: Server, path: string, count: number): Promise<Fetched[]> {
  const out: Fetched[] = [];
  for (let i = 0; i < count; i++) out.push(await freshGet(`${server.base}${path}`));
  return out;
}

/** Repeats `path` on new connections until each of `workers` processes has answered it (access log). */
async function warm(server: Server, path: string, workers: number): Promise<void> {
  await waitFor(
    async () => {
      expect((await freshGet(`${server.base}${path}`)).status).toBe(200);
      // The access log shortens long URLs; the first 150 characters name the request well enough here.
      const served = server.logs().filter((l) => l.msg === "request" && l.status === 200 && String(l.url).startsWith(path.slice(0, 150)));
      const pids = new Set(served.map((l) => l.pid));
      return pids.size >= workers;
    },
    PATIENCE_MS,
    0,
  );
}

/**
 * Repeats an OCSP GET on new connections until each of `workers` processes answers it from memory: a
 * response signed anew differs from every earlier one (ECDSA signatures are randomised), so the same bytes
 * seen twice were served from memory, and `workers` such responses mean every worker keeps one.
 */
async function warmOcsp(server: Server, path: string, workers: number): Promise<void> {
  const seen = new Map<string, number>();
  await waitFor(
    async () => {
      const r = await freshGet(`${server.base}${path}`);
      expect(responseStatus(r.body)).toBe(SUCCESSFUL);
      const body = r.body.toString("hex");
      seen.set(body, (seen.get(body) ?? 0) + 1);
      return [...seen.values()].filter((n) => n >= 2).length >= workers;
    },
    PATIENCE_MS,
    0,
  );
}

/**
 * The whole 503 answer of a CRL that cannot be read (docs/errors.md, "Database outage"): problem+json with
 * the code's type, Retry-After, not cacheable, and no trace of the driver's failure (address, errno).
 */
function expectOutageProblem(r: Fetched): void {
  expect(r.status, r.body.toString()).toBe(503);
  expect(r.type).toBe("application/problem+json");
  expect(r.headers["retry-after"]).toMatch(/^\d+$/);
  expect(r.headers["cache-control"]).toBe("no-store");
  const body = JSON.parse(r.body.toString()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: "urn:tsca:error:ERR_DATABASE", title: "Service Unavailable", status: 503, code: "ERR_DATABASE" });
  expect(String(body.detail)).toMatch(/^[A-Z][^\n]*\.$/);
  expect(r.body.toString()).not.toMatch(/ECONNREFUSED|ECONNRESET|127\.0\.0\.1|5433|terminating connection|stack/i);
}

/** openssl's reading of an unsigned OCSP error response. */
async function opensslResponderError(res: Fetched): Promise<string> {
  const r = await opensslAsync(["ocsp", "-respin", scratch("error.der", res.body), "-resp_text", "-noverify"]);
  return /Responder Error: (\w+)/.exec(r.stdout + r.stderr)?.[1] ?? `no responder error in: ${r.stdout}${r.stderr}`;
}

async function expectAlive(server: Server): Promise<void> {
  expect(server.proc.exitCode).toBeNull();
  expect(server.logs().filter((l) => l.msg === "worker exited; starting another")).toEqual([]);
}

describe.skipIf(!enabled).each([1, 2])("tsca serve --workers %d outlives a PostgreSQL outage", (workers) => {
  it("answers from memory, tryLater or 503 while the database is down, and recovers by itself", async () => {
    const inst = await install();
    const [cached, uncached] = inst.leaves;
    const userCrl = `/crl/${inst.inter}`;
    const caCrl = `/crl/ca/${inst.root}`;
    const server = await startServe(inst.t, ["--workers", String(workers), "--access-log"]);
    let stopped: number | null = null;
    try {
      await waitFor(async () => server.logs().filter((l) => l.msg === "listening").length === workers, PATIENCE_MS);
      await warmOcsp(server, cached!.path, workers);
      await warm(server, userCrl, workers);

      await outageCluster("stop");
      // Memory is not trusted once the feed has been unreadable for 5 s (staleAfterMs): wait past that on
      // every worker, so what follows shows answers from memory because the database is down.
      await waitFor(
        async () =>
          (await getAll(server, "/healthz", 2 * workers)).every(
            (r) => r.status === 503 && (JSON.parse(r.body.toString()) as { revocationFeedAgeMs: number }).revocationFeedAgeMs > 5_500,
          ),
        PATIENCE_MS,
      );
      await expectAlive(server);

      for (const r of await getAll(server, cached!.path, 2 * workers)) {
        // On failure, the server's warnings say why (the OCSP error status detail is logged).
        expect(responseStatus(r.body), JSON.stringify(server.logs().filter((l) => Number(l.level) >= 40))).toBe(SUCCESSFUL);
        expect(await certStatus(inst, r, cached!.req)).toBe("good");
      }
      for (const r of await getAll(server, uncached!.path, 2 * workers)) {
        expect(r.status).toBe(200);
        expect(r.type).toBe("application/ocsp-response");
        expect(responseStatus(r.body)).toBe(TRY_LATER);
      }
      expect(await opensslResponderError(await freshGet(`${server.base}${uncached!.path}`))).toBe("trylater");
      // A CRL read before is served until its nextUpdate; one never read is 503 problem+json (RFC 9457).
      for (const r of await getAll(server, userCrl, 2 * workers)) expect(r.status).toBe(200);
      for (const r of await getAll(server, caCrl, 2 * workers)) expectOutageProblem(r);
      // A CA certificate never read before: the same answer.
      expectOutageProblem(await freshGet(`${server.base}/issuer/${inst.root}.der`));
      const health = await freshGet(`${server.base}/healthz`);
      expect(JSON.parse(health.body.toString())).toMatchObject({ status: "unavailable", database: "unavailable" });
      await expectAlive(server);

      await outageCluster("start");
      await waitFor(async () => {
        const answers = await getAll(server, uncached!.path, 2 * workers);
        return answers.every((r) => responseStatus(r.body) === SUCCESSFUL);
      }, PATIENCE_MS);
      expect(await certStatus(inst, await freshGet(`${server.base}${uncached!.path}`), uncached!.req)).toBe("good");
      await waitFor(async () => (await getAll(server, caCrl, 2 * workers)).every((r) => r.status === 200), PATIENCE_MS);
      expect((await freshGet(`${server.base}/issuer/${inst.root}.der`)).status).toBe(200);
      await waitFor(async () => (await getAll(server, "/healthz", 2 * workers)).every((r) => r.status === 200), PATIENCE_MS);
      await expectAlive(server);
      const logs = server.logs();
      expect(logs.some((l) => l.level === 40 && String(l.msg).startsWith("database unavailable"))).toBe(true);
      expect(logs.some((l) => String(l.msg).startsWith("database available again"))).toBe(true);
    } finally {
      // Stop the server before anything else can fail, so that it never outlives the test.
      stopped = await server.stop();
      await outageCluster("start");
    }
    expect(stopped).toBe(0);
    expect(server.logs().filter((l) => l.msg === "stopped")).toHaveLength(workers);
    expect(server.stderr()).toBe("");
  });
});

describe.skipIf(!enabled)("tsca serve --workers 2 during a PostgreSQL outage", () => {
  it("replaces a worker that dies with one that serves degraded, and both recover", async () => {
    const inst = await install();
    const [cert] = inst.leaves;
    const server = await startServe(inst.t, ["--workers", "2"]);
    let stopped: number | null = null;
    const listening = () => server.logs().filter((l) => l.msg === "listening");
    try {
      await waitFor(async () => listening().length === 2, PATIENCE_MS);
      await outageCluster("stop");
      await waitFor(async () => (await getAll(server, "/healthz", 4)).every((r) => r.status === 503), PATIENCE_MS);
      process.kill(Number(listening()[0]!.pid), "SIGKILL");
      // The replacement starts while the database is down: it must listen (degraded), not hang.
      await waitFor(async () => listening().length === 3, PATIENCE_MS);
      expect(listening()[2]).toMatchObject({ database: "unavailable" });
      expect(server.logs().filter((l) => l.msg === "worker exited; starting another")).toHaveLength(1);
      for (const r of await getAll(server, "/healthz", 4)) expect(r.status).toBe(503);
      for (const r of await getAll(server, cert!.path, 4)) expect(responseStatus(r.body)).toBe(TRY_LATER);

      await outageCluster("start");
      await waitFor(async () => (await getAll(server, "/healthz", 4)).every((r) => r.status === 200), PATIENCE_MS);
      await waitFor(async () => (await getAll(server, cert!.path, 4)).every((r) => responseStatus(r.body) === SUCCESSFUL), PATIENCE_MS);
      expect(await certStatus(inst, await freshGet(`${server.base}${cert!.path}`), cert!.req)).toBe("good");
    } finally {
      stopped = await server.stop();
      await outageCluster("start");
    }
    expect(stopped).toBe(0);
  });
});

describe.skipIf(!enabled).each([1, 2])("tsca serve --workers %d started while PostgreSQL is down", (workers) => {
  const retries = (server: Server) => server.logs().filter((l) => l.msg === "cannot use the database; retrying");

  it("retries with backoff and serves degraded meanwhile, then normally once the database is up", async () => {
    const inst = await install();
    const [cert] = inst.leaves;
    await outageCluster("stop");
    let server: Server | undefined;
    try {
      server = await startServe(inst.t, ["--workers", String(workers)], PATIENCE_MS);
      const s = server;
      await waitFor(async () => s.logs().filter((l) => l.msg === "listening").length === workers, PATIENCE_MS);
      expect(
        s
          .logs()
          .filter((l) => l.msg === "listening")
          .every((l) => l.database === "unavailable"),
      ).toBe(true);
      // One warn line per failed attempt, with growing waits.
      await waitFor(async () => retries(s).length >= 2 * workers, PATIENCE_MS);
      expect(retries(s)[0]).toMatchObject({ level: 40, attempt: 1 });
      expect(String(retries(s)[0]!.err)).toMatch(/^Cannot connect to the PostgreSQL database/);

      for (const r of await getAll(s, "/healthz", 2 * workers)) expect(r.status).toBe(503);
      for (const r of await getAll(s, cert!.path, 2 * workers)) expect(responseStatus(r.body)).toBe(TRY_LATER);
      for (const r of await getAll(s, `/crl/${inst.inter}`, 2 * workers)) expectOutageProblem(r);

      await outageCluster("start");
      await waitFor(async () => (await getAll(s, "/healthz", 2 * workers)).every((r) => r.status === 200), PATIENCE_MS);
      const answer = await freshGet(`${s.base}${cert!.path}`);
      expect(await certStatus(inst, answer, cert!.req)).toBe("good");
      expect((await freshGet(`${s.base}/crl/${inst.inter}`)).status).toBe(200);
      expect(s.logs().filter((l) => l.msg === "database available: serving normally")).toHaveLength(workers);
      await expectAlive(s);
    } finally {
      const stopped = await server?.stop();
      await outageCluster("start");
      if (server) expect(stopped).toBe(0);
    }
  });

  it("stops on SIGTERM while it is still waiting for the database", async () => {
    const inst = await install();
    await outageCluster("stop");
    try {
      const server = await startServe(inst.t, ["--workers", String(workers)], PATIENCE_MS);
      let stopped: number | null = null;
      try {
        await waitFor(async () => retries(server).length >= 2 * workers, PATIENCE_MS);
      } finally {
        stopped = await server.stop();
      }
      expect(stopped).toBe(0);
      expect(server.logs().filter((l) => l.msg === "stopped")).toHaveLength(workers);
    } finally {
      await outageCluster("start");
    }
  });
});
