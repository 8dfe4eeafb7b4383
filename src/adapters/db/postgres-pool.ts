/**
 * The PostgreSQL connection pool, made to survive the database going away (issue 14):
 *
 * - Every client has an 'error' listener. pg emits 'error' on an idle client when the server ends its
 *   session (`pg_ctl stop`: 57P01 "terminating connection due to administrator command"), and on a
 *   checked-out client when its socket dies; without a listener that is an unhandled 'error' event and
 *   the process exits. The pool drops such a client; the next query connects anew, and a failure then
 *   surfaces where it belongs, as a rejected query (ERR_DATABASE in the repositories).
 * - With `timeoutMs`, nothing waits for the server without bound: connecting (and waiting for a free
 *   client) is limited by `connectionTimeoutMillis`, each statement by the server's `statement_timeout`,
 *   and, for a server that does not answer at all (a black-holed network), by the client's
 *   `query_timeout` a little later. TCP keepalive finds dead idle connections.
 * - A client whose query failed without a server answer (read timeout, socket error) or whose session
 *   ended is destroyed on release instead of going back to the pool, where its still-pending query would
 *   make every later query on it time out too.
 */
import type { PostgresPool, PostgresPoolClient } from "kysely";
import type { Pool, PoolClient } from "pg";

export interface PostgresPoolOptions {
  /** Milliseconds for connecting and for each statement; unset: no limit. */
  timeoutMs?: number;
}

/**
 * The client-side read timeout fires this long after the server's statement_timeout, so a statement that
 * is merely slow is cancelled by the server (and its connection kept), while a silent server is given up.
 */
const READ_TIMEOUT_MARGIN_MS = 1_000;

/** Idle time before the first TCP keepalive probe (the OS default is two hours). */
const KEEPALIVE_DELAY_MS = 10_000;

export async function createPostgresPool(url: string, options: PostgresPoolOptions = {}): Promise<Pool> {
  const pg = await import("pg");
  const t = options.timeoutMs;
  const pool = new pg.default.Pool({
    connectionString: url,
    max: 4,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    ...(t ? { connectionTimeoutMillis: t, statement_timeout: t, query_timeout: t + READ_TIMEOUT_MARGIN_MS } : {}),
  });
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  return pool;
}

/**
 * Whether a failed query leaves its connection unusable: no SQLSTATE at all (a read timeout, a socket
 * error, "Connection terminated"), class 08 (connection exception) or 57P (the server shutting down).
 * A statement_timeout cancellation (57014) and ordinary SQL errors leave the session usable.
 */
export function connectionLost(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return code.startsWith("08") || code.startsWith("57P");
}

/** The pool as Kysely's PostgresDialect sees it, destroying clients whose connection was lost. */
export function discardingLostConnections(pool: Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client: PoolClient = await pool.connect();
      let lost = false;
      const query = (...args: unknown[]): unknown => {
        const result = (client.query as (...a: unknown[]) => unknown)(...args);
        if (result instanceof Promise)
          result.catch((e: unknown) => {
            if (connectionLost(e)) lost = true;
          });
        return result;
      };
      return { query, release: (destroy?: boolean) => client.release(destroy || lost) } as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
