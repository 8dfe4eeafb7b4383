/**
 * NSS (Firefox, Thunderbird, many Linux tools) as an independent CRL oracle, through Debian's
 * libnss3-tools: a throw-away certificate database with CA certificates added by certutil, and CRLs
 * imported with `crlutil -I` (with NSS's own checks: no -B) and listed with `crlutil -L`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NssResult {
  code: number;
  out: string;
}

export interface NssDb {
  dir: string;
  /** Add a CA certificate (PEM) under `nickname` with the given trust flags (certutil -t). */
  addCa(nickname: string, pem: string, trust: string): void;
  /** `crlutil -I -t 1` of a DER CRL. */
  importCrl(der: Buffer): NssResult;
  /** `crlutil -L -n nickname`: the CRL stored for that CA, with its entries. */
  listCrl(nickname: string): NssResult;
  dispose(): void;
}

function run(cmd: string, args: string[]): NssResult {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export function nssDb(): NssDb {
  const dir = mkdtempSync(join(tmpdir(), "tsca-nss-"));
  const db = `sql:${dir}`;
  const made = run("certutil", ["-N", "--empty-password", "-d", db]);
  if (made.code !== 0) throw new Error(`certutil -N failed: ${made.out}`);
  let n = 0;
  return {
    dir,
    addCa(nickname, pem, trust) {
      const file = join(dir, `ca-${n++}.pem`);
      writeFileSync(file, pem);
      const r = run("certutil", ["-A", "-n", nickname, "-t", trust, "-i", file, "-d", db]);
      if (r.code !== 0) throw new Error(`certutil -A failed: ${r.out}`);
    },
    importCrl(der) {
      const file = join(dir, `crl-${n++}.der`);
      writeFileSync(file, der);
      return run("crlutil", ["-I", "-i", file, "-t", "1", "-d", db]);
    },
    listCrl(nickname) {
      return run("crlutil", ["-L", "-n", nickname, "-d", db]);
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
