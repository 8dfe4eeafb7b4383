/**
 * A separate process appending to the audit log (bundled by audit-log.test.ts with esbuild, since Node 20
 * cannot run TypeScript). Arguments: database URL, label, number of events. It prints "ready" once the
 * database is open, waits for a line on stdin (so that every child starts appending at once), appends its
 * events ten at a time, and prints "done".
 */
import { once } from "node:events";
import { openDatabase } from "../../src/adapters/db/connection.js";
import { SqlAuditLog } from "../../src/adapters/db/audit-log.js";

const [url, label, count] = process.argv.slice(2) as [string, string, string];
const db = await openDatabase(url);
const log = new SqlAuditLog(db.db);
process.stdout.write("ready\n");
await once(process.stdin, "data");
const n = Number(count);
for (let i = 0; i < n; i += 10) {
  const batch = Array.from({ length: Math.min(10, n - i) }, (_, j) =>
    log.append(
      { actor: `system:${label}`, action: "test.append", object: `n:${i + j}`, outcome: "success", requestId: label, detail: { i: i + j } },
      new Date(),
    ),
  );
  await Promise.all(batch);
}
await db.close();
process.stdout.write("done\n");
process.stdin.destroy();
