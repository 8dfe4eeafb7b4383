/**
 * SqlAuditLog against both databases: concurrent appends (one process and several) keep seqs 1..N and an
 * intact chain, an append inside a rolled-back transaction leaves nothing, list() filters, and tampering
 * by hand with SQL (an edited, deleted, swapped or cut-off event) is found by verify() and named by seq.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { build } from "esbuild";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SqlAuditLog } from "../../src/adapters/db/audit-log.js";
import { openDatabase, type OpenDatabase } from "../../src/adapters/db/connection.js";
import { GENESIS_HASH, auditEventHash, canonicalJson } from "../../src/core/audit/audit-chain.js";
import type { AuditEventInput } from "../../src/core/ports/audit-log.js";
import { BACKENDS, freshDatabaseUrl, type Backend } from "../helpers/databases.js";
import { ROOT } from "../helpers/cli.js";

const t0 = new Date("2026-12-01T00:00:00Z");
const at = (i: number): Date => new Date(t0.getTime() + i * 1000);

const event = (i: number, over: Partial<AuditEventInput> = {}): AuditEventInput => ({
  actor: i % 2 ? "cli:root" : "web:alice",
  action: i % 3 ? "cert.issue" : "cert.revoke",
  object: `cert:${i.toString(16).toUpperCase().padStart(4, "0")}`,
  outcome: "success",
  requestId: `req-${i}`,
  detail: { i, reason: "superseded" },
  ...over,
});

async function freshUrl(backend: Backend): Promise<string> {
  return (await freshDatabaseUrl(backend)) ?? join(mkdtempSync(join(tmpdir(), "tsca-audit-")), "tsca.sqlite3");
}

/** The child-process appender, bundled once (Node 20 runs no TypeScript); next to node_modules so its imports resolve. */
let childScript: string;
beforeAll(async () => {
  const dir = join(ROOT, "node_modules", ".cache", "tsca-test");
  mkdirSync(dir, { recursive: true });
  childScript = join(dir, `audit-log-child-${process.pid}.mjs`);
  await build({
    entryPoints: [join(ROOT, "test", "integration", "audit-log-child.ts")],
    outfile: childScript,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["better-sqlite3", "pg", "pg-native"],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: "warning",
  });
});

afterAll(() => rmSync(childScript, { force: true }));

/** What verify() gives for an intact log of n events: no break, the head at event n. */
const intact = (n: number) => ({ events: n, head: { seq: n, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });

describe.each(BACKENDS)("SqlAuditLog (%s)", (backend) => {
  const opened: OpenDatabase[] = [];
  const open = async (url: string): Promise<OpenDatabase> => {
    const db = await openDatabase(url);
    opened.push(db);
    return db;
  };
  const fresh = async (): Promise<{ url: string; db: OpenDatabase; log: SqlAuditLog }> => {
    const url = await freshUrl(backend);
    const db = await open(url);
    return { url, db, log: new SqlAuditLog(db.db) };
  };
  /** A log of n events appended one after another. */
  const logOf = async (n: number) => {
    const f = await fresh();
    for (let i = 1; i <= n; i++) await f.log.append(event(i), at(i));
    return f;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((d) => d.close()));
  });

  it("keeps seqs 1..N and an intact chain under 200 concurrent appends", async () => {
    const { log } = await fresh();
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(event(i + 1), at(i + 1))));
    expect(await log.verify()).toEqual(intact(200));
    const events = await log.list({});
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // Every event linked to the one before it.
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    // Each of the 200 inputs landed exactly once.
    expect(new Set(events.map((e) => e.requestId)).size).toBe(200);
  });

  it("keeps the chain intact with appends from two connections and two processes at once", async () => {
    const { url, log } = await fresh();
    // A second connection in this process on PostgreSQL. Not on SQLite: better-sqlite3 waits for a lock
    // synchronously, so a second in-process connection would block the event loop the first one needs
    // to finish its transaction (one process uses one SQLite connection; other processes are the children).
    const other = backend === "postgres" ? new SqlAuditLog((await open(url)).db) : log;
    const children = ["a", "b"].map((label) => {
      const child = spawn(process.execPath, [childScript, url, label, "60"], { stdio: ["pipe", "pipe", "inherit"] });
      const lines = createInterface({ input: child.stdout! });
      const seen = (word: string) => new Promise<void>((resolve) => lines.on("line", (l) => l === word && resolve()));
      return { child, ready: seen("ready"), done: seen("done"), exit: once(child, "exit") };
    });
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin!.write("go\n");
    // Meanwhile this process appends too.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? log : other).append(event(i, { requestId: i % 2 ? "one" : "two" }), at(i))),
    );
    await Promise.all(children.map((c) => c.done));
    for (const c of children) expect((await c.exit)[0]).toBe(0);
    expect(await log.verify()).toEqual(intact(160));
    const events = await log.list({});
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
    const by = (r: string) => events.filter((e) => e.requestId === r).length;
    expect([by("a"), by("b"), by("one"), by("two")]).toEqual([60, 60, 20, 20]);
  });

  it("joins the caller's transaction: a rollback leaves no event and the chain intact", async () => {
    const { db, log } = await logOf(3);
    await expect(
      db.db.transaction().execute(async (trx) => {
        await new SqlAuditLog(trx).append(event(4, { action: "user.create" }), at(4));
        // Visible inside the transaction, like the change it records.
        expect((await new SqlAuditLog(trx).list({ action: "user.create" })).map((e) => e.seq)).toEqual([4]);
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await log.list({ action: "user.create" })).toEqual([]);
    expect(await log.verify()).toEqual(intact(3));
    // The seq the rolled-back event took is free again: no gap.
    await log.append(event(5), at(5));
    expect(await log.verify()).toEqual(intact(4));
    expect((await log.list({})).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it("commits an event with the change made in the same transaction", async () => {
    const { db, log } = await logOf(1);
    await db.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("tsca_user")
        .values({
          name: "alice",
          password_hash: null,
          superuser: 0,
          enabled: 1,
          created_at: t0.toISOString(),
          updated_at: t0.toISOString(),
        })
        .execute();
      await new SqlAuditLog(trx).append(event(2, { action: "user.create", object: "user:alice" }), at(2));
    });
    expect((await log.list({ object: "user:" })).map((e) => [e.seq, e.object])).toEqual([[2, "user:alice"]]);
    expect(await log.verify()).toEqual(intact(2));
  });

  it("lists with filters, oldest first, and the newest N with a limit", async () => {
    const { log } = await logOf(12);
    await log.append(event(13, { object: "ca:AB%", actor: "api:ci", detail: undefined }), at(13));
    await log.append(event(14, { object: "CA:ABCD" }), at(14));
    await log.append(event(15, { object: "ca:ABCD", outcome: "failure" }), at(15));
    const seqs = async (f: Parameters<SqlAuditLog["list"]>[0]) => (await log.list(f)).map((e) => e.seq);
    expect(await seqs({ actor: "api:ci" })).toEqual([13]);
    expect(await seqs({ action: "cert.revoke" })).toEqual([3, 6, 9, 12, 15]);
    // A prefix, case-sensitive, with % taken literally.
    expect(await seqs({ object: "ca:AB" })).toEqual([13, 15]);
    expect(await seqs({ object: "ca:AB%" })).toEqual([13]);
    expect(await seqs({ object: "cert:000" })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // since inclusive, until exclusive.
    expect(await seqs({ since: at(10), until: at(13) })).toEqual([10, 11, 12]);
    expect(await seqs({ limit: 3 })).toEqual([13, 14, 15]);
    expect(await seqs({ action: "cert.issue", limit: 2 })).toEqual([13, 14]);
    const [e15] = await log.list({ object: "ca:ABCD" });
    expect(e15).toMatchObject({ seq: 15, time: at(15), actor: "cli:root", outcome: "failure", requestId: "req-15", detail: { i: 15 } });
    const [e13] = await log.list({ actor: "api:ci" });
    expect(e13!.detail).toBeUndefined();
  });

  it("names an event whose detail or actor was edited by hand as changed", async () => {
    const { db, log } = await logOf(10);
    await db.db.updateTable("audit_event").set({ detail: '{"i":6,"reason":"unspecified"}' }).where("seq", "=", 6).execute();
    expect((await log.verify()).broken).toMatchObject({ seq: 6, problem: "changed" });
    const other = await logOf(10);
    await other.db.db.updateTable("audit_event").set({ actor: "cli:nobody" }).where("seq", "=", 4).execute();
    expect(await other.log.verify()).toMatchObject({
      events: 4,
      broken: { seq: 4, problem: "changed", detail: expect.stringContaining("event 4") },
    });
  });

  it("names a deleted middle event as removed at its position", async () => {
    const { db, log } = await logOf(10);
    await db.db.deleteFrom("audit_event").where("seq", "=", 7).execute();
    expect((await log.verify()).broken).toMatchObject({ seq: 7, problem: "removed" });
  });

  it("names two events whose seqs were swapped as reordered, at the first of them", async () => {
    const { db, log } = await logOf(10);
    await db.db.transaction().execute(async (trx) => {
      await trx.updateTable("audit_event").set({ seq: -3 }).where("seq", "=", 3).execute();
      await trx.updateTable("audit_event").set({ seq: 3 }).where("seq", "=", 8).execute();
      await trx.updateTable("audit_event").set({ seq: 8 }).where("seq", "=", -3).execute();
    });
    expect((await log.verify()).broken).toMatchObject({
      seq: 3,
      problem: "reordered",
      detail: expect.stringContaining("recorded as event 8"),
    });
  });

  it("names two events whose contents were swapped", async () => {
    const { db, log } = await logOf(10);
    const cols = ["at", "actor", "action", "object", "outcome", "request_id", "detail", "prev_hash", "hash"] as const;
    const row = async (seq: number) => db.db.selectFrom("audit_event").select(cols).where("seq", "=", seq).executeTakeFirstOrThrow();
    const [r5, r6] = [await row(5), await row(6)];
    await db.db.updateTable("audit_event").set(r6).where("seq", "=", 5).execute();
    await db.db.updateTable("audit_event").set(r5).where("seq", "=", 6).execute();
    expect((await log.verify()).broken).toMatchObject({ seq: 5, problem: "reordered" });
  });

  it("detects the newest event deleted", async () => {
    const { db, log } = await logOf(10);
    await db.db.deleteFrom("audit_event").where("seq", "=", 10).execute();
    expect((await log.verify()).broken).toMatchObject({ seq: 10, problem: "removed" });
    // And all of them: an empty table under a head that names event 10.
    await db.db.deleteFrom("audit_event").execute();
    expect((await log.verify()).broken).toMatchObject({ seq: 1, problem: "removed" });
  });

  it("walks a log larger than one read chunk and names a break past the first chunk", async () => {
    const { db, log } = await fresh();
    // 4,500 events written directly (chained like append() does) to cross the verify() chunk boundaries quickly.
    const rows = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 4500; seq++) {
      const e = event(seq);
      const hash = auditEventHash({ ...e, seq, at: at(seq).toISOString(), prevHash: prev });
      rows.push({
        seq,
        at: at(seq).toISOString(),
        actor: e.actor,
        action: e.action,
        object: e.object,
        outcome: e.outcome,
        request_id: e.requestId,
        detail: canonicalJson(e.detail),
        prev_hash: prev,
        hash,
      });
      prev = hash;
    }
    for (let i = 0; i < rows.length; i += 500)
      await db.db
        .insertInto("audit_event")
        .values(rows.slice(i, i + 500))
        .execute();
    await db.db.updateTable("audit_head").set({ seq: 4500, hash: prev }).where("id", "=", 1).execute();
    expect(await log.verify()).toEqual(intact(4500));
    // The next append continues the chain.
    await log.append(event(4501), at(4501));
    expect(await log.verify()).toEqual(intact(4501));
    await db.db.updateTable("audit_event").set({ outcome: "failure" }).where("seq", "=", 4321).execute();
    expect(await log.verify()).toMatchObject({ events: 4321, broken: { seq: 4321, problem: "changed" } });
  });

  it("turns a driver error into ERR_DATABASE", async () => {
    const { db, log } = await fresh();
    await sql`DROP TABLE audit_event`.execute(db.db);
    await expect(log.append(event(1), at(1))).rejects.toMatchObject({ code: "ERR_DATABASE" });
    await expect(log.verify()).rejects.toMatchObject({ code: "ERR_DATABASE" });
    await expect(log.list({})).rejects.toMatchObject({ code: "ERR_DATABASE" });
  });
});
