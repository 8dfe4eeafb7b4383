/**
 * Writing key files so that a crash, a full disk or an I/O error never leaves a partial or 0-byte key and
 * a reported success is on disk: write, fsync the file, rename (when the name must appear atomically),
 * fsync the directory — a rename or a new name is durable only once its directory is (fsync(2), "Calling
 * fsync() does not necessarily ensure that the entry in the directory containing the file has also
 * reached disk"). Errors become ERR_IO with one sentence that names the path and the system error.
 */
import { randomBytes } from "node:crypto";
import { promises as fs, constants as fsConstants } from "node:fs";
import { basename, dirname, join } from "node:path";
import { TscaError } from "../../core/errors.js";

/** "no space left on device (ENOSPC)": the part of a system error a user can act on. */
export function systemErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== "string") return "unexpected error";
  // Node's message is "ENOSPC: no space left on device, write"; keep the description only.
  const description = /^[A-Z0-9_]+: ([^,]+)/.exec(err.message ?? "")?.[1];
  return description ? `${description} (${err.code})` : err.code;
}

export function ioError(path: string, what: string, e: unknown): TscaError {
  if (e instanceof TscaError) return e;
  return new TscaError("ERR_IO", `${path}: ${what}: ${systemErrorText(e)}.`, { cause: e });
}

/** Directories cannot be opened or fsynced on every platform (Windows); there the rename is as durable as it gets. */
const DIR_SYNC_UNSUPPORTED = new Set(["EISDIR", "EINVAL", "EPERM", "ENOTSUP"]);

export async function fsyncDirectory(dir: string): Promise<void> {
  const unsupported = (e: unknown): boolean => DIR_SYNC_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? "");
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(dir, fsConstants.O_RDONLY | (fsConstants.O_DIRECTORY ?? 0));
  } catch (e) {
    if (unsupported(e)) return;
    throw e;
  }
  try {
    await handle.sync();
  } catch (e) {
    if (!unsupported(e)) throw e;
  } finally {
    await handle.close();
  }
}

/**
 * A private directory (0700), created with its parents if missing. The mode is only changed when it is
 * wrong, so that a directory that is already right costs no write (a read-only data directory stays
 * usable). A newly created directory is made durable in its parent.
 */
export async function ensurePrivateDirectory(dir: string): Promise<void> {
  const stat = await fs.stat(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (stat && !stat.isDirectory()) throw new TscaError("ERR_IO", `${dir}: Not a directory.`);
  if (!stat) {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fsyncDirectory(dirname(dir));
  }
  // mkdir's mode is filtered by the umask and does not touch existing directories: enforce 0700.
  if (!stat || (stat.mode & 0o777) !== 0o700) await fs.chmod(dir, 0o700);
}

/**
 * Create `path` (which must not exist), write `data`, fsync and close it, then run `finish`. If anything
 * after the creation fails, `path` is removed again (never a file that existed before: the open fails).
 */
async function writeNewFile(path: string, data: string | Buffer, mode: number, finish: () => Promise<void>): Promise<void> {
  const handle = await fs.open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, mode);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await finish();
  } catch (e) {
    await fs.rm(path, { force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Create `path` (which must not exist), write `data`, fsync it, and fsync its directory. On any failure
 * the partial file is removed, so no 0-byte or truncated file is left behind.
 */
export async function writeNewFileDurably(path: string, data: string | Buffer, mode = 0o600): Promise<void> {
  await writeNewFile(path, data, mode, () => fsyncDirectory(dirname(path)));
}

/**
 * Make `path` hold `data`, atomically: a temporary file in the same directory (so the rename never crosses
 * file systems) is written and fsynced, then renamed over `path`, then the directory is fsynced. Readers
 * see either no file or the whole file; on failure the temporary file is removed.
 */
export async function writeFileAtomically(path: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  await writeNewFile(temp, data, mode, () => fs.rename(temp, path));
  await fsyncDirectory(dirname(path));
}

/** Temporary files of writeFileAtomically, so a directory listing can leave them out. */
export const isTemporaryFile = (name: string): boolean => name.startsWith(".") && name.endsWith(".tmp");
