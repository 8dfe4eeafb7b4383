/**
 * certbot (Debian 2.1.0) against `tsca serve` over HTTPS (issue 11 evidence; wave2-stack.md §6): http-01
 * with its standalone server, dns-01 for a wildcard and its base name through manual hooks, External
 * Account Binding, renewal and revocation. Every certificate verifies with `openssl verify` up to the root;
 * after `certbot revoke` the OCSP responder named in it says revoked.
 *
 * certbot trusts the server's TLS root through REQUESTS_CA_BUNDLE; its state lives in a directory per test
 * (--config-dir, --work-dir, --logs-dir), so nothing touches /etc/letsencrypt.
 * TSCA_TEST_ACME_SERVER=pebble runs the same tests against Debian's pebble (the reference).
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectIssued, expectRevoked, expectSuccess, missingClient, runClient } from "../../helpers/acme-clients.js";
import { ACME_BACKENDS, startAcmeServer, type AcmeServer } from "../../helpers/acme-server.js";
import { opensslAsync } from "../../helpers/serve.js";

const skip = missingClient("certbot");

/** certbot with its state in `dir` and the server's directory URL. */
function certbot(server: AcmeServer, dir: string, args: string[]): ReturnType<typeof runClient> {
  return runClient(
    "certbot",
    [
      ...args,
      "--server",
      server.directory,
      "--non-interactive",
      "--config-dir",
      join(dir, "config"),
      "--work-dir",
      join(dir, "work"),
      "--logs-dir",
      join(dir, "logs"),
    ],
    { env: server.clientEnv },
  );
}

/** `certonly` options for a new account. */
const register = ["--agree-tos", "-m", "certbot@example.test", "--no-eff-email"];

/** The standalone http-01 responder on the port the server's validator connects to. */
const standalone = (server: AcmeServer): string[] => [
  "--standalone",
  "--http-01-port",
  String(server.http01Port),
  "--http-01-address",
  "127.0.0.1",
];

const workDir = (): string => mkdtempSync(join(tmpdir(), "tsca-certbot-"));
/** certbot's debug log of its last run in `dir`. */
const certbotLog = (dir: string): string => join(dir, "logs", "letsencrypt.log");
const live = (dir: string, name: string, file: string): string => join(dir, "config", "live", name, file);

async function serialOf(certFile: string): Promise<string> {
  const r = await opensslAsync(["x509", "-in", certFile, "-noout", "-serial"]);
  return r.stdout.trim();
}

describe.skipIf(skip !== undefined).each(ACME_BACKENDS)("certbot against an ACME server over HTTPS (%s)", (backend) => {
  let server: AcmeServer;
  beforeAll(async () => {
    server = await startAcmeServer({ backend });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("http-01 standalone: issues, renews (a new certificate) and revokes; OCSP says revoked", async () => {
    const name = "http.certbot.example.test";
    server.addName(name);
    const dir = workDir();
    const run = await certbot(server, dir, ["certonly", ...register, ...standalone(server), "-d", name]);
    expectSuccess(run, "certbot certonly --standalone", certbotLog(dir));
    await expectIssued(server, live(dir, name, "cert.pem"), [name]);
    // fullchain.pem is the certificate and the issuing CA as the server sent them (RFC 8555 §7.4.2).
    await expectIssued(server, live(dir, name, "fullchain.pem"), [name]);
    const first = await serialOf(live(dir, name, "cert.pem"));

    // The renewal configuration remembers the server and the standalone port.
    // Without a terminal certbot renew first sleeps a random time of up to 8 minutes (spreading load on
    // public CAs); --no-random-sleep-on-renew skips it.
    const renew = await certbot(server, dir, ["renew", "--force-renewal", "--no-random-sleep-on-renew"]);
    expectSuccess(renew, "certbot renew", certbotLog(dir));
    expect(renew.output).toMatch(/Congratulations, all renewals succeeded/);
    await expectIssued(server, live(dir, name, "cert.pem"), [name]);
    const renewed = await serialOf(live(dir, name, "cert.pem"));
    expect(renewed).not.toBe(first);

    const revoke = await certbot(server, dir, [
      "revoke",
      "--cert-path",
      live(dir, name, "cert.pem"),
      "--reason",
      "keycompromise",
      "--no-delete-after-revoke",
    ]);
    expectSuccess(revoke, "certbot revoke", certbotLog(dir));
    const ocsp = await expectRevoked(server, live(dir, name, "cert.pem"));
    if (server.ocsp) expect(ocsp).toMatch(/Reason: keyCompromise/);
  });

  it("dns-01 with manual hooks: a wildcard and its base name", async () => {
    const base = "w.certbot.example.test";
    const dir = workDir();
    // certbot runs the auth hook once per authorization with CERTBOT_DOMAIN (the base name for the
    // wildcard) and CERTBOT_VALIDATION; the cleanup hook likewise after validation.
    const hook = (op: string): string => {
      const file = join(dir, `${op}.sh`);
      writeFileSync(
        file,
        `#!/bin/sh\nexec curl -fsS --data-urlencode "name=_acme-challenge.$CERTBOT_DOMAIN" --data-urlencode "value=$CERTBOT_VALIDATION" "${server.hookUrl}/${op}"\n`,
      );
      chmodSync(file, 0o700);
      return file;
    };
    const run = await certbot(server, dir, [
      "certonly",
      ...register,
      "--manual",
      "--preferred-challenges",
      "dns",
      "--manual-auth-hook",
      hook("present"),
      "--manual-cleanup-hook",
      hook("cleanup"),
      "-d",
      `*.${base}`,
      "-d",
      base,
    ]);
    expectSuccess(run, "certbot certonly --manual dns", certbotLog(dir));
    // certbot names the lineage after the first name, without the wildcard label.
    await expectIssued(server, live(dir, base, "cert.pem"), [`*.${base}`, base]);
    expect(readFileSync(live(dir, base, "privkey.pem"), "utf8")).toMatch(/PRIVATE KEY/);
  });
});

describe.skipIf(skip !== undefined).each(ACME_BACKENDS)(
  "certbot against an ACME server that requires External Account Binding (%s)",
  (backend) => {
    let server: AcmeServer;
    beforeAll(async () => {
      server = await startAcmeServer({ eabRequired: true, backend });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("registers only with an EAB key, then issues", async () => {
      const name = "eab.certbot.example.test";
      server.addName(name);
      const refused = await certbot(server, workDir(), ["register", ...register]);
      expect(refused.code).not.toBe(0);
      // certbot reads externalAccountRequired in the directory's meta (RFC 8555 §7.1.1) and stops there.
      expect(refused.output).toMatch(/Server requires external account binding/);

      const { kid, hmacKey } = server.eab();
      const dir = workDir();
      const run = await certbot(server, dir, [
        "certonly",
        ...register,
        // The "=" form, as docs/acme.md advises: argparse takes a value starting with "-" for an option.
        `--eab-kid=${kid}`,
        `--eab-hmac-key=${hmacKey}`,
        ...standalone(server),
        "-d",
        name,
      ]);
      expectSuccess(run, "certbot certonly --eab-kid", certbotLog(dir));
      await expectIssued(server, live(dir, name, "cert.pem"), [name]);
    });
  },
);
