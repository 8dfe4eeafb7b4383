/**
 * The REST API in the two-host deployment (DESIGN "Who signs, where"; issue 10, "Evidence"): one PostgreSQL
 * database; a key host with CA_DIR that made the CAs, the user and the token on the CLI and runs `tsca
 * worker`; a web host that runs `tsca serve` without a worker and with TSCA_CA_DIR naming a directory that
 * does not exist, so no CA key is reachable from it. A CSR posted to the web host is answered 202 with a
 * Location, signed by the key host's worker, and fetched from the web host; `openssl verify` judges the
 * chain. The web host also edits CAs (PATCH) and revokes — database writes that need no key — and has no
 * route that would make or touch a CA key.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ApiContract } from "../../helpers/api-contract.js";
import { newHome, spawnTsca, tsca, type TscaEnv } from "../../helpers/cli.js";
import { makeCsr, pemBlocks } from "../../helpers/certs.js";
import { curl, type CurlRequest, type CurlResponse } from "../../helpers/curl.js";
import { freshDatabaseUrl, POSTGRES_URL } from "../../helpers/databases.js";
import { ossl, scratch } from "../../helpers/oracles.js";
import { startServe, waitFor, type Server } from "../../helpers/serve.js";

if (!POSTGRES_URL) console.warn("two-host API test skipped: TSCA_TEST_POSTGRES_URL is not set (the split needs a shared PostgreSQL).");

describe.skipIf(!POSTGRES_URL)("REST API on a web host without CA keys, tsca worker on the key host (postgres)", () => {
  let server: Server | undefined;
  let worker: ReturnType<typeof spawnTsca> | undefined;
  const answers: { method: string; path: string; res: CurlResponse }[] = [];

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once("exit", resolve));
      worker.kill("SIGTERM");
      await exited;
    }
    if (server) expect(await server.stop()).toBe(0);
  });

  it("signs through the web host's API with the key host's worker, and keeps key-ish routes away", async () => {
    const dbUrl = (await freshDatabaseUrl("postgres"))!;
    const keyHome = newHome("tsca-api-keyhost-");
    const webHome = newHome("tsca-api-webhost-");
    const noCaDir = join(webHome, "no-such-ca-dir");
    const keyHost: TscaEnv = { home: keyHome, env: { TSCA_HOME: keyHome, TSCA_DATABASE_URL: dbUrl } };
    const webHost: TscaEnv = { home: webHome, env: { TSCA_HOME: webHome, TSCA_DATABASE_URL: dbUrl, TSCA_CA_DIR: noCaDir } };

    // Key host: CAs, a user with sign/revoke/edit on the intermediate, and its token.
    tsca(keyHost, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=Two-host Root"]);
    tsca(keyHost, ["init_ca", "--key-type", "EC", "--parent", "Root", "Inter", "/CN=Two-host Inter"]);
    tsca(keyHost, ["create_user", "pipeline", "--no-password"]);
    tsca(keyHost, ["grant", "pipeline", "view", "sign", "revoke", "edit", "--ca", "Inter"]);
    const token = tsca(keyHost, ["create_token", "pipeline", "--name", "pipeline-ci"]).trim();
    const rootFile = scratch("root.pem", tsca(keyHost, ["dump_ca", "Root"]));
    const interFile = scratch("inter.pem", tsca(keyHost, ["dump_ca", "Inter"]));

    server = await startServe(webHost);
    const api = (path: string, req: CurlRequest = {}): CurlResponse => {
      const res = curl(`${server!.base}${path}`, { token, ...req });
      answers.push({ method: req.method ?? "GET", path, res });
      return res;
    };

    // Submitted before any worker runs: the web host records the request and answers 202 + Location.
    const csr = makeCsr("ec", "/CN=split.example.test");
    const submitted = api("/api/v1/cas/Inter/sign", { method: "POST", json: { csr: csr.pem, alt: ["DNS:split.example.test"] } });
    expect(submitted.status, submitted.body).toBe(202);
    const location = submitted.headers.location!;
    expect(location).toMatch(/^\/api\/v1\/requests\/[0-9a-f]+$/);
    expect((submitted.json as { status: string }).status).toBe("pending");
    expect((api(location).json as { status: string }).status).toBe("pending");

    // The key host's worker signs it; the web host reports it issued. Wait for the status to change.
    worker = spawnTsca(keyHost, ["worker"]);
    let status: { status: string; certificate?: { serial: string; pem: string }; error?: unknown } = { status: "pending" };
    await waitFor(async () => {
      status = api(location).json as typeof status;
      return status.status !== "pending";
    });
    expect(status.status, JSON.stringify(status.error)).toBe("issued");
    const serial = status.certificate!.serial;

    const chain = api(`/api/v1/certificates/${serial}`, { headers: { Accept: "application/pem-certificate-chain" } });
    expect(chain.status).toBe(200);
    const leaf = pemBlocks(chain.body)[0]!;
    expect(ossl(["x509"], leaf)).toBe(ossl(["x509"], status.certificate!.pem));
    const leafFile = scratch("leaf.pem", leaf);
    expect(ossl(["verify", "-CAfile", rootFile, "-untrusted", interFile, leafFile]).trim()).toBe(`${leafFile}: OK`);
    expect(ossl(["x509", "-noout", "-pubkey"], leaf)).toBe(ossl(["req", "-noout", "-pubkey", "-in", csr.path]));

    // Without a worker in the web host there is nothing to wait for there: ?wait answers 202 at once, and the
    // key host's worker issues the request as before.
    const second = api("/api/v1/cas/Inter/sign?wait=60", {
      method: "POST",
      json: { csr: csr.pem, alt: ["DNS:second.split.example.test"] },
    });
    expect(second.status, second.body).toBe(202);
    await waitFor(async () => (api(second.headers.location!).json as { status: string }).status !== "pending");
    expect((api(second.headers.location!).json as { status: string }).status).toBe("issued");

    // The web host edits a CA and revokes: database writes, no key.
    const patched = api("/api/v1/cas/Inter", { method: "PATCH", json: { sign: { ocsp_urls: ["http://ocsp.split.example/"] } } });
    expect(patched.status, patched.body).toBe(200);
    expect((patched.json as { sign: { ocsp_urls: string[] } }).sign.ocsp_urls.map((u) => u.replace(/^URI:/, ""))).toEqual([
      "http://ocsp.split.example/",
    ]);
    expect(tsca(keyHost, ["view_ca", "Inter", "--no-pem"])).toContain("http://ocsp.split.example/");
    const revoked = api(`/api/v1/certificates/${serial}/revoke`, { method: "POST", json: { reason: "superseded" } });
    expect(revoked.status, revoked.body).toBe(200);
    expect((revoked.json as { status: string }).status).toBe("revoked");
    expect(tsca(keyHost, ["view_cert", serial])).toMatch(/Revoked/i);

    // Nothing on the API makes or handles a CA key: no such routes (404, or 405 for a known path).
    for (const [method, path] of [
      ["POST", "/api/v1/cas"],
      ["PUT", "/api/v1/cas/Inter"],
      ["DELETE", "/api/v1/cas/Inter"],
      ["POST", "/api/v1/cas/Inter/key"],
      ["GET", "/api/v1/cas/Inter/key"],
      ["POST", "/api/v1/cas/Inter/revoke"],
      ["POST", "/api/v1/cas/Inter/resign"],
      ["POST", "/api/v1/cas/Inter/crl"],
    ] as const) {
      const res = api(path, { method, json: { name: "New", subject: "/CN=New", key_type: "EC" } });
      expect([404, 405], `${method} ${path}: ${res.status}`).toContain(res.status);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    }
    // A PATCH that would need the key is refused by name.
    const keyish = api("/api/v1/cas/Inter", { method: "PATCH", json: { path_length: 3 } });
    expect(keyish.status).toBe(400);
    expect(keyish.body).toContain("path_length");

    // The web host never made the CA_DIR it was pointed at.
    expect(existsSync(noCaDir)).toBe(false);
    expect(answers.length).toBeGreaterThan(10);
    const contract = await ApiContract.load(server.base);
    for (const { method, path, res } of answers)
      contract.check({ method, path, status: res.status, contentType: res.headers["content-type"], body: res.body });
  });
});
