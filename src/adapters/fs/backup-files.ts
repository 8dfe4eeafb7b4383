/**
 * The files of `tsca backup` (core/ports/backup-files.ts): the target directory (0700, refused unless new or
 * empty), key directories copied with their permission bits, SHA-256 of every file, and the manifest
 * written through a temporary file, fsync and rename so that it appears whole and last. Every copied file
 * is fsynced: a backup reported complete is on disk.
 */
import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import { join } from "node:path";
import { TscaError } from "../../core/errors.js";
import type { BackupFileEntry, BackupFileFacts, BackupFiles } from "../../core/ports/backup-files.js";
import { MANIFEST_NAME } from "../../core/usecases/backup.js";
import { fsyncDirectory, ioError, writeFileAtomically } from "./durable-file.js";

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function copyFile(from: string, to: string, mode: number): Promise<void> {
  // "wx": never overwrite; the file is created with its mode before any key byte is written.
  const data = await fs.readFile(from);
  const handle = await fs.open(to, "wx", mode & 0o777);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode & 0o777); // the umask may have narrowed or kept bits the source has
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function copyTreeInto(from: string, to: string): Promise<void> {
  const st = await fs.stat(from);
  await fs.mkdir(to, { mode: 0o700 });
  for (const e of await fs.readdir(from, { withFileTypes: true })) {
    const src = join(from, e.name);
    const dst = join(to, e.name);
    if (e.isDirectory()) await copyTreeInto(src, dst);
    else if (e.isFile()) {
      // A file removed since the listing (a replaced responder key deleted, a temporary
      // file renamed into place) is not part of the snapshot; its replacement is copied under its own name.
      const file = await fs.stat(src).catch((err: NodeJS.ErrnoException) => (err.code === "ENOENT" ? undefined : Promise.reject(err)));
      if (file)
        await copyFile(src, dst, file.mode).catch((err: NodeJS.ErrnoException) =>
          err.code === "ENOENT" ? undefined : Promise.reject(err),
        );
    }
    // Symbolic links and sockets are not keys tsca writes; they are left out (and so not in the manifest).
  }
  await fs.chmod(to, st.mode & 0o777);
  await fsyncDirectory(to);
}

export class FsBackupFiles implements BackupFiles {
  async createTarget(dir: string): Promise<void> {
    try {
      await fs.mkdir(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw ioError(dir, "Cannot create the backup directory", e);
      const st = await fs.stat(dir);
      if (!st.isDirectory() || (await fs.readdir(dir)).length > 0)
        throw new TscaError("ERR_BACKUP_TARGET", `${dir}: The backup directory exists and is not empty; give a new or empty directory.`);
    }
    await fs.chmod(dir, 0o700).catch((e: unknown) => {
      throw ioError(dir, "Cannot make the backup directory private", e);
    });
  }

  async copyTree(source: string, dir: string, as: string): Promise<boolean> {
    const exists = await fs.stat(source).catch(() => undefined);
    if (!exists?.isDirectory()) return false;
    try {
      await copyTreeInto(source, join(dir, as));
      await fsyncDirectory(dir);
    } catch (e) {
      throw ioError(source, "Cannot copy the key directory", e);
    }
    return true;
  }

  async list(dir: string): Promise<BackupFileEntry[]> {
    const out: BackupFileEntry[] = [];
    const walk = async (rel: string): Promise<void> => {
      for (const e of await fs.readdir(rel ? join(dir, rel) : dir, { withFileTypes: true })) {
        const path = rel ? `${rel}/${e.name}` : e.name;
        if (!rel && (e.name === MANIFEST_NAME || (e.name.startsWith(".") && e.name.endsWith(".tmp")))) continue;
        const facts = await this.inspect(dir, path);
        if (!facts) continue;
        out.push({ path, ...facts });
        if (e.isDirectory()) await walk(path);
      }
    };
    await walk("");
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async inspect(dir: string, path: string): Promise<(BackupFileFacts & { kind: "file" | "dir" }) | undefined> {
    const full = join(dir, ...path.split("/"));
    const st = await fs.lstat(full).catch(() => undefined);
    if (!st || !(st.isFile() || st.isDirectory())) return undefined;
    if (st.isDirectory()) return { kind: "dir", size: 0, mode: st.mode & 0o777, sha256: "" };
    return { kind: "file", size: st.size, mode: st.mode & 0o777, sha256: await sha256(full) };
  }

  async writeManifest(dir: string, text: string): Promise<void> {
    await writeFileAtomically(join(dir, MANIFEST_NAME), text, 0o600);
  }

  async readManifest(dir: string): Promise<string | undefined> {
    try {
      return await fs.readFile(join(dir, MANIFEST_NAME), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw ioError(join(dir, MANIFEST_NAME), "Cannot read the backup manifest", e);
    }
  }
}
