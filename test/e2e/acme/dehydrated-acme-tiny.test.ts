/**
 * The two small Debian clients against `tsca serve` over HTTPS (issue 11 evidence; wave2-stack.md §6):
 * dehydrated 0.7.0 (bash + curl + openssl) with dns-01 through its hook for a wildcard and its base name,
 * then `dehydrated --revoke`; acme-tiny 5.0.1 with http-01 from a web root that a static HTTP server in
 * this test serves on the port the server's validator connects to. Every certificate verifies with
 * `openssl verify` up to the root; a revoked one is reported revoked by `openssl ocsp`.
 *
 * dehydrated trusts the server's TLS root through CURL_CA_BUNDLE, acme-tiny (Python urllib) through
 * SSL_CERT_FILE. dehydrated does not retry badNonce: the server must not reject good nonces.
 * TSCA_TEST_ACME_SERVER=pebble runs the same tests against Debian's pebble (the reference).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectIssued, expectRevoked, expectSuccess, missingClient, pemBlocks, runClient } from "../../helpers/acme-clients.js";
import { ACME_BACKENDS, startAcmeServer, type AcmeServer } from "../../helpers/acme-server.js";
import { newEcKeyArgs, openssl } from "../../helpers/cli.js";

const skipDehydrated = missingClient("dehydrated");
const skipAcmeTiny = missingClient("acme-tiny");

const workDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `tsca-${prefix}-`));

describe.skipIf(skipDehydrated !== undefined && skipAcmeTiny !== undefined).each(ACME_BACKENDS)(
  "dehydrated and acme-tiny against an ACME server over HTTPS (%s)",
  (backend) => {
    let server: AcmeServer;
    beforeAll(async () => {
      server = await startAcmeServer({ backend });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it.skipIf(skipDehydrated !== undefined)("dehydrated: dns-01 hook for a wildcard and its base name, then --revoke", async () => {
      const base = "w.dehydrated.example.test";
      const dir = workDir("dehydrated");
      // deploy_challenge/clean_challenge DOMAIN TOKEN_FILENAME TOKEN_VALUE, once per name (HOOK_CHAIN=no);
      // dehydrated calls the hook for its other events too (startup_hook, deploy_cert, …): ignored.
      const hook = join(dir, "hook.sh");
      writeFileSync(
        hook,
        [
          "#!/bin/sh",
          'case "$1" in',
          `  deploy_challenge) exec curl -fsS --data-urlencode "name=_acme-challenge.$2" --data-urlencode "value=$4" "${server.hookUrl}/present" ;;`,
          `  clean_challenge) exec curl -fsS --data-urlencode "name=_acme-challenge.$2" --data-urlencode "value=$4" "${server.hookUrl}/cleanup" ;;`,
          "esac",
          "",
        ].join("\n"),
      );
      chmodSync(hook, 0o700);
      const config = join(dir, "config");
      writeFileSync(
        config,
        [
          `CA="${server.directory}"`,
          `BASEDIR="${dir}"`,
          'CHALLENGETYPE="dns-01"',
          `HOOK="${hook}"`,
          "KEY_ALGO=prime256v1",
          'CONTACT_EMAIL="dehydrated@example.test"',
          "",
        ].join("\n"),
      );
      const dehydrated = (args: string[]): ReturnType<typeof runClient> =>
        runClient("dehydrated", ["-f", config, ...args], { env: server.clientEnv, cwd: dir });

      expectSuccess(await dehydrated(["--register", "--accept-terms"]), "dehydrated --register");
      const run = await dehydrated(["-c", "-d", base, "-d", `*.${base}`, "--alias", "wild"]);
      expectSuccess(run, "dehydrated -c");
      const cert = join(dir, "certs", "wild", "cert.pem");
      await expectIssued(server, cert, [base, `*.${base}`]);
      // fullchain.pem: the certificate, then the chain the server sent (RFC 8555 §7.4.2).
      expect(pemBlocks(join(dir, "certs", "wild", "fullchain.pem")).length).toBeGreaterThanOrEqual(2);

      // cert.pem is a link to cert-<time>.pem, which dehydrated renames to cert-<time>.pem-revoked.
      const real = realpathSync(cert);
      const revoke = await dehydrated(["--revoke", cert]);
      expectSuccess(revoke, "dehydrated --revoke");
      expect(revoke.output).toMatch(/Done\./);
      await expectRevoked(server, `${real}-revoked`);
    });

    it.skipIf(skipAcmeTiny !== undefined)("acme-tiny: http-01 from a web root", async () => {
      const name = "tiny.example.test";
      server.addName(name);
      const dir = workDir("acme-tiny");
      const challenges = join(dir, "webroot", ".well-known", "acme-challenge");
      mkdirSync(challenges, { recursive: true });
      // The web server the validator reaches: files from the web root, nothing else (RFC 8555 §8.3).
      const web = createServer((req, res) => {
        const token = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)$/.exec(req.url ?? "")?.[1];
        let body: Buffer | undefined;
        try {
          body = token ? readFileSync(join(challenges, token)) : undefined;
        } catch {
          body = undefined;
        }
        if (body) res.writeHead(200, { "content-type": "text/plain" }).end(body);
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => web.listen(server.http01Port, "127.0.0.1", () => resolve()));
      try {
        const accountKey = join(dir, "account.key");
        const k = openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", accountKey]);
        expect(k.code, k.stderr).toBe(0);
        // acme-tiny reads the names from the CSR, and needs them in a subjectAltName.
        const csr = join(dir, "domain.csr");
        const r = openssl([
          "req",
          "-new",
          ...newEcKeyArgs(join(dir, "domain.key")),
          "-subj",
          `/CN=${name}`,
          "-addext",
          `subjectAltName=DNS:${name}`,
          "-out",
          csr,
        ]);
        expect(r.code, r.stderr).toBe(0);
        const run = await runClient(
          "acme-tiny",
          ["--account-key", accountKey, "--csr", csr, "--acme-dir", challenges, "--directory-url", server.directory, "--disable-check"],
          { env: server.clientEnv },
        );
        expectSuccess(run, "acme-tiny");
        // acme-tiny prints the certificate chain on standard output, its progress on standard error.
        const chain = pemBlocks(writeOut(join(dir, "signed_chain.crt"), run.output));
        expect(chain.length).toBeGreaterThanOrEqual(2);
        await expectIssued(server, join(dir, "signed_chain.crt"), [name]);
      } finally {
        await new Promise<void>((resolve) => web.close(() => resolve()));
      }
    });
  },
);

/** Writes the PEM blocks found in `text` to `file`; returns the file. */
function writeOut(file: string, text: string): string {
  writeFileSync(file, (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? []).join(""));
  return file;
}
