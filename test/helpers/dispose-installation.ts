/**
 * Removing what a test installation made: its TSCA_HOME (keys, SQLite file) and, on PostgreSQL, the
 * fresh schema freshDatabaseUrl created for it (named in the URL's `options=-c search_path=…`).
 */
import { rmSync } from "node:fs";
import type { TscaEnv } from "./cli.js";
import { pgQuery } from "./oracles.js";

export async function disposeInstallation(t: TscaEnv): Promise<void> {
  rmSync(t.home, { recursive: true, force: true });
  const url = t.env.TSCA_DATABASE_URL;
  const schema =
    url && /^postgres(ql)?:/.test(url) ? /^-c search_path=(\w+)$/.exec(new URL(url).searchParams.get("options") ?? "")?.[1] : undefined;
  if (schema) await pgQuery(url!, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
