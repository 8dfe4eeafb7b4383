/**
 * lego (Debian 4.9.1) against `tsca serve` over HTTPS (issue 11 evidence; wave2-stack.md §6): http-01,
 * tls-alpn-01 (RFC 8737), dns-01 for a wildcard and its base name through lego's exec provider, External
 * Account Binding, and revocation. Every certificate verifies with `openssl verify` up to the root; after
 * `lego revoke` the OCSP responder named in it says revoked.
 *
 * The validator reaches lego's own http-01/tls-alpn-01 listeners on the ports the server was told
 * (TSCA_ACME_HTTP01_PORT, TSCA_ACME_TLSALPN01_PORT) and finds names and TXT records in the test's DNS
 * server. TSCA_TEST_ACME_SERVER=pebble runs the same tests against Debian's pebble (the reference).
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectIssued, expectRevoked, expectSuccess, missingClient, runClient } from "../../helpers/acme-clients.js";
import { ACME_BACKENDS, startAcmeServer, type AcmeServer } from "../../helpers/acme-server.js";

const skip = missingClient("lego");

/** lego's common options for one account (its state lives in `path`). */
function lego(server: AcmeServer, path: string, args: string[], env: Record<string, string> = {}): ReturnType<typeof runClient> {
  return runClient("lego", ["--server", server.directory, "--email", "lego@example.test", "--accept-tos", "--path", path, ...args], {
    env: { ...server.clientEnv, ...env },
  });
}

const workDir = (): string => mkdtempSync(join(tmpdir(), "tsca-lego-"));
/** Where lego saves the certificate (with its chain) for the first --domains name. */
const certFile = (path: string, name: string): string => join(path, "certificates", `${name.replace(/^\*/, "_")}.crt`);

describe.skipIf(skip !== undefined).each(ACME_BACKENDS)("lego against an ACME server over HTTPS (%s)", (backend) => {
  let server: AcmeServer;
  beforeAll(async () => {
    server = await startAcmeServer({ backend });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("http-01: issues a certificate that verifies, then revokes it and OCSP says revoked", async () => {
    const name = "http.lego.example.test";
    server.addName(name);
    const path = workDir();
    const run = await lego(server, path, ["--domains", name, "--http", "--http.port", `127.0.0.1:${server.http01Port}`, "run"]);
    expectSuccess(run, "lego run --http");
    await expectIssued(server, certFile(path, name), [name]);

    // --keep: the certificate stays where it was instead of moving to lego's archive.
    const revoke = await lego(server, path, ["--domains", name, "revoke", "--keep", "--reason", "4"]);
    expectSuccess(revoke, "lego revoke");
    expect(revoke.output).toMatch(/Certificate was revoked/);
    const ocsp = await expectRevoked(server, certFile(path, name));
    if (server.ocsp) expect(ocsp).toMatch(/Reason: superseded/);
  });

  it("tls-alpn-01: issues a certificate that verifies", async () => {
    const name = "alpn.lego.example.test";
    server.addName(name);
    const path = workDir();
    const run = await lego(server, path, ["--domains", name, "--tls", "--tls.port", `127.0.0.1:${server.tlsAlpn01Port}`, "run"]);
    expectSuccess(run, "lego run --tls");
    await expectIssued(server, certFile(path, name), [name]);
  });

  it("dns-01: a wildcard and its base name through the exec provider (one TXT name, two values)", async () => {
    const base = "w.lego.example.test";
    const path = workDir();
    // lego's exec provider calls `hook present|cleanup FQDN VALUE`; the hook hands that to the DNS server.
    const hook = join(path, "hook.sh");
    writeFileSync(
      hook,
      `#!/bin/sh\ncase "$1" in present|cleanup) exec curl -fsS --data-urlencode "name=$2" --data-urlencode "value=$3" "${server.hookUrl}/$1" ;; esac\n`,
    );
    chmodSync(hook, 0o700);
    const run = await lego(
      server,
      path,
      ["--domains", `*.${base}`, "--domains", base, "--dns", "exec", "--dns.resolvers", server.dns.address, "--dns.disable-cp", "run"],
      // Without these lego waits 60 s between the two values of one TXT name, and polls for minutes.
      { EXEC_PATH: hook, EXEC_PROPAGATION_TIMEOUT: "30", EXEC_POLLING_INTERVAL: "1", EXEC_SEQUENCE_INTERVAL: "1" },
    );
    expectSuccess(run, "lego run --dns exec");
    await expectIssued(server, certFile(path, `*.${base}`), [`*.${base}`, base]);
  });
});

describe.skipIf(skip !== undefined).each(ACME_BACKENDS)(
  "lego against an ACME server that requires External Account Binding (%s)",
  (backend) => {
    let server: AcmeServer;
    beforeAll(async () => {
      server = await startAcmeServer({ eabRequired: true, backend });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("registers only with an EAB key, then issues", async () => {
      const name = "eab.lego.example.test";
      server.addName(name);
      const http = ["--domains", name, "--http", "--http.port", `127.0.0.1:${server.http01Port}`, "run"];
      const refused = await lego(server, workDir(), http);
      expect(refused.code).not.toBe(0);
      // lego reads externalAccountRequired in the directory's meta (RFC 8555 §7.1.1) and stops before registering.
      expect(refused.output).toMatch(/Server requires External Account Binding/);

      const { kid, hmacKey } = server.eab();
      const path = workDir();
      const run = await lego(server, path, ["--eab", `--kid=${kid}`, `--hmac=${hmacKey}`, ...http]);
      expectSuccess(run, "lego run --eab");
      await expectIssued(server, certFile(path, name), [name]);
    });
  },
);
