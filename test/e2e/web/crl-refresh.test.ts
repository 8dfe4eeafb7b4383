/**
 * A new CRL reaches `tsca serve`'s answers within one poll of the database (TSCA_OCSP_POLL_INTERVAL), as a
 * revocation reaches its OCSP answers, instead of whenever the in-memory CRL cache (30 s) runs out.
 *
 * Measured by events, not by the clock: after generate_crls (another process) stored a new CRL, two
 * revocations are made one after the other, each waited for until the server's OCSP answer says so. An
 * OCSP answer cached as good changes only when a poll of the change feed has seen the revocation, so the
 * second one proves a whole poll began after the first revocation, hence after the CRL was stored. The
 * CRL served then must be the new one. The waits are bounded only by a generous hang guard.
 */
import { afterEach, describe, expect, it } from "vitest";
import { tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { freePort } from "../../helpers/certs.js";
import { crlNumberOf, crlText, leaf } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";
import { scratch } from "../../helpers/oracles.js";
import { ocspStatus, startServe, waitFor, type Server } from "../../helpers/serve.js";

const hex = (colon: string): string => colon.replace(/:/g, "");

/** Only against a hung server: the poll runs every 100 ms. */
const HANG_GUARD_MS = 120_000;

describe.each(BACKENDS)("CRL cache of tsca serve (%s)", (backend) => {
  const made: TscaEnv[] = [];
  let server: Server | undefined;

  afterEach(async () => {
    if (server) expect(await server.stop()).toBe(0);
    server = undefined;
    for (const t of made.splice(0)) await disposeInstallation(t);
  });

  it("serves a CRL stored by another process once a poll has seen it, long before the cache would expire", async () => {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const t = tscaEnv(await freshDatabaseUrl(backend), { TSCA_DEFAULT_HOSTNAME: host, TSCA_OCSP_POLL_INTERVAL: "100" });
    made.push(t);
    const root = hex(tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=Refresh Root"]).trim());
    const a = leaf(t, "Root", "a.example.test");
    const b = leaf(t, "Root", "b.example.test");
    tsca(t, ["generate_crls", "--force"]);
    tsca(t, ["generate_ocsp_keys"]);
    server = await startServe(t, ["--port", String(port)]);

    const rootFile = scratch("root.pem", tsca(t, ["dump_ca", "Root"]));
    const aFile = scratch("a.pem", a.pem);
    const bFile = scratch("b.pem", b.pem);
    const status = async (file: string): Promise<string> =>
      (await ocspStatus(`http://${host}/ocsp/${root}/cert/`, rootFile, [file], rootFile)).out;
    const crlNumber = async (): Promise<number> => {
      const res = await fetch(`http://${host}/crl/${root}`);
      expect(res.status).toBe(200);
      return crlNumberOf(crlText(Buffer.from(await res.arrayBuffer()), "DER"));
    };
    // Both leaves are answered (and so cached) as good; the CRL is looked up (and so cached).
    expect(await status(aFile)).toContain(`${aFile}: good`);
    expect(await status(bFile)).toContain(`${bFile}: good`);
    const before = await crlNumber();

    const generated = /: full CRL #(\d+) generated/.exec(tsca(t, ["generate_crls", "--force", "Root"]));
    const stored = Number(generated![1]);
    expect(stored).toBeGreaterThan(before);

    tsca(t, ["revoke_cert", a.serial]);
    await waitFor(async () => (await status(aFile)).includes(`${aFile}: revoked`), HANG_GUARD_MS);
    tsca(t, ["revoke_cert", b.serial]);
    await waitFor(async () => (await status(bFile)).includes(`${bFile}: revoked`), HANG_GUARD_MS);
    expect(await crlNumber()).toBe(stored);
  });
});
