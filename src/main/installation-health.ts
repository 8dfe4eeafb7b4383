/**
 * The installation port of `tsca check` (core/ports/installation-health.ts), from its two adapters: the
 * database queries and the file modes of CA_DIR, the OCSP key directory and a SQLite database file.
 */
import { sqlitePath, type OpenDatabase } from "../adapters/db/connection.js";
import { SqlInstallationQueries } from "../adapters/db/installation-queries.js";
import { fileModeProblems } from "../adapters/fs/file-modes.js";
import type { Settings } from "../config/settings.js";
import type { InstallationHealth } from "../core/ports/installation-health.js";

export function installationHealth(
  db: Pick<OpenDatabase, "db">,
  settings: Pick<Settings, "caDir" | "ocspKeyDir" | "databaseUrl">,
): InstallationHealth {
  const queries = new SqlInstallationQueries(db.db);
  const sqliteFile = sqlitePath(settings.databaseUrl);
  return {
    migrations: () => queries.migrations(),
    pendingBefore: (cutoff) => queries.pendingBefore(cutoff),
    fileModeProblems: () =>
      fileModeProblems({ keyDirs: [settings.caDir, settings.ocspKeyDir], sqliteFile: sqliteFile === ":memory:" ? undefined : sqliteFile }),
  };
}
