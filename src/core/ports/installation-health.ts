/**
 * What `tsca check` asks of the installation beyond the repositories: the schema version, the age of the
 * signing queue, and the file modes of what must stay private (keys, key directories, a SQLite file).
 */
export interface InstallationHealth {
  /** Migrations this program has that the database lacks, and ones the database has that this program does not know (a newer tsca). */
  migrations(): Promise<{ missing: string[]; unknown: string[] }>;
  /** Signing requests still pending that were made before `cutoff`: how many, and when the oldest was made. */
  pendingBefore(cutoff: Date): Promise<{ count: number; oldest: Date | undefined }>;
  /** Files and directories others could read or write, one sentence each naming the path, its mode and the mode wanted. */
  fileModeProblems(): Promise<string[]>;
}
