/**
 * The file half of `tsca backup`: the backup directory, copies of the key directories with their modes, and
 * what each copied file is (size, mode, SHA-256) for the manifest and for `--verify`. Paths inside the
 * backup are relative, with "/" separators.
 */
export interface BackupFileFacts {
  size: number;
  /** Permission bits (0o600 for a key file). */
  mode: number;
  sha256: string;
}

export interface BackupFileEntry extends BackupFileFacts {
  /** Relative to the backup directory, "/"-separated. */
  path: string;
  kind: "file" | "dir";
}

export interface BackupFiles {
  /** Create `dir` with mode 0700; ERR_BACKUP_TARGET when it exists and is not an empty directory. */
  createTarget(dir: string): Promise<void>;
  /** Copy the directory tree `source` to `dir/as`, keeping each file's and directory's permission bits. Nothing when `source` is missing. */
  copyTree(source: string, dir: string, as: string): Promise<boolean>;
  /** Every file and directory under `dir`, except the manifest, sorted by path. */
  list(dir: string): Promise<BackupFileEntry[]>;
  /** What `dir/path` is now; undefined when missing. */
  inspect(dir: string, path: string): Promise<(BackupFileFacts & { kind: "file" | "dir" }) | undefined>;
  /** Write the manifest last, through a temporary file and a rename, so that a backup without one is incomplete. */
  writeManifest(dir: string, text: string): Promise<void>;
  /** The manifest's text; undefined when there is none (an interrupted or no backup). */
  readManifest(dir: string): Promise<string | undefined>;
}
