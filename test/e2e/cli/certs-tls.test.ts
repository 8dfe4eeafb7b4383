/**
 * Real TLS handshakes with certificates tsca issued (issue 3, "Evidence"): `openssl s_server` serves a
 * server certificate with its intermediate; Node's `tls.connect` and `openssl s_client` trusting only the
 * root succeed, and fail when they trust another root or ask for another host name. With client
 * authentication required, a `--client` certificate is accepted and a webserver-profile certificate
 * (serverAuth only) is refused by OpenSSL's purpose check: the EKU tsca writes is what peers enforce.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect, type PeerCertificate } from "node:tls";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { openssl, tsca, tscaEnv } from "../../helpers/cli.js";
import { caPem, scratch } from "../../helpers/oracles.js";
import { freePort, makeCsr } from "../../helpers/certs.js";

const servers: ChildProcess[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) if (s.exitCode === null && s.pid) process.kill(s.pid, "SIGTERM");
});

/** Start `openssl s_server` and resolve once it accepts connections. */
async function sServer(args: string[]): Promise<{ port: number; output: () => string }> {
  const port = await freePort();
  const child = spawn("openssl", ["s_server", "-accept", `127.0.0.1:${port}`, "-www", ...args], { stdio: ["pipe", "pipe", "pipe"] });
  servers.push(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s_server did not start: ${out}`)), 10_000);
    const check = (): void => {
      if (/ACCEPT/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => reject(new Error(`s_server exited ${code}: ${out}`)));
  });
  return { port, output: () => out };
}

interface Handshake {
  ok: boolean;
  error?: string;
  peer?: PeerCertificate;
  response?: string;
}

/** A TLS client on Node's stack: handshake, one HTTP request, the first line of the answer. */
function nodeClient(port: number, opts: { ca: string; servername: string; cert?: string; key?: string }): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      ca: opts.ca,
      servername: opts.servername,
      ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
    });
    let response = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error("timeout")));
    socket.on("secureConnect", () => {
      const peer = socket.getPeerCertificate();
      socket.write("GET / HTTP/1.0\r\n\r\n");
      socket.on("data", (d: Buffer) => (response += d.toString()));
      socket.on("end", () => resolve({ ok: socket.authorized, peer, response: response.split("\r\n")[0] }));
    });
    socket.on("error", (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message }));
  });
}

describe.each(BACKENDS)("TLS with issued certificates (%s)", (backend) => {
  it("a server certificate under root → intermediate completes handshakes that trust only the root", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=Example Root"]).trim();
    const int = tsca(t, ["init_ca", "--key-type", "Ed25519", "--parent", root, "Int", "/CN=Example Intermediate"]).trim();
    const rootPem = caPem(t, root);
    const intPem = caPem(t, int);
    const csr = makeCsr("ec", "/CN=www.example.com");
    const leaf = scratch(
      "leaf.pem",
      tsca(t, ["sign_cert", "--csr", csr.path, "--ca", int, "--alt", "DNS:www.example.com", "--alt", "IP:127.0.0.1"]),
    );
    const other = tscaEnv(await freshDatabaseUrl(backend));
    const otherRoot = caPem(other, tsca(other, ["init_ca", "--key-type", "EC", "Other", "/CN=Example Root"]).trim());

    const server = await sServer(["-cert", leaf, "-key", csr.key, "-cert_chain", scratch("int.pem", intPem)]);

    const good = await nodeClient(server.port, { ca: rootPem, servername: "www.example.com" });
    expect(good.error).toBeUndefined();
    expect(good.ok).toBe(true);
    expect(good.peer?.subject.CN).toBe("www.example.com");
    expect(good.peer?.issuer.CN).toBe("Example Intermediate");
    expect(good.response).toMatch(/^HTTP\/1\.0 200 ok$/i);

    // Another root with the same name is not the root: the chain does not verify.
    const wrongRoot = await nodeClient(server.port, { ca: otherRoot, servername: "www.example.com" });
    expect(wrongRoot.ok).toBe(false);
    expect(wrongRoot.error).toMatch(/^(UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_SIGNATURE_FAILURE|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/);
    // The right root, but a name the certificate does not carry.
    const wrongName = await nodeClient(server.port, { ca: rootPem, servername: "mail.example.com" });
    expect(wrongName.ok).toBe(false);
    expect(wrongName.error).toBe("ERR_TLS_CERT_ALTNAME_INVALID");

    // OpenSSL's client with strict verification and host name checking agrees.
    const sClient = (ca: string, host: string) =>
      openssl(
        [
          "s_client",
          "-connect",
          `127.0.0.1:${server.port}`,
          "-servername",
          host,
          "-verify_return_error",
          "-verify_hostname",
          host,
          "-CAfile",
          scratch("ca.pem", ca),
          "-brief",
        ],
        "",
      );
    const ok = sClient(rootPem, "www.example.com");
    expect(ok.stderr).toMatch(/Verification: OK/);
    expect(ok.code).toBe(0);
    const bad = sClient(otherRoot, "www.example.com");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/verify error:num=(20|7):/);
    const badHost = sClient(rootPem, "mail.example.com");
    expect(badHost.code).not.toBe(0);
    expect(badHost.stderr).toMatch(/verify error:num=62:hostname mismatch/);
  });

  it("client authentication: a --client certificate is accepted, a serverAuth-only one is refused", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=Example Root"]).trim();
    const rootPem = caPem(t, root);
    const serverCsr = makeCsr("ec", "/CN=localhost");
    const serverCert = scratch("server.pem", tsca(t, ["sign_cert", "--csr", serverCsr.path, "--ca", root, "--server"]));
    const clientCsr = makeCsr("ed25519", "/CN=alice@example.com");
    const clientCert = tsca(t, ["sign_cert", "--csr", clientCsr.path, "--ca", root, "--client"]);
    // A server certificate needs a DNS or IP name (the CN is a mailbox): give it one.
    const webCert = tsca(t, ["sign_cert", "--csr", clientCsr.path, "--ca", root, "--webserver", "--alt", "DNS:alice.example.com"]);

    const server = await sServer([
      "-cert",
      serverCert,
      "-key",
      serverCsr.key,
      "-Verify",
      "1",
      "-verify_return_error",
      "-CAfile",
      scratch("root.pem", rootPem),
    ]);
    const key = readFileSync(clientCsr.key, "utf8");

    const accepted = await nodeClient(server.port, { ca: rootPem, servername: "localhost", cert: clientCert, key });
    expect(accepted.error).toBeUndefined();
    expect(accepted.response).toMatch(/^HTTP\/1\.0 200 ok$/i);

    const refused = await nodeClient(server.port, { ca: rootPem, servername: "localhost", cert: webCert, key });
    expect(refused.response ?? "").not.toMatch(/200 ok/i);
    // TLS 1.3: the client may finish before the server's verdict; the server logs why it refused.
    for (let i = 0; i < 50 && !/certificate purpose/.test(server.output()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(server.output()).toMatch(/verify error:num=26:(unsuitable|unsupported) certificate purpose/);
  });
});
