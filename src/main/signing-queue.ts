/**
 * The signing queue's worker side over the open database, for `tsca worker` and `tsca serve --worker`:
 * PostgreSQL listens for NOTIFY on its own connection (the URL the database was opened with) and polls as
 * a fallback; SQLite polls.
 */
import type { OpenDatabase } from "../adapters/db/connection.js";
import { SqlSigningQueue, type SigningQueueOptions } from "../adapters/db/signing-queue.js";
import type { SigningQueue } from "../core/ports/signing-queue.js";
import { transactionPorts } from "./composition.js";

export function signingQueue(
  db: Pick<OpenDatabase, "db" | "dialect">,
  databaseUrl: string,
  options: SigningQueueOptions = {},
): SigningQueue {
  return new SqlSigningQueue(db.db, db.dialect, transactionPorts(db.dialect), {
    ...(db.dialect === "postgres" ? { listenUrl: databaseUrl } : {}),
    ...options,
  });
}
