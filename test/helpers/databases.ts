/**
 * The database backends a suite runs against: SQLite always; PostgreSQL when TSCA_TEST_POSTGRES_URL is
 * set (.ci/run starts a server and sets it). Without it the PostgreSQL cases are skipped with a printed
 * reason; CI makes them run. Each PostgreSQL test gets its own fresh schema.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const POSTGRES_URL = process.env.TSCA_TEST_POSTGRES_URL;

export type Backend = "sqlite" | "postgres";

export const BACKENDS: Backend[] = POSTGRES_URL ? ["sqlite", "postgres"] : ["sqlite"];

if (!POSTGRES_URL && !process.env.TSCA_PG_SKIP_NOTICE_SHOWN) {
  process.env.TSCA_PG_SKIP_NOTICE_SHOWN = "1";
  console.warn("PostgreSQL cases skipped: TSCA_TEST_POSTGRES_URL is not set (.ci/run sets it).");
}

/** A database URL for a fresh, empty store of the given backend (undefined: the SQLite default in TSCA_HOME). */
export async function freshDatabaseUrl(backend: Backend): Promise<string | undefined> {
  if (backend === "sqlite") return undefined;
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const url = new URL(POSTGRES_URL!);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}
