/**
 * Running the Debian ACME clients (lego, certbot, dehydrated, acme-tiny) against an AcmeServer
 * (acme-server.ts), and the evidence every issued certificate must give: it verifies with `openssl verify`
 * up to the issuing root, and after revocation `openssl ocsp` against the URL in the certificate says
 * revoked.
 *
 * A missing client binary skips its tests with a printed reason, unless TSCA_TEST_REQUIRE_ACME_CLIENTS=1
 * (set by .ci/run), where it fails them: CI must never pass by skipping.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { AcmeServer } from "./acme-server.js";
import { HANG_GUARD_MS, opensslAsync, waitFor } from "./serve.js";

/** Why the tests of `binaries` are skipped (undefined: all present). Throws when clients are required. */
export function missingClient(...binaries: string[]): string | undefined {
  const missing = binaries.filter((b) => spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0);
  if (missing.length === 0) return undefined;
  const reason = `not installed: ${missing.join(", ")} (apt-get install ${missing.join(" ")})`;
  if (process.env.TSCA_TEST_REQUIRE_ACME_CLIENTS === "1")
    throw new Error(`ACME clients are required (TSCA_TEST_REQUIRE_ACME_CLIENTS=1): ${reason}`);
  console.warn(`Skipping ACME client tests: ${reason}`);
  return reason;
}

export interface ClientRun {
  code: number | null;
  /** stdout and stderr interleaved as they came: what a failing assertion shows. */
  output: string;
}

/**
 * A client process, asynchronously (the test process keeps serving its own responders and DNS meanwhile).
 * Killed by the hang guard if it never ends; that is a hang, not a speed budget.
 */
export function runClient(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<ClientRun> {
  return new Promise((resolve) => {
    const p = spawn(command, args, {
      env: { ...process.env, ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    p.stdout.on("data", (d: Buffer) => (output += d.toString()));
    p.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const guard = setTimeout(() => {
      output += `\n[killed by the test's hang guard after ${HANG_GUARD_MS} ms]`;
      p.kill("SIGKILL");
    }, HANG_GUARD_MS);
    p.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, output });
    });
  });
}

/**
 * The client must have exited 0; its output is the failure message otherwise, followed by the end of
 * `logFile` when given (certbot prints only the last exception; its debug log says what led to it).
 */
export function expectSuccess(run: ClientRun, what: string, logFile?: string): void {
  if (run.code === 0) return;
  let log = "";
  if (logFile) {
    try {
      log = `\n--- end of ${logFile} ---\n${readFileSync(logFile, "utf8").slice(-8000)}`;
    } catch {
      log = `\n(no ${logFile})`;
    }
  }
  expect(run.code, `${what} failed:\n${run.output}${log}`).toBe(0);
}

/** `openssl x509 -noout <args>` of the first certificate in `certFile`. */
async function x509(certFile: string, args: string[]): Promise<string> {
  const r = await opensslAsync(["x509", "-in", certFile, "-noout", ...args]);
  if (r.code !== 0) throw new Error(`openssl x509 ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * The certificate (first in `certFile`, as clients save it with its chain) verifies up to the issuing root
 * for TLS server use and names exactly `names` (DNS names or IP addresses, any order).
 */
export async function expectIssued(server: AcmeServer, certFile: string, names: string[]): Promise<void> {
  const r = await opensslAsync([
    "verify",
    "-CAfile",
    server.issuerRoot,
    "-untrusted",
    server.issuerChain,
    "-purpose",
    "sslserver",
    certFile,
  ]);
  expect(r.stdout + r.stderr).toBe(`${certFile}: OK\n`);
  const san = await x509(certFile, ["-ext", "subjectAltName"]);
  const listed = san
    .split("\n")
    .slice(1)
    .join(",")
    .split(",")
    .map((s) =>
      s
        .trim()
        .replace(/^DNS:/, "")
        .replace(/^IP Address:/, ""),
    )
    .filter((s) => s !== "");
  expect(listed.sort()).toEqual([...names].sort());
}

/** Certificates found in a PEM file (a client's fullchain): the leaf first. */
export function pemBlocks(file: string): string[] {
  return readFileSync(file, "utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

/**
 * After revocation: the OCSP responder named in the certificate (AIA, RFC 5280 §4.2.2.1) reports it
 * revoked, with a response that verifies up to the root. Waits for the server's revocation poll (a hang
 * guard bounds it). Pebble has no OCSP: nothing to ask there, and the client's own success is the evidence.
 */
export async function expectRevoked(server: AcmeServer, certFile: string): Promise<string> {
  if (!server.ocsp) return "no OCSP (pebble)";
  const url = await x509(certFile, ["-ocsp_uri"]);
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  let out = "";
  await waitFor(async () => {
    const r = await opensslAsync([
      "ocsp",
      "-issuer",
      server.issuerChain,
      "-cert",
      certFile,
      "-url",
      url,
      "-CAfile",
      server.issuerRoot,
      "-verify_other",
      server.issuerChain,
    ]);
    out = r.stdout + r.stderr;
    return out.includes(`${certFile}: revoked`);
  });
  expect(out).toContain("Response verify OK");
  return out;
}
