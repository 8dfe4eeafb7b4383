/**
 * The file half of `tsca check`: private keys must be readable by their owner alone (0600) in directories
 * only the owner can enter (0700), and so must a SQLite database (it holds the OCSP responder key secrets).
 * A mode wider than that is reported, never changed here: a check that repairs would hide who widened it.
 */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(4, "0");

/** One sentence when `path` grants group or others more than nothing; nothing when it is missing. */
async function tooOpen(path: string, what: string, wanted: number): Promise<string | undefined> {
  const st = await lstat(path).catch(() => undefined);
  if (!st || (st.mode & 0o077) === 0) return undefined;
  return `${path}: ${what} has mode ${octal(st.mode)}, others can reach it; make it ${octal(wanted)}.`;
}

/** A key directory (CA_DIR, the OCSP key directory): itself 0700, every file in it and its subdirectories 0600/0700. */
async function keyDirectory(dir: string, what: string, out: string[]): Promise<void> {
  const self = await tooOpen(dir, what, 0o700);
  if (self) out.push(self);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) await keyDirectory(path, "The key directory", out);
    else if (e.isFile()) {
      const p = await tooOpen(path, "The key file", 0o600);
      if (p) out.push(p);
    }
  }
}

export async function fileModeProblems(where: { keyDirs: string[]; sqliteFile: string | undefined }): Promise<string[]> {
  const out: string[] = [];
  for (const dir of where.keyDirs) await keyDirectory(dir, "The key directory", out);
  if (where.sqliteFile) {
    const p = await tooOpen(where.sqliteFile, "The SQLite database", 0o600);
    if (p) out.push(p);
  }
  return out;
}
