/**
 * `tsca serve` as a child process for the web tests: started on a free port (--port 0), ready when it logs
 * "listening", stopped with SIGTERM (and its exit code checked by the caller). Plus the OCSP clients the
 * tests use: `openssl ocsp` run asynchronously (never execSync next to a server in the same process), and
 * HTTP through Node's fetch.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { spawnTsca, type TscaEnv } from "./cli.js";

export interface Server {
  proc: ChildProcess;
  port: number;
  base: string;
  /** Every log line so far (JSON objects as written). */
  logs: () => Record<string, unknown>[];
  stderr: () => string;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/**
 * How long a helper waits for something that must happen before it calls it a hang: far longer than any
 * busy machine needs, and shorter than vitest's testTimeout (600 s), so the helper, not vitest, reports
 * what never came, and kills the server it started. Not a speed budget: tests wait for events.
 */
export const HANG_GUARD_MS = 300_000;

export async function startServe(t: TscaEnv, args: string[] = [], timeoutMs = HANG_GUARD_MS, bin?: string): Promise<Server> {
  // A repeated --port is refused, so the free port (0) is only the default.
  const proc = spawnTsca(t, ["serve", ...(args.includes("--port") ? [] : ["--port", "0"]), ...args], bin);
  const lines: Record<string, unknown>[] = [];
  let err = "";
  let buf = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A server that never says "listening" must not outlive the test (its workers exit with it).
      proc.kill("SIGKILL");
      reject(new Error(`tsca serve did not start: ${err}`));
    }, timeoutMs);
    proc.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const obj = JSON.parse(line) as Record<string, unknown>;
          lines.push(obj);
          if (obj.msg === "listening") {
            clearTimeout(timer);
            resolve(Number(obj.port));
          }
        } catch {
          lines.push({ raw: line });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tsca serve exited ${code}: ${err}`));
    });
  });
  return {
    proc,
    port,
    base: `http://127.0.0.1:${port}`,
    logs: () => lines,
    stderr: () => err,
    stop: async () => {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      return exited;
    },
  };
}

export interface AsyncRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** openssl without blocking the test process's event loop. */
export function opensslAsync(args: string[], input?: Buffer | string): Promise<AsyncRun> {
  return new Promise((resolve) => {
    const p = spawn("openssl", args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    p.on("close", (code) => resolve({ code: code ?? -1, stdout: out, stderr: err }));
    if (p.stdin) {
      p.stdin.on("error", () => undefined); // openssl may exit without reading its input
      p.stdin.end(input);
    }
  });
}

/** The OCSP status of a leaf as `openssl ocsp` (POST) reports it, with the full output for assertions. */
export async function ocspStatus(
  url: string,
  issuerPem: string,
  certs: string[],
  caFile: string,
  extra: string[] = [],
): Promise<{ out: string; code: number }> {
  const args = ["ocsp", "-issuer", issuerPem, ...certs.flatMap((c) => ["-cert", c]), "-url", url, "-CAfile", caFile, ...extra];
  const r = await opensslAsync(args);
  return { out: r.stdout + r.stderr, code: r.code };
}

/**
 * `openssl ocsp -resp_text` on a saved response (`resp`) to a saved request (`req`), both DER files: the
 * signature is verified with the issuer as an untrusted intermediate up to `caFile`.
 */
export function readOcspResponse(resp: string, req: string, issuerFile: string, caFile: string): Promise<AsyncRun> {
  return opensslAsync([
    "ocsp",
    "-respin",
    resp,
    "-reqin",
    req,
    "-issuer",
    issuerFile,
    "-CAfile",
    caFile,
    "-verify_other",
    issuerFile,
    "-resp_text",
  ]);
}

/** OCSPResponseStatus of a DER OCSPResponse (RFC 6960 §4.2.1): the ENUMERATED right after the outer SEQUENCE header. */
export function responseStatus(der: Buffer): number {
  const headerLength = der[1]! & 0x80 ? 2 + (der[1]! & 0x7f) : 2;
  if (der[headerLength] !== 0x0a) throw new Error(`not an OCSPResponse: ${der.toString("hex")}`);
  return der[headerLength + 2]!;
}

/** Poll `cond` until it holds; `timeoutMs` is a hang guard (see HANG_GUARD_MS), never a speed budget. */
export async function waitFor(cond: () => Promise<boolean>, timeoutMs = HANG_GUARD_MS, stepMs = 50): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
