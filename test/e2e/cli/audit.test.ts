/**
 * `tsca audit` as a user runs it: the listing (text and --json, with filters), `--verify` on an intact log
 * (exit 0) and, after tampering by hand with SQL, the one sentence naming the broken event (exit 1).
 * Events are appended through SqlAuditLog from the test, so this does not depend on which commands record
 * what.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlAuditLog } from "../../../src/adapters/db/audit-log.js";
import { openDatabase, type OpenDatabase } from "../../../src/adapters/db/connection.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { runTsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";

const t0 = Date.parse("2026-12-01T00:00:00Z");

describe.each(BACKENDS)("tsca audit (%s)", (backend) => {
  let t: TscaEnv;
  let db: OpenDatabase;
  let first: number;

  beforeAll(async () => {
    const url = await freshDatabaseUrl(backend);
    t = tscaEnv(url);
    db = await openDatabase(url ?? join(t.home, "tsca.sqlite3"));
    const log = new SqlAuditLog(db.db);
    first = Number((await db.db.selectFrom("audit_head").select("seq").executeTakeFirstOrThrow()).seq) + 1;
    for (let i = 0; i < 6; i++)
      await log.append(
        {
          actor: i % 2 ? "web:alice" : "cli:root",
          action: i === 3 ? "cert.revoke" : "cert.issue",
          object: `cert:AB${i}`,
          outcome: i === 5 ? "failure" : "success",
          requestId: `req-${i}`,
          ...(i === 3 ? { detail: { reason: "key_compromise" } } : {}),
        },
        new Date(t0 + i * 3600_000),
      );
  });
  afterAll(async () => {
    await db?.close();
  });

  it("lists events one per line, oldest first, with filters", () => {
    const r = runTsca(t, ["audit", "--object", "cert:AB"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split("\n")).toEqual([
      `${first}  2026-12-01T00:00:00.000Z  cli:root  cert.issue  cert:AB0  success  req-0`,
      `${first + 1}  2026-12-01T01:00:00.000Z  web:alice  cert.issue  cert:AB1  success  req-1`,
      `${first + 2}  2026-12-01T02:00:00.000Z  cli:root  cert.issue  cert:AB2  success  req-2`,
      `${first + 3}  2026-12-01T03:00:00.000Z  web:alice  cert.revoke  cert:AB3  success  req-3  {"reason":"key_compromise"}`,
      `${first + 4}  2026-12-01T04:00:00.000Z  cli:root  cert.issue  cert:AB4  success  req-4`,
      `${first + 5}  2026-12-01T05:00:00.000Z  web:alice  cert.issue  cert:AB5  failure  req-5`,
    ]);
    const seqs = (args: string[]) =>
      runTsca(t, ["audit", ...args])
        .stdout.trimEnd()
        .split("\n")
        .map((l) => Number(l.split("  ")[0]) - first);
    expect(seqs(["--actor", "web:alice"])).toEqual([1, 3, 5]);
    expect(seqs(["--action", "cert.revoke"])).toEqual([3]);
    expect(seqs(["--object", "cert:", "--limit", "2"])).toEqual([4, 5]);
    expect(seqs(["--since", "2026-12-01T02:00:00Z", "--until", "2026-12-01T05:00:00+01:00"])).toEqual([2, 3]);
    expect(runTsca(t, ["audit", "--actor", "web:nobody"]).stdout).toBe("");
  });

  it("prints one JSON array with --json", () => {
    const r = runTsca(t, ["audit", "--json", "--action", "cert.revoke"]);
    expect(r.code).toBe(0);
    const events = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(events).toEqual([
      {
        seq: first + 3,
        time: "2026-12-01T03:00:00.000Z",
        actor: "web:alice",
        action: "cert.revoke",
        object: "cert:AB3",
        outcome: "success",
        request_id: "req-3",
        detail: { reason: "key_compromise" },
        prev_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
  });

  it("refuses bad filter values and filters with --verify as usage errors", () => {
    for (const args of [
      ["--since", "2026-12-01T00:00"],
      ["--until", "yesterday"],
      ["--limit", "0"],
      ["--verify", "--actor", "cli:root"],
    ]) {
      const r = runTsca(t, ["audit", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/^Error: .+\.\n$/);
      expect(r.stdout).toBe("");
    }
  });

  it("verifies an intact log, then names the event changed by hand with exit 1", async () => {
    const intact = runTsca(t, ["audit", "--verify"]);
    expect(intact).toMatchObject({ code: 0, stderr: "", stdout: `Audit log intact: ${first + 5} events.\n` });
    const json = runTsca(t, ["audit", "--verify", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({ events: first + 5, intact: true, broken: null });

    await db.db
      .updateTable("audit_event")
      .set({ detail: '{"reason":"superseded"}' })
      .where("seq", "=", first + 3)
      .execute();
    const broken = runTsca(t, ["audit", "--verify"]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe("");
    expect(broken.stderr).toBe(
      `Error: The audit log is broken: event ${first + 3} (cert.revoke on cert:AB3) was changed; its hash does not match its contents.\n`,
    );
    const brokenJson = runTsca(t, ["audit", "--verify", "--json"]);
    expect(brokenJson.code).toBe(1);
    expect(JSON.parse(brokenJson.stdout)).toMatchObject({ intact: false, broken: { seq: first + 3, problem: "changed" } });
  });

  it("names the newest event deleted by hand", async () => {
    // The earlier edit is undone first: put the detail back as it was.
    await db.db
      .updateTable("audit_event")
      .set({ detail: '{"reason":"key_compromise"}' })
      .where("seq", "=", first + 3)
      .execute();
    expect(runTsca(t, ["audit", "--verify"]).code).toBe(0);
    await db.db
      .deleteFrom("audit_event")
      .where("seq", "=", first + 5)
      .execute();
    const r = runTsca(t, ["audit", "--verify"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^Error: The audit log is broken: event ${first + 5} was removed; .+\\.\\n$`));
  });
});
