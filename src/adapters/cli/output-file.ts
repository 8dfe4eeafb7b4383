/**
 * Output files (--out, dump_* PATH). Two rules, so that a failed command leaves the data as it was:
 *
 * - Checked first: commands that change the database (sign_cert, resign_cert, dump_crl) call
 *   checkOutputFile before they issue or store anything, so a path that cannot be written (a missing
 *   directory, one without write permission, a directory given as the file) fails the command while
 *   nothing has happened yet and a retry with a good path issues exactly one certificate.
 * - Written atomically: a temporary file in the same directory is written, fsynced and renamed over the
 *   target, then the directory is fsynced (adapters/fs/durable-file.ts). A crash or a full disk leaves
 *   the old file or the whole new one, never a truncated certificate. A new file gets mode 0644
 *   (certificates and CRLs are public) less the umask; a file that is replaced keeps its mode. Special
 *   files (/dev/stdout, a FIFO) cannot be renamed over and are written in place.
 */
import { constants as fsConstants, promises as fs, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { TscaError } from "../../core/errors.js";
import { systemErrorText, writeFileAtomically } from "../fs/durable-file.js";

/** Where the data goes: a regular file (new or replaced, atomically) or a special file written in place. */
interface OutputTarget {
  path: string;
  special: boolean;
  mode: number;
}

const NEW_FILE_MODE = 0o644;

const cannotWrite = (path: string, why: string, cause?: unknown): TscaError =>
  new TscaError("ERR_IO", `${path}: Cannot write the file: ${why}.`, cause === undefined ? undefined : { cause });

async function statOrUndefined(path: string, follow: boolean): Promise<Stats | undefined> {
  try {
    return follow ? await fs.stat(path) : await fs.lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

async function resolveTarget(given: string): Promise<OutputTarget> {
  let path = resolve(given);
  let st = await statOrUndefined(path, false).catch((e: unknown) => {
    throw cannotWrite(given, systemErrorText(e), e);
  });
  // A symbolic link names the file to write; replacing the link itself would surprise (and break a
  // link into a shared directory), so the rename goes to where it points.
  if (st?.isSymbolicLink()) {
    path = await fs.realpath(path).catch((e: unknown) => {
      throw cannotWrite(given, `it is a symbolic link to a missing file or directory (${systemErrorText(e)})`, e);
    });
    st = await statOrUndefined(path, true);
  }
  if (st?.isDirectory()) throw cannotWrite(given, "it is a directory");
  if (st && !st.isFile()) {
    await fs.access(path, fsConstants.W_OK).catch((e: unknown) => {
      throw cannotWrite(given, systemErrorText(e), e);
    });
    return { path, special: true, mode: st.mode & 0o7777 };
  }
  const dir = dirname(path);
  const dirStat = await statOrUndefined(dir, true).catch((e: unknown) => {
    throw cannotWrite(given, systemErrorText(e), e);
  });
  if (!dirStat) throw cannotWrite(given, `the directory ${dirname(given)} does not exist`);
  if (!dirStat.isDirectory()) throw cannotWrite(given, `${dirname(given)} is not a directory`);
  // The temporary file is created in the directory and renamed there: both need write and search access.
  await fs.access(dir, fsConstants.W_OK | fsConstants.X_OK).catch((e: unknown) => {
    throw cannotWrite(given, `the directory ${dirname(given)} is not writable (${systemErrorText(e)})`, e);
  });
  // An existing read-only file is not overwritten behind its owner's back, as a plain write would not either.
  if (st)
    await fs.access(path, fsConstants.W_OK).catch((e: unknown) => {
      throw cannotWrite(given, `the file is not writable (${systemErrorText(e)})`, e);
    });
  return { path, special: false, mode: st ? st.mode & 0o7777 : NEW_FILE_MODE };
}

/** Refuse, before anything is changed, an output path that cannot be written; stdout ("-" or none) always can. */
export async function checkOutputFile(path: string | undefined): Promise<void> {
  if (path === undefined || path === "-") return;
  await resolveTarget(path);
}

/** Write `data` to `path` atomically (see the module comment). */
export async function writeOutputFile(path: string, data: Buffer | string): Promise<void> {
  const target = await resolveTarget(path);
  try {
    if (target.special) await fs.writeFile(target.path, data);
    else await writeFileAtomically(target.path, data, target.mode);
  } catch (e) {
    throw cannotWrite(path, systemErrorText(e), e);
  }
}
