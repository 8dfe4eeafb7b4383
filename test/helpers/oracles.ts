/**
 * Independent oracles for CA tests: the openssl CLI and GnuTLS certtool read what tsca wrote, and a few
 * helpers look at the data directory and database directly (never through tsca's own parser).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import Database from "better-sqlite3";
import pg from "pg";
import { newEcKeyArgs, openssl, runTsca, tsca, type RunResult, type TscaEnv } from "./cli.js";

/** CA_DIR of an installation made by tscaEnv (the documented default, TSCA_HOME/ca). */
export const caDir = (t: TscaEnv): string => join(t.home, "ca");

/** First five bytes of a colon-separated serial, as the spec uses them (`BD:5B:AB:5B:A2`). */
export const serialPrefix = (serial: string, bytes = 5): string => serial.split(":").slice(0, bytes).join(":");

/** A serial without colons, as key files are named. */
export const plainSerial = (serial: string): string => serial.replace(/:/g, "");

/** Every file and directory below `dir` (dotfiles included), relative, sorted; [] when it does not exist. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries.sort()) {
      const p = join(d, e);
      const r = rel ? `${rel}/${e}` : e;
      const st = statSync(p);
      out.push(st.isDirectory() ? `${r}/` : r);
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(dir, "");
  return out;
}

export interface Snapshot {
  /** Every row of every table, straight from the database (not through tsca). */
  rows: Record<string, unknown[]>;
  /** Every file in CA_DIR, .pending included. Empty directories do not count: creating CA_DIR is not data. */
  files: string[];
}

/** Every row of every tsca table, read directly: SQLite through better-sqlite3, PostgreSQL through pg. */
export async function databaseRows(t: TscaEnv): Promise<Record<string, unknown[]>> {
  const url = t.env.TSCA_DATABASE_URL;
  const out: Record<string, unknown[]> = {};
  if (url && /^postgres(ql)?:/.test(url)) {
    const tables = await pgQuery<{ table_name: string }>(
      url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name",
    );
    for (const { table_name } of tables)
      out[table_name] = (await pgQuery<{ j: string }>(url, `SELECT row_to_json(x)::text AS j FROM "${table_name}" x ORDER BY 1`)).map(
        (r) => JSON.parse(r.j) as unknown,
      );
    return out;
  }
  const path = join(t.home, "tsca.sqlite3");
  if (!existsSync(path)) return out;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
    for (const { name } of tables) out[name] = db.prepare(`SELECT * FROM "${name}" ORDER BY 1`).all();
  } finally {
    db.close();
  }
  return out;
}

/** What a failed command must leave unchanged: every database row and every file in CA_DIR. */
export async function snapshot(t: TscaEnv): Promise<Snapshot> {
  return { rows: await databaseRows(t), files: listTree(caDir(t)).filter((f) => !f.endsWith("/")) };
}

/** An error as the issue demands: exactly one line on stderr, `Error: …`, no stack trace, nothing on stdout. */
export function expectOneSentence(r: RunResult, exitCode: number, message?: RegExp): void {
  expect(r.code, `exit code; stderr: ${r.stderr}`).toBe(exitCode);
  expect(r.stderr).toMatch(/^Error: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe("");
  if (message) expect(r.stderr).toMatch(message);
}

/**
 * Run tsca expecting failure, and check that the data is exactly as before: database rows, key files and
 * what list_cas prints.
 */
export async function expectRefused(t: TscaEnv, args: string[], exitCode: number, message?: RegExp, input?: string): Promise<RunResult> {
  const listBefore = tsca(t, ["list_cas"]); // first: on a new store this creates the schema
  const before = await snapshot(t);
  const r = runTsca(t, args, input !== undefined ? { input } : {});
  expectOneSentence(r, exitCode, message);
  expect(await snapshot(t)).toEqual(before);
  expect(tsca(t, ["list_cas"])).toBe(listBefore);
  return r;
}

let scratchDir: string | undefined;
/** A file in a per-process scratch directory. */
export function scratch(name: string, content?: string | Buffer): string {
  scratchDir ??= mkdtempSync(join(tmpdir(), "tsca-oracle-"));
  const p = join(scratchDir, `${process.pid}-${Math.random().toString(36).slice(2)}-${name}`);
  if (content !== undefined) writeFileSync(p, content);
  return p;
}

/** Require success of an openssl run and return stdout. */
export function ossl(args: string[], input?: string | Buffer): string {
  const r = openssl(args, input);
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

export function certtool(args: string[], input?: string | Buffer): RunResult {
  const r = spawnSync("certtool", args, { input: input ?? "", maxBuffer: 16 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8"), stdoutBytes: r.stdout };
}

/** `openssl x509 -text` of a PEM certificate. */
export const x509Text = (pem: string): string => ossl(["x509", "-noout", "-text"], pem);

export interface OpensslExtension {
  critical: boolean;
  /** The value lines, trimmed, joined by "\n". */
  value: string;
}

/** The extensions block of `openssl x509 -text`, by the name openssl prints (`X509v3 Basic Constraints`). */
export function opensslExtensions(text: string): Map<string, OpensslExtension> {
  const out = new Map<string, OpensslExtension>();
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === "X509v3 extensions:");
  if (start < 0) return out;
  let current: { name: string; ext: OpensslExtension } | undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^ {0,11}\S/.test(line)) break; // "    Signature Algorithm:" ends the block
    const head = /^ {12}(\S.*?):( critical)?\s*$/.exec(line);
    if (head) {
      current = { name: head[1]!, ext: { critical: Boolean(head[2]), value: "" } };
      out.set(current.name, current.ext);
    } else if (current && line.trim() !== "") {
      current.ext.value += (current.ext.value ? "\n" : "") + line.trim();
    }
  }
  return out;
}

/**
 * `openssl verify -x509_strict` of `target` with `root` as the only trust anchor and `intermediates` as
 * untrusted chain certificates. Returns the raw result so callers can assert failures too.
 */
export function opensslVerify(root: string, intermediates: string[], target: string, extra: string[] = []): RunResult {
  const args = ["verify", "-x509_strict", ...extra, "-CAfile", scratch("root.pem", root)];
  if (intermediates.length) args.push("-untrusted", scratch("untrusted.pem", intermediates.join("")));
  args.push(scratch("target.pem", target));
  return openssl(args);
}

/** The certificate of a CA as PEM, via dump_ca. */
export const caPem = (t: TscaEnv, ca: string): string => tsca(t, ["dump_ca", ca]);

/** Lines of a command's output, for exact line matches. */
export const linesOf = (s: string): string[] => s.split("\n");

/** Run a query in the PostgreSQL schema a freshDatabaseUrl points at. */
export async function pgQuery<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A leaf (end-entity) certificate for `cn` (and optional SANs) signed by a CA with openssl, using the CA's
 * own unencrypted key file: evidence that the CA can really issue what a verifier accepts.
 */
export function opensslLeaf(
  caCertPem: string,
  caKeyPath: string,
  cn: string,
  opts: { san?: string; ca?: boolean; pathlen?: number } = {},
): { pem: string; key: string } {
  const key = scratch("leaf.key");
  const csr = ossl(["req", "-new", ...newEcKeyArgs(key), "-subj", `/CN=${cn}`]);
  const ext = [
    opts.ca
      ? `basicConstraints=critical,CA:TRUE${opts.pathlen !== undefined ? `,pathlen:${opts.pathlen}` : ""}`
      : "basicConstraints=critical,CA:FALSE",
    opts.ca ? "keyUsage=critical,keyCertSign,cRLSign" : "keyUsage=critical,digitalSignature",
    "subjectKeyIdentifier=hash",
    "authorityKeyIdentifier=keyid",
    ...(opts.san ? [`subjectAltName=${opts.san}`] : []),
  ];
  return { pem: opensslSignCsr(caCertPem, caKeyPath, csr, ext, "0x1" + randomBytes(12).toString("hex")), key };
}

/**
 * `openssl x509 -req`: the CA (its certificate PEM and unencrypted key file) signs the CSR `csrPem` for 30
 * days with the extension lines `ext` and the serial `serial` (0x-prefixed hex); returns the certificate PEM.
 */
export function opensslSignCsr(caCertPem: string, caKeyPath: string, csrPem: string, ext: string[], serial: string): string {
  return ossl(
    [
      "x509",
      "-req",
      "-CA",
      scratch("ca.pem", caCertPem),
      "-CAkey",
      caKeyPath,
      "-set_serial",
      serial,
      "-days",
      "30",
      "-extfile",
      scratch("ext.cnf", ext.join("\n") + "\n"),
    ],
    csrPem,
  );
}

/** Path of the key file of a CA in the default file key store. */
export const keyFile = (t: TscaEnv, serial: string): string => join(caDir(t), `${plainSerial(serial)}.key`);
