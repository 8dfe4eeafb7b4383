/**
 * The database half of `tsca backup`: a consistent copy of an SQLite database taken while other processes
 * (tsca serve) use it, and the migration the database is at. PostgreSQL is not copied here (pg_dump, see
 * docs/operations.md "Backups and restore"): `copyTo` is absent then.
 */
export interface DatabaseSnapshot {
  /** "sqlite" (copied by copyTo) or "postgres" (pg_dump's job). */
  readonly kind: "sqlite" | "postgres";
  /** The last migration applied, for the manifest (a restore needs a tsca that knows it). */
  migrationLevel(): Promise<string | undefined>;
  /** Write a consistent copy of the whole database to `path` (a new file, mode 0600). */
  copyTo?(path: string): Promise<void>;
}
