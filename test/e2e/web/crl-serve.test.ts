/**
 * CRLs fetched from a running `tsca serve` (issue 4, "Evidence"): the key host makes the CRLs with
 * generate_crls; a server whose CA_DIR does not exist (a web host without keys) serves them; openssl
 * verifies a chain with them (-crl_check_all): a good leaf passes, a revoked one gets error 23.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { spawnTsca, tsca, tscaEnv } from "../../helpers/cli.js";
import { freePort } from "../../helpers/certs.js";
import { crlText, leaf, makePki, verifyWithCrls } from "../../helpers/crl.js";

let server: ReturnType<typeof spawnTsca> | undefined;
afterEach(() => {
  server?.kill("SIGTERM");
  server = undefined;
});

async function waitForServer(base: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${base}/healthz`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error("tsca serve did not start");
}

describe.each(BACKENDS)("CRLs from tsca serve (%s)", (backend) => {
  it("a server without CA keys serves what generate_crls stored; openssl verify -crl_check_all uses it", async () => {
    const url = await freshDatabaseUrl(backend);
    const keyHost = tscaEnv(url);
    const pki = makePki(keyHost);
    const good = leaf(keyHost, "Inter", "good.example.test");
    const revoked = leaf(keyHost, "Inter", "revoked.example.test");
    tsca(keyHost, ["revoke_cert", revoked.serial, "--reason", "key_compromise"]);
    // init_ca stored each CA's first CRLs before this revocation; the timer's next run (no --force) renews
    // Inter's because of it.
    expect(tsca(keyHost, ["generate_crls"])).toMatch(/^"Inter" .*: full CRL #\d+ generated, 1 entry,/m);

    const port = await freePort();
    const webEnv: Record<string, string> = { ...keyHost.env, TSCA_CA_DIR: join(keyHost.home, "no-such-ca-dir") };
    if (!url) webEnv.TSCA_DATABASE_URL = join(keyHost.home, "tsca.sqlite3");
    server = spawnTsca({ home: keyHost.home, env: webEnv }, ["serve", "--port", String(port)]);
    const base = `http://127.0.0.1:${port}`;
    await waitForServer(base);

    const get = async (path: string): Promise<{ status: number; type: string | null; body: Buffer }> => {
      const res = await fetch(`${base}${path}`);
      return { status: res.status, type: res.headers.get("content-type"), body: Buffer.from(await res.arrayBuffer()) };
    };
    const userCrl = await get(`/crl/${pki.inter.replace(/:/g, "")}`);
    expect(userCrl.status).toBe(200);
    expect(userCrl.type).toBe("application/pkix-crl");
    expect(crlText(userCrl.body, "DER")).toContain(`Serial Number: ${revoked.hex}`);
    const caCrl = await get(`/crl/ca/${pki.root.replace(/:/g, "")}?encoding=PEM`);
    expect(caCrl.status).toBe(200);
    const issuer = await get(`/issuer/${pki.inter.replace(/:/g, "")}.der`);
    expect(issuer.type).toBe("application/pkix-cert");

    const crls = [(await get(`/crl/${pki.inter.replace(/:/g, "")}?encoding=PEM`)).body.toString(), caCrl.body.toString()];
    const ok = verifyWithCrls(pki.rootPem, [pki.interPem], crls, good.pem);
    expect(ok.out).toMatch(/: OK\n/);
    expect(ok.code).toBe(0);
    const bad = verifyWithCrls(pki.rootPem, [pki.interPem], crls, revoked.pem);
    expect(bad.out).toMatch(/error 23 at 0 depth lookup: certificate revoked/);
  });
});
