/**
 * The two-host deployment (DESIGN principle 1): a key host runs the CLI with CA_DIR; a web host runs
 * `tsca serve` with an environment that has no CA_DIR at all, sharing only the database and the OCSP key
 * directory. While the web host serves, the key host's CA_DIR is moved away, so nothing could read a CA key.
 * The web host serves the CRLs generate_crls stored (checked by `openssl crl` and `openssl verify
 * -crl_check_all`), answers OCSP, and reflects a revocation made on the key host within one poll interval.
 * With PostgreSQL this is the deployment as documented; with SQLite both processes share one database file.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newHome, tsca, type TscaEnv } from "../../helpers/cli.js";
import { expectCrlSignedBy, leaf, makePki, verifyWithCrls } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { ossl, scratch } from "../../helpers/oracles.js";
import { ocspStatus, opensslAsync, startServe, waitFor, type Server } from "../../helpers/serve.js";

const POLL_MS = 100;
const hex = (colon: string): string => colon.replace(/:/g, "");

describe.each(BACKENDS)("two hosts sharing one database (%s)", (backend) => {
  let server: Server | undefined;
  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
  });

  it("serves CRLs and OCSP from a host without CA_DIR and sees the key host's revocations", async () => {
    const keyHome = newHome("tsca-keyhost-");
    const webHome = newHome("tsca-webhost-");
    const ocspDir = mkdtempSync(join(tmpdir(), "tsca-ocsp-shared-"));
    const dbUrl = (await freshDatabaseUrl(backend)) ?? join(keyHome, "tsca.sqlite3");
    const keyHost: TscaEnv = { home: keyHome, env: { TSCA_HOME: keyHome, TSCA_DATABASE_URL: dbUrl, TSCA_OCSP_KEY_DIR: ocspDir } };
    const webHost: TscaEnv = {
      home: webHome,
      env: { TSCA_HOME: webHome, TSCA_DATABASE_URL: dbUrl, TSCA_OCSP_KEY_DIR: ocspDir, TSCA_OCSP_POLL_INTERVAL: String(POLL_MS) },
    };

    // Key host: CAs, certificates, CRLs and OCSP responder keys.
    const pki = makePki(keyHost);
    const good = leaf(keyHost, "Inter", "good.example.test");
    const bad = leaf(keyHost, "Inter", "bad.example.test");
    tsca(keyHost, ["generate_crls"]);
    tsca(keyHost, ["generate_ocsp_keys"]);

    // No CA key is reachable while the web host runs.
    const caDir = join(keyHome, "ca");
    const offline = join(keyHome, "ca-offline");
    renameSync(caDir, offline);
    chmodSync(offline, 0o000);
    try {
      server = await startServe(webHost);
      expect(webHost.env.TSCA_CA_DIR).toBeUndefined();
      const environ = readFileSync(`/proc/${server.proc.pid}/environ`, "latin1").split("\0");
      expect(environ.some((e) => e.startsWith("TSCA_CA_DIR="))).toBe(false);

      const rootFile = scratch("root.pem", pki.rootPem);
      const interFile = scratch("inter.pem", pki.interPem);
      const fetchCrl = async (path: string): Promise<string> => {
        const res = await fetch(`${server!.base}${path}`);
        expect(res.status, path).toBe(200);
        expect(res.headers.get("content-type")).toBe("application/pkix-crl");
        return ossl(["crl", "-inform", "DER", "-outform", "PEM"], Buffer.from(await res.arrayBuffer()));
      };
      const userCrl = await fetchCrl(`/crl/${hex(pki.inter)}`);
      const caCrl = await fetchCrl(`/crl/ca/${hex(pki.root)}`);
      expectCrlSignedBy(userCrl, pki.interPem);
      expectCrlSignedBy(caCrl, pki.rootPem);
      expect(verifyWithCrls(pki.rootPem, [pki.interPem], [userCrl, caCrl], good.pem).out).toContain("OK");
      const issuer = await fetch(`${server.base}/issuer/${hex(pki.inter)}.der`);
      expect(ossl(["x509", "-inform", "DER"], Buffer.from(await issuer.arrayBuffer()))).toBe(pki.interPem);

      const url = `${server.base}/ocsp/${hex(pki.inter)}/cert/`;
      const badFile = scratch("bad.pem", bad.pem);
      const ask = () => ocspStatus(url, interFile, [badFile], rootFile, ["-verify_other", interFile]);
      const before = await ask();
      expect(before.out).toContain("Response verify OK");
      expect(before.out).toContain(`${badFile}: good`);
      expect((await ask()).out).toContain(`${badFile}: good`);

      // Key host revokes (a database write; no CA key needed); the web host must follow at once. The
      // delay is timed over plain HTTP (no process start-up in the loop); openssl judges the result.
      const reqFile = scratch("req.der");
      await opensslAsync(["ocsp", "-issuer", interFile, "-cert", badFile, "-no_nonce", "-reqout", reqFile]);
      const post = async (): Promise<Buffer> =>
        Buffer.from(
          await (
            await fetch(url, { method: "POST", body: readFileSync(reqFile), headers: { "content-type": "application/ocsp-request" } })
          ).arrayBuffer(),
        );
      const cached = await post();
      expect((await post()).equals(cached)).toBe(true);
      tsca(keyHost, ["revoke_cert", bad.hex, "--reason", "superseded"]);
      const t0 = Date.now();
      await waitFor(async () => !(await post()).equals(cached), 5_000, 10);
      expect(Date.now() - t0).toBeLessThan(POLL_MS + 400);
      const after = await ask();
      expect(after.out).toContain("Response verify OK");
      expect(after.out).toContain("Reason: superseded");

      expect(await server.stop()).toBe(0);
      server = undefined;
      // The web host never made a CA_DIR of its own.
      expect(existsSync(join(webHome, "ca"))).toBe(false);
    } finally {
      chmodSync(offline, 0o700);
      renameSync(offline, caDir);
    }
  });
});
