/**
 * The audit log after a real, mixed workload: every command that changes a CA, a certificate, a user or
 * a grant appended one event, in order, with the actor; `tsca audit --verify` finds the chain intact.
 * Then one row at a time is edited, deleted or swapped with its neighbour by hand with SQL: `--verify`
 * exits 1 naming exactly that event, and passes again once the row is put back.
 */
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type OpenDatabase } from "../../../src/adapters/db/connection.js";
import { createUser, grant } from "../../../src/core/usecases/users.js";
import { makeCsr } from "../../helpers/certs.js";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { leaf } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";
import { ossl, scratch } from "../../helpers/oracles.js";
import { inProcessDeps, keyHostCaller } from "../../helpers/use-case-context.js";

interface Row {
  seq: number;
  action: string;
  object: string;
  actor: string;
}

describe.each(BACKENDS)("the audit log of a mixed workload (%s)", (backend) => {
  let t: TscaEnv;
  let db: OpenDatabase;
  let events: Row[];

  beforeAll(async () => {
    t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=root.example.test"]);
    tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Inter", "/CN=inter.example.test"]);
    const a = leaf(t, "Inter", "a.example.test").hex;
    const b = leaf(t, "Inter", "b.example.test").hex;
    tsca(t, ["resign_cert", a]);
    tsca(t, ["revoke_cert", b, "--reason", "certificate_hold"]);
    tsca(t, ["unrevoke_cert", b]);
    tsca(t, ["revoke_cert", a, "--reason", "superseded"]);
    tsca(t, ["cert_watchers", b, "--add", "ops@example.test"]);
    tsca(t, ["edit_ca", "Inter", "--website", "https://pki.example.test/"]);
    tsca(t, ["generate_ocsp_keys", "Inter", "--force"]);
    tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Old", "/CN=old.example.test"]);
    tsca(t, ["revoke_ca", "Old", "--reason", "superseded"]);
    tsca(t, ["import_cert", "--ca", "Inter", leafFile(t)]);
    db = await openDatabase(t.env.TSCA_DATABASE_URL ?? join(t.home, "tsca.sqlite3"));
    const deps = inProcessDeps(t.env, db);
    await createUser(keyHostCaller(db.db), deps, { name: "alice" });
    await grant(keyHostCaller(db.db), deps, { user: "alice", permissions: ["view", "revoke"], cas: ["Inter"] });
    const listed = JSON.parse(tsca(t, ["audit", "--json"])) as Row[];
    events = listed.map(({ seq, action, object, actor }) => ({ seq: Number(seq), action, object, actor }));
  });
  afterAll(async () => {
    await db?.close();
    await disposeInstallation(t);
  });

  it("records every change, in order, with who made it", () => {
    expect(events.map((e) => e.action)).toEqual([
      "ca.create",
      "responder.create",
      "ca.create",
      "responder.create",
      "cert.issue",
      "cert.issue",
      "cert.issue",
      "cert.revoke",
      "cert.unrevoke",
      "cert.revoke",
      "cert.watchers",
      "ca.edit",
      "responder.renew",
      "ca.create",
      "responder.create",
      "ca.revoke",
      "cert.import",
      "user.create",
      "grant.add",
    ]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(new Set(events.slice(0, 17).map((e) => e.actor.split(":")[0]))).toEqual(new Set(["cli"]));
    expect(events.at(-1)!.actor).toBe("system:test");
    expect(tsca(t, ["audit", "--verify"])).toBe(`Audit log intact: ${events.length} events.\n`);
  });

  /** `--verify` fails (exit 1) naming event `seq`; then `restore` puts the row back and it passes again. */
  async function expectBrokenAt(seq: number, restore: () => Promise<unknown>): Promise<void> {
    const r = runTsca(t, ["audit", "--verify"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`\\bevent ${seq}\\b`));
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    await restore();
    expect(tsca(t, ["audit", "--verify"])).toBe(`Audit log intact: ${events.length} events.\n`);
  }

  const row = (seq: number) => db.db.selectFrom("audit_event").selectAll().where("seq", "=", seq).executeTakeFirstOrThrow();

  it("an edited event is named", async () => {
    const revoke = events.find((e) => e.action === "cert.revoke")!;
    const before = await row(revoke.seq);
    await db.db.updateTable("audit_event").set({ actor: "cli:someone-else" }).where("seq", "=", revoke.seq).execute();
    await expectBrokenAt(revoke.seq, () =>
      db.db.updateTable("audit_event").set({ actor: before.actor }).where("seq", "=", revoke.seq).execute(),
    );
  });

  it("a deleted event is named", async () => {
    const edit = events.find((e) => e.action === "ca.edit")!;
    const before = await row(edit.seq);
    await db.db.deleteFrom("audit_event").where("seq", "=", edit.seq).execute();
    await expectBrokenAt(edit.seq, () => db.db.insertInto("audit_event").values(before).execute());
  });

  it("two swapped events are named", async () => {
    const issue = events.find((e) => e.action === "cert.issue")!;
    const swap = async (): Promise<void> => {
      await sql`UPDATE audit_event SET seq = -1 WHERE seq = ${issue.seq}`.execute(db.db);
      await sql`UPDATE audit_event SET seq = ${issue.seq} WHERE seq = ${issue.seq + 1}`.execute(db.db);
      await sql`UPDATE audit_event SET seq = ${issue.seq + 1} WHERE seq = -1`.execute(db.db);
    };
    await swap();
    await expectBrokenAt(issue.seq, swap);
  });

  it("an anchor kept outside the database catches newest events cut off together with the head (last: it truncates)", async () => {
    const head = tsca(t, ["audit", "--head"]).trim();
    expect(head).toMatch(new RegExp(`^${events.length}:[0-9a-f]{64}$`));
    tsca(t, ["edit_ca", "Inter", "--website", "https://later.example.test/"]);
    expect(tsca(t, ["audit", "--verify", "--anchor", head])).toBe(`Audit log intact: ${events.length + 1} events.\n`);
    // Someone with write access removes the newest three events and moves the head back to match: the
    // chain alone is intact again …
    const keep = events.length - 2;
    const last = await row(keep);
    await db.db.deleteFrom("audit_event").where("seq", ">", keep).execute();
    await db.db.updateTable("audit_head").set({ seq: keep, hash: last.hash }).where("id", "=", 1).execute();
    expect(tsca(t, ["audit", "--verify"])).toBe(`Audit log intact: ${keep} events.\n`);
    // … but not against the anchor.
    const r = runTsca(t, ["audit", "--verify", "--anchor", head]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`event ${events.length}, which was anchored, is no longer in the log \\(it ends at event ${keep}\\)`),
    );
    expect(runTsca(t, ["audit", "--anchor", head]).code).toBe(2);
  });
});

/** A certificate signed with Inter's key by openssl, outside tsca's records, for import_cert. */
function leafFile(t: TscaEnv): string {
  const csr = makeCsr("ec", "/CN=imported.example.test");
  const serial = tsca(t, ["list_cas"])
    .match(/^([0-9A-F:]+) - Inter\b/m)![1]!
    .replace(/:/g, "");
  const caPem = scratch("inter.pem", tsca(t, ["dump_ca", "Inter"]));
  const out = join(t.home, "imported.pem");
  ossl([
    "x509",
    "-req",
    "-in",
    csr.path,
    "-CA",
    caPem,
    "-CAkey",
    join(t.home, "ca", `${serial}.key`),
    "-set_serial",
    "0x4A11CE",
    "-days",
    "30",
    "-out",
    out,
  ]);
  return out;
}
