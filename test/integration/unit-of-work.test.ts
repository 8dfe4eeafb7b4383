/**
 * A use case that writes more than once does it in one unit of work, on SQLite and PostgreSQL: when the
 * last write fails, the earlier ones and the audit event are gone too. The failure is injected by the
 * database itself (a trigger that refuses the write), so the code under test runs unchanged.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpenDatabase } from "../../src/adapters/db/connection.js";
import { generateOcspKeys } from "../../src/core/usecases/generate-ocsp-keys.js";
import { revokeCert } from "../../src/core/usecases/revoke-cert.js";
import { tsca, type TscaEnv } from "../helpers/cli.js";
import { leaf, type Pki } from "../helpers/crl.js";
import { BACKENDS, type Backend } from "../helpers/databases.js";
import {
  closePkiInstallation,
  inProcessDeps,
  openPkiInstallation,
  type PkiInstallation,
  keyHostCaller,
} from "../helpers/use-case-context.js";

/** Make every write to `table` fail inside the database (`on` = false removes the trap). */
async function trap(db: OpenDatabase, backend: Backend, table: string, on: boolean): Promise<void> {
  if (backend === "sqlite") {
    if (on)
      for (const op of ["INSERT", "UPDATE"])
        await sql
          .raw(`CREATE TRIGGER trap_${op.toLowerCase()} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
          .execute(db.db);
    else for (const op of ["insert", "update"]) await sql.raw(`DROP TRIGGER trap_${op}`).execute(db.db);
    return;
  }
  if (on) {
    await sql
      .raw(`CREATE FUNCTION trap() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`)
      .execute(db.db);
    await sql.raw(`CREATE TRIGGER trap BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION trap()`).execute(db.db);
  } else {
    await sql.raw(`DROP TRIGGER trap ON ${table}`).execute(db.db);
    await sql.raw(`DROP FUNCTION trap()`).execute(db.db);
  }
}

describe.each(BACKENDS)("units of work (%s)", (backend) => {
  let t: TscaEnv;
  let db: OpenDatabase;
  let pki: Pki;
  let deps: ReturnType<typeof inProcessDeps>;

  let installation: PkiInstallation | undefined;
  beforeAll(async () => {
    ({ t, pki, db, deps } = installation = await openPkiInstallation(backend));
  });
  afterAll(() => closePkiInstallation(installation));

  const count = async (table: "certificate" | "audit_event"): Promise<number> =>
    Number((await db.db.selectFrom(table).select(db.db.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

  it("generate_ocsp_keys: a responder row that cannot be saved leaves no responder certificate and no event", async () => {
    const inter = pki.inter.replace(/:/g, "");
    const before = { certs: await count("certificate"), events: await count("audit_event"), responder: await deps.responders.get(inter) };
    await trap(db, backend, "ocsp_responder", true);
    try {
      await expect(generateOcspKeys(keyHostCaller(db.db), deps, { cas: ["Inter"], force: true })).rejects.toMatchObject({
        code: "ERR_DATABASE",
      });
    } finally {
      await trap(db, backend, "ocsp_responder", false);
    }
    // The certificate was inserted first in the same transaction: rolled back with the failed save.
    expect(await count("certificate")).toBe(before.certs);
    expect(await count("audit_event")).toBe(before.events);
    expect(await deps.responders.get(inter)).toEqual(before.responder);
    // And the responder key made for it is not left behind as the CA's responder.
    const again = await generateOcspKeys(keyHostCaller(db.db), deps, { cas: ["Inter"], force: true });
    expect(again.map((o) => o.outcome)).toEqual(["renewed"]);
    expect(await count("certificate")).toBe(before.certs + 1);
    expect((await deps.auditLog.list({ action: "responder.renew" })).map((e) => e.object)).toEqual([
      `cert:${again[0]!.responder!.certificateSerial}`,
    ]);
  });

  it("units of work that run at once share a commit, and one that fails is undone alone", async () => {
    const leaves = Array.from({ length: 12 }, (_, i) => leaf(t, "Inter", `group-${i}.example.test`).hex);
    const before = await count("audit_event");
    const results = await Promise.allSettled(
      leaves.map((serial, i) =>
        deps.uow.run(async (tx) => {
          await tx.certs.setWatchers(serial, [`w${i}@example.test`], new Date());
          await tx.audit.append(
            { actor: "system:test", action: "test.group", object: `cert:${serial}`, outcome: "success", requestId: `g${i}` },
            new Date(),
          );
          // The seventh fails after both of its writes: they must be undone, and only they.
          if (i === 6) throw new Error("refused by the test");
          return i;
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(leaves.map((_, i) => (i === 6 ? "rejected" : "fulfilled")));
    for (const [i, serial] of leaves.entries())
      expect((await deps.certs.get(serial))!.watchers).toEqual(i === 6 ? [] : [`w${i}@example.test`]);
    const events = await deps.auditLog.list({ action: "test.group" });
    expect(events.map((e) => e.requestId)).toEqual(leaves.map((_, i) => `g${i}`).filter((g) => g !== "g6"));
    expect(await count("audit_event")).toBe(before + 11);
    expect(tsca(t, ["audit", "--verify"])).toMatch(/intact/i);
  });

  it("an audit event that cannot be written undoes the change it records", async () => {
    const { hex } = leaf(t, "Inter", "uow.example.test");
    await trap(db, backend, "audit_event", true);
    try {
      await expect(revokeCert(keyHostCaller(db.db), deps, { cert: hex, reason: "superseded" })).rejects.toMatchObject({
        code: "ERR_DATABASE",
      });
    } finally {
      await trap(db, backend, "audit_event", false);
    }
    expect((await deps.certs.get(hex))!.revokedAt).toBeNull();
    expect(tsca(t, ["audit", "--verify"])).toMatch(/intact/i);
  });
});
