/**
 * A new CA works at once (issue 7): init_ca and import_ca make the CA's first CRLs and its delegated OCSP
 * responder right after the CA is committed, so the URLs its certificates carry answer as soon as `tsca
 * serve` runs, without generate_crls or generate_ocsp_keys. Proven with openssl: the CRL at the leaf's
 * distribution point verifies against the CA (`openssl crl -CAfile`), and `openssl ocsp` at the leaf's
 * OCSP URL answers "good" with a verified responder. When that second step fails, the CA is kept and the
 * command exits 1 with one sentence naming what failed and the exact command that redoes it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { freePort, makeCsr } from "../../helpers/certs.js";
import { expectCrlSignedBy } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";
import { opensslCa } from "../../helpers/openssl-ca.js";
import { ossl, scratch, x509Text } from "../../helpers/oracles.js";
import { opensslAsync, startServe } from "../../helpers/serve.js";

/** The CRL distribution point URIs as `openssl x509 -text` prints them. */
const crlDp = (text: string): string[] => {
  const m = /X509v3 CRL Distribution Points:\s*\n((?:\s+(?:Full Name:|URI:\S+)\s*\n)+)/.exec(text);
  return [...(m?.[1] ?? "").matchAll(/URI:(\S+)/g)].map((x) => x[1]!);
};

describe.each(BACKENDS)("a new CA works at once (%s)", (backend) => {
  const made: TscaEnv[] = [];
  const install = async (extra: Record<string, string> = {}): Promise<TscaEnv> => {
    const t = tscaEnv(await freshDatabaseUrl(backend), extra);
    made.push(t);
    return t;
  };
  afterEach(async () => {
    for (const t of made.splice(0)) await disposeInstallation(t);
  });

  /** Sign a leaf with `ca`, start tsca serve, and check the leaf's CRL and OCSP URLs with openssl. */
  async function expectUrlsAnswer(t: TscaEnv, port: number, ca: string, extraSign: string[] = []): Promise<void> {
    const caPem = tsca(t, ["dump_ca", ca]);
    const csr = makeCsr("ec", "/CN=leaf.example.test");
    const leafPem = tsca(t, ["sign_cert", "--ca", ca, "--csr", csr.path, ...extraSign]);
    const caFile = scratch("ca.pem", caPem);
    const leafFile = scratch("leaf.pem", leafPem);
    const [crlUrl] = crlDp(x509Text(leafPem));
    const ocspUrl = ossl(["x509", "-noout", "-ocsp_uri", "-in", leafFile]).trim();
    expect(crlUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/`));
    expect(ocspUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/`));

    const server = await startServe(t, ["--port", String(port)]);
    try {
      const res = await fetch(crlUrl!);
      expect(res.status, crlUrl).toBe(200);
      expectCrlSignedBy(ossl(["crl", "-inform", "DER"], Buffer.from(await res.arrayBuffer())), caPem);
      const o = await opensslAsync(["ocsp", "-issuer", caFile, "-cert", leafFile, "-url", ocspUrl, "-CAfile", caFile]);
      expect(o.stdout).toContain(`${leafFile}: good`);
      expect(o.stderr).toContain("Response verify OK");
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }

  it("init_ca: the CRL and OCSP URLs of a leaf answer without generate_crls or generate_ocsp_keys", async () => {
    const port = await freePort();
    const t = await install({ TSCA_DEFAULT_HOSTNAME: `127.0.0.1:${port}` });
    expect(tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=Root"])).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}\n$/);
    await expectUrlsAnswer(t, port, "Root");
  });

  it("init_ca with an encrypted key uses its password for the CRLs and the OCSP responder too", async () => {
    const port = await freePort();
    const t = await install({ TSCA_DEFAULT_HOSTNAME: `127.0.0.1:${port}` });
    const r = runTsca(t, ["init_ca", "--key-type", "EC", "--password=secret", "Root", "/CN=Root"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    await expectUrlsAnswer(t, port, "Root", ["--password=secret"]);
  });

  it("import_ca: an imported CA's URLs answer at once as well", async () => {
    const port = await freePort();
    const t = await install({ TSCA_DEFAULT_HOSTNAME: `127.0.0.1:${port}` });
    const dir = join(t.home, "import");
    mkdirSync(dir);
    const ca = opensslCa({ keyType: "EC", dir, subject: "/CN=Imported Root" });
    const urls = [`--crl-url=http://127.0.0.1:${port}/crl/`, `--ocsp-url=http://127.0.0.1:${port}/ocsp/`];
    const serial = tsca(t, ["import_ca", "Imported", ca.keyPath, ca.certPath]).trim();
    // The imported CA has no default URLs (TSCA_DEFAULT_HOSTNAME applies to init_ca): name the served ones.
    const plain = serial.replace(/:/g, "");
    tsca(t, ["edit_ca", "Imported", `${urls[0]}${plain}`, `${urls[1]}${plain}/cert/`]);
    await expectUrlsAnswer(t, port, "Imported", ["--expires", "10"]); // the openssl CA is valid for 30 days
  });

  it("a failed second step keeps the CA, exits 1 with one sentence naming the command that redoes it", async () => {
    const t = await install();
    // An OCSP key directory that cannot be made: below a regular file.
    const blocker = join(t.home, "not-a-directory");
    writeFileSync(blocker, "");
    const broken = { ...t, env: { ...t.env, TSCA_OCSP_KEY_DIR: join(blocker, "ocsp") } };
    const r = runTsca(broken, ["init_ca", "--key-type", "EC", "--password=secret", "Root", "/CN=Root"]);
    expect(r.code).toBe(1);
    const serial = r.stdout.trim();
    expect(serial).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(r.stderr).toMatch(/^Error: [^\n]+\n$/);
    expect(r.stderr).toContain(`CA "Root" (${serial}) was created, but its OCSP responder could not be made (`);
    const redo = `tsca generate_ocsp_keys ${serial} --password`;
    expect(r.stderr).toContain(`make it with: ${redo}.`);
    // The CA is there and usable, its CRLs were made; the named command, run as printed, finishes the job.
    expect(tsca(t, ["list_cas"])).toBe(`${serial} - Root\n`);
    expect(tsca(t, ["generate_crls", serial, "--password=secret"])).toMatch(/CRL #1 is current/);
    const args = redo.split(" ").slice(1);
    expect(tsca(t, [...args.slice(0, -1), "--password=secret"])).toMatch(/OCSP responder certificate [0-9A-F:]+ created/);
  });
});
