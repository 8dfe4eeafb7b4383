/**
 * `tsca serve --tls-port P --tls-cert FILE --tls-key FILE` (issue 11): HTTPS beside plain HTTP from the same
 * application, in every cluster worker. The TLS side is checked with real clients (openssl s_client and
 * curl, verifying the chain up to the tsca root and the host name), OCSP is asked over both ports with
 * `openssl ocsp`, request.protocol is seen through the admin's session cookie (Secure only over HTTPS), and
 * bad files are refused at start-up with one sentence and exit status 1.
 */
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { runTsca, spawnTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { makeCsr } from "../../helpers/certs.js";
import { leaf, makePki } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { expectOneSentence, scratch } from "../../helpers/oracles.js";
import { HANG_GUARD_MS, ocspStatus, opensslAsync, startServe, waitFor, type Server } from "../../helpers/serve.js";

const hex = (colon: string): string => colon.replace(/:/g, "");

interface Curl {
  code: number;
  status: number;
  /** The response's header block, lower-cased names. */
  headers: string;
  body: string;
  stderr: string;
}

/** curl as a child process, so the test's event loop (and its hang guards) keep running meanwhile. */
function curlAsync(args: string[]): Promise<Curl> {
  return new Promise((resolve) => {
    const p = spawn("curl", ["-sS", "--http1.1", "-i", "-w", "\n%{http_code}", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("close", (code) => {
      const cut = out.lastIndexOf("\n");
      const text = out.slice(0, cut);
      const split = text.indexOf("\r\n\r\n");
      resolve({
        code: code ?? -1,
        status: Number(out.slice(cut + 1)),
        headers: (split >= 0 ? text.slice(0, split) : text).toLowerCase(),
        body: split >= 0 ? text.slice(split + 4) : "",
        stderr: err,
      });
    });
  });
}

/** A TLS key (0600) and certificate for localhost and 127.0.0.1, signed by the installation's CA `ca`. */
function tlsPair(t: TscaEnv, ca: string): { cert: string; key: string } {
  const csr = makeCsr("ec", "/CN=localhost");
  const pem = tsca(t, ["sign_cert", "--ca", ca, "--csr", csr.path, "--webserver", "--alt", "DNS:localhost", "--alt", "IP:127.0.0.1"]);
  chmodSync(csr.key, 0o600);
  return { cert: scratch("tls.pem", pem), key: csr.key };
}

const tlsPortOf = (server: Server): number => Number(server.logs().find((l) => l.msg === "listening")?.tlsPort);

describe.each(BACKENDS)("tsca serve --tls-port (%s)", (backend) => {
  it("serves the same application over HTTP and HTTPS in every worker: TLS verified, OCSP on both, Secure cookie only over HTTPS", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const pki = makePki(t);
    const l = leaf(t, "Inter", "w.example.test");
    tsca(t, ["generate_ocsp_keys"]);
    const tls = tlsPair(t, "Root");
    tsca(t, ["edit_ca", "--acme-enable", "Inter"]);
    const rootFile = scratch("root.pem", pki.rootPem);
    const interFile = scratch("inter.pem", pki.interPem);
    const leafFile = scratch("leaf.pem", l.pem);
    const server = await startServe(t, ["--workers", "2", "--tls-port", "0", "--tls-cert", tls.cert, "--tls-key", tls.key]);
    try {
      await waitFor(async () => server.logs().filter((x) => x.msg === "listening").length === 2);
      const listening = server.logs().filter((x) => x.msg === "listening");
      const tlsPort = tlsPortOf(server);
      // Both workers share the one HTTPS port, as they share the HTTP port.
      expect(tlsPort).toBeGreaterThan(0);
      expect(new Set(listening.map((x) => x.tlsPort))).toEqual(new Set([tlsPort]));
      expect(listening[0]).toMatchObject({ tlsUrl: `https://127.0.0.1:${tlsPort}`, tlsNames: "DNS:localhost, IP Address:127.0.0.1" });
      const https = `https://localhost:${tlsPort}`;

      // A real TLS handshake, the chain verified up to the tsca root for the name localhost.
      const handshake = await opensslAsync(
        [
          "s_client",
          "-connect",
          `127.0.0.1:${tlsPort}`,
          "-servername",
          "localhost",
          "-verify_hostname",
          "localhost",
          "-CAfile",
          rootFile,
          "-verify_return_error",
          "-alpn",
          "h2,http/1.1",
        ],
        "",
      );
      expect(handshake.stdout).toContain("Verify return code: 0 (ok)");
      expect(handshake.stdout).toContain("ALPN protocol: http/1.1");
      // Without the root the chain does not verify: the port really speaks TLS with the given certificate.
      const untrusted = await curlAsync([`${https}/healthz`]);
      expect(untrusted.code).toBe(60);

      for (const base of [server.base, https]) {
        const health = await curlAsync(["--cacert", rootFile, `${base}/healthz`]);
        expect(health.status, health.stderr).toBe(200);
        expect(JSON.parse(health.body)).toMatchObject({ status: "ok", database: "ok" });
        const missing = await curlAsync(["--cacert", rootFile, `${base}/nothing-here`]);
        expect(missing.status).toBe(404);
        expect(missing.headers).toContain("content-type: application/problem+json");
        // The admin marks its session cookie Secure when request.protocol is "https" (admin/plugin.tsx).
        const login = await curlAsync(["--cacert", rootFile, `${base}/admin/login`]);
        expect(login.status).toBe(200);
        const cookie = login.headers.split("\r\n").find((h) => h.startsWith("set-cookie: tsca_session="));
        expect(cookie).toBeDefined();
        expect(cookie?.includes("; secure")).toBe(base === https);
      }

      // ACME URLs are built from the request's scheme and host (no TSCA_EXTERNAL_URL): https on the TLS port.
      for (const base of [server.base, https]) {
        const directory = await curlAsync(["--cacert", rootFile, `${base}/acme/${hex(pki.inter)}/directory`]);
        expect(directory.status, directory.body).toBe(200);
        expect((JSON.parse(directory.body) as { newNonce: string }).newNonce).toBe(`${base}/acme/${hex(pki.inter)}/new-nonce`);
      }

      const ocspPath = `/ocsp/${hex(pki.inter)}/cert/`;
      // openssl ocsp speaks HTTPS too; it does not check the TLS chain, which s_client and curl did above.
      for (const base of [server.base, https]) {
        const r = await ocspStatus(`${base}${ocspPath}`, interFile, [leafFile], rootFile, ["-verify_other", interFile]);
        expect(r.out).toContain("Response verify OK");
        expect(r.out).toContain(`${leafFile}: good`);
      }
      tsca(t, ["revoke_cert", l.hex, "--reason", "superseded"]);
      for (const base of [server.base, https])
        await waitFor(async () =>
          (await ocspStatus(`${base}${ocspPath}`, interFile, [leafFile], rootFile)).out.includes(`${leafFile}: revoked`),
        );
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.logs().filter((x) => x.msg === "stopped").length).toBe(2);
    expect(server.stderr()).toBe("");
  });
});

describe("tsca serve --tls-port start-up", () => {
  it("closes a connection that never finishes its TLS handshake within the headers timeout", async () => {
    // The idle timeout is far away, so only the handshake limit (the headers timeout) can close the socket.
    const t = tscaEnv(undefined, {
      TSCA_HTTP_HEADERS_TIMEOUT: "1000",
      TSCA_HTTP_REQUEST_TIMEOUT: "2000",
      TSCA_HTTP_IDLE_TIMEOUT: "600000",
    });
    makePki(t);
    const tls = tlsPair(t, "Root");
    const server = await startServe(t, ["--tls-port", "0", "--tls-cert", tls.cert, "--tls-key", tls.key]);
    try {
      const socket = connect(tlsPortOf(server), "127.0.0.1");
      const opened = Date.now();
      // Nothing is sent: not even a ClientHello. The server must hang up by itself (the guard only fails the test).
      const closed = await new Promise<boolean>((resolve) => {
        const guard = setTimeout(() => resolve(false), HANG_GUARD_MS);
        socket.on("error", () => undefined);
        socket.on("close", () => {
          clearTimeout(guard);
          resolve(true);
        });
      });
      expect(closed).toBe(true);
      // Not a speed budget: Node's own handshake limit is 120 s and the idle timeout 600 s; anything well
      // below both can only be the configured limit.
      expect(Date.now() - opened).toBeLessThan(60_000);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it("refuses unreadable, group-readable, encrypted, mismatched or missing TLS files and a busy port with one sentence", async () => {
    const t = tscaEnv();
    makePki(t);
    const tls = tlsPair(t, "Root");
    const other = tlsPair(t, "Inter");
    const serve = (cert: string, key: string, extra: string[] = []): ReturnType<typeof runTsca> =>
      runTsca(t, ["serve", "--port", "0", "--tls-port", "0", "--tls-cert", cert, "--tls-key", key, ...extra]);

    const missing = scratch("no-such.pem");
    expectOneSentence(
      serve(missing, tls.key),
      1,
      new RegExp(`^Error: ${missing}: Cannot read the TLS certificate file \\(ENOENT\\)\\.\\n$`),
    );
    expectOneSentence(serve(tls.cert, missing), 1, /Cannot read the TLS key file \(ENOENT\)\./);

    const open = scratch("open.key");
    copyFileSync(tls.key, open);
    chmodSync(open, 0o640);
    expectOneSentence(serve(tls.cert, open), 1, /The TLS key file can be read or written by other users \(mode 0640\); make it 0600\./);
    // The same sentence from the primary of a cluster, not one per failing worker.
    expectOneSentence(serve(tls.cert, open, ["--workers", "2"]), 1, /make it 0600\./);

    expectOneSentence(serve(tls.cert, other.key), 1, /The TLS key does not belong to the certificate in /);
    expectOneSentence(serve(tls.key, tls.key), 1, /The TLS certificate file holds no PEM certificate\./);
    const certAsKey = scratch("cert-as.key");
    copyFileSync(tls.cert, certAsKey);
    chmodSync(certAsKey, 0o600);
    expectOneSentence(serve(tls.cert, certAsKey), 1, /The TLS key file holds no PEM private key\./);

    const encrypted = scratch("encrypted.key");
    const enc = await opensslAsync(["pkey", "-in", tls.key, "-aes256", "-passout", "pass:secret", "-out", encrypted]);
    expect(enc.code).toBe(0);
    chmodSync(encrypted, 0o600);
    expectOneSentence(serve(tls.cert, encrypted), 1, /The TLS key file is encrypted; tsca serve needs it unencrypted/);

    expectOneSentence(runTsca(t, ["serve", "--tls-port", "0"]), 2, /--tls-port needs --tls-cert FILE and --tls-key FILE\./);
    expectOneSentence(runTsca(t, ["serve", "--tls-cert", tls.cert, "--tls-key", tls.key]), 2, /--tls-cert and --tls-key need --tls-port\./);
    expectOneSentence(
      runTsca(t, ["serve", "--port", "8443", "--tls-port", "8443", "--tls-cert", tls.cert, "--tls-key", tls.key]),
      2,
      /--tls-port must differ/,
    );

    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawnTsca(t, ["serve", "--port", "0", "--tls-port", String(port), "--tls-cert", tls.cert, "--tls-key", tls.key]);
        let err = "";
        p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
        p.on("exit", (code) => resolve({ code, stderr: err }));
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`Error: Cannot listen on 127.0.0.1:${port}: EADDRINUSE.\n`);
    } finally {
      blocker.close();
    }
  });
});
