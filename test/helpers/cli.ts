/**
 * Running the real `tsca` binary in a child process, with its own data directory, as a user would.
 * Every e2e test gets a fresh TSCA_HOME; the database is SQLite there, or a fresh PostgreSQL schema when
 * the test asks for the postgres backend (see databases.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const BIN = join(ROOT, "bin", "tsca.js");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface TscaEnv {
  home: string;
  env: Record<string, string>;
}

export function newHome(prefix = "tsca-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An isolated installation: its own TSCA_HOME (keys, SQLite) and optionally another database URL. */
export function tscaEnv(databaseUrl?: string, extra: Record<string, string> = {}): TscaEnv {
  const home = newHome();
  const env: Record<string, string> = { TSCA_HOME: home, ...extra };
  if (databaseUrl) env.TSCA_DATABASE_URL = databaseUrl;
  return { home, env };
}

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith("TSCA_")) delete base[k];
  return { ...base, ...env };
}

export function runTsca(t: TscaEnv, args: string[], opts: { input?: string | Buffer; cwd?: string; bin?: string } = {}): RunResult {
  const r = spawnSync(process.execPath, [opts.bin ?? BIN, ...args], {
    env: childEnv(t.env),
    input: opts.input ?? "",
    cwd: opts.cwd ?? t.home,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8"), stdoutBytes: r.stdout };
}

/** Run and require success; the error message shows stderr so a failing test explains itself. */
export function tsca(t: TscaEnv, args: string[], opts: { input?: string | Buffer } = {}): string {
  const r = runTsca(t, args, opts);
  if (r.code !== 0) throw new Error(`tsca ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Start tsca without waiting (for kill tests and servers). */
export function spawnTsca(t: TscaEnv, args: string[], bin: string = BIN): ReturnType<typeof spawn> {
  return spawn(process.execPath, [bin, ...args], { env: childEnv(t.env), cwd: t.home, stdio: ["ignore", "pipe", "pipe"] });
}

export function openssl(args: string[], input?: string | Buffer): RunResult {
  const r = spawnSync("openssl", args, { input: input ?? "", maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8"), stdoutBytes: r.stdout };
}

/** `openssl req` arguments for a new unencrypted EC P-256 key, written to `keyout`. */
export function newEcKeyArgs(keyout: string): string[] {
  return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyout];
}

/** `openssl req -x509` arguments that make the certificate a CA (RFC 5280 §4.2.1.9, §4.2.1.3). */
export const CA_EXTENSION_ARGS = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"];
