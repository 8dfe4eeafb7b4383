/**
 * Users and grants live in the database and decide what a web user may do: grants made through the use
 * cases (by the key host), read back with accessOf() when a request is authenticated, and enforced by the
 * use cases. Every change to a user or a grant is in the audit log; no one but the key host changes them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpenDatabase } from "../../src/adapters/db/connection.js";
import { SqlAuditLog } from "../../src/adapters/db/audit-log.js";
import type { UseCaseContext } from "../../src/core/access/context.js";
import { editCa } from "../../src/core/usecases/edit-ca.js";
import { accessOf, createUser, grant, ungrant } from "../../src/core/usecases/users.js";
import { realClock, realRandom } from "../../src/main/composition.js";
import { type Pki } from "../helpers/crl.js";
import { BACKENDS } from "../helpers/databases.js";
import {
  closePkiInstallation,
  inProcessDeps,
  openPkiInstallation,
  type PkiInstallation,
  keyHostCaller,
  webCaller,
} from "../helpers/use-case-context.js";

describe.each(BACKENDS)("users and grants (%s)", (backend) => {
  let db: OpenDatabase;
  let pki: Pki;
  let deps: ReturnType<typeof inProcessDeps>;

  let installation: PkiInstallation | undefined;
  beforeAll(async () => {
    ({ pki, db, deps } = installation = await openPkiInstallation(backend));
  });
  afterAll(() => closePkiInstallation(installation));

  /** The context a web request of `name` gets: its access read from the database. */
  const signedIn = async (name: string): Promise<UseCaseContext> => ({
    actor: { kind: "web", id: name },
    access: await accessOf(deps.users, name),
    clock: realClock,
    random: realRandom,
    audit: new SqlAuditLog(db.db),
    requestId: `req-${name}`,
  });

  it("a grant stored for one CA lets the user edit that CA and no other; ungrant takes it back", async () => {
    const host = keyHostCaller(db.db);
    await createUser(host, deps, { name: "alice" });
    const edit = async () => editCa(await signedIn("alice"), deps, { ca: "Inter", website: "https://alice.example.test/" });
    await expect(edit()).rejects.toMatchObject({ code: "ERR_FORBIDDEN" });

    const grants = await grant(host, deps, { user: "alice", permissions: ["edit", "view"], cas: ["Inter"] });
    expect(grants).toEqual(
      expect.arrayContaining([
        { permission: "edit", caSerial: pki.inter.replace(/:/g, "") },
        { permission: "view", caSerial: pki.inter.replace(/:/g, "") },
      ]),
    );
    expect((await edit()).website).toBe("https://alice.example.test/");
    await expect(editCa(await signedIn("alice"), deps, { ca: "Root", website: "https://x.example.test/" })).rejects.toMatchObject({
      code: "ERR_FORBIDDEN",
    });

    await ungrant(host, deps, { user: "alice", permissions: ["edit"], cas: ["Inter"] });
    await expect(edit()).rejects.toMatchObject({ code: "ERR_FORBIDDEN" });

    const events = (await deps.auditLog.list({ object: "user:alice" })).map((e) => [e.actor, e.action, e.outcome]);
    expect(events).toEqual([
      ["system:test", "user.create", "success"],
      ["system:test", "grant.add", "success"],
      ["system:test", "grant.remove", "success"],
    ]);
  });

  it("a superuser holds every permission on every CA, a disabled user none", async () => {
    const host = keyHostCaller(db.db);
    await createUser(host, deps, { name: "root-admin", superuser: true });
    expect((await editCa(await signedIn("root-admin"), deps, { ca: "Root", website: "https://admin.example.test/" })).website).toBe(
      "https://admin.example.test/",
    );
    await deps.users.update("root-admin", { enabled: false }, new Date());
    await expect(signedIn("root-admin")).rejects.toMatchObject({ code: "ERR_UNAUTHENTICATED" });
    await expect(signedIn("nobody-here")).rejects.toMatchObject({ code: "ERR_UNAUTHENTICATED" });
  });

  it("only the key host creates users and changes grants", async () => {
    const admin = webCaller(db.db, "web-admin", "superuser");
    await expect(createUser(admin, deps, { name: "mallory" })).rejects.toMatchObject({ code: "ERR_FORBIDDEN" });
    await expect(grant(admin, deps, { user: "alice", permissions: ["sign"], cas: [] })).rejects.toMatchObject({ code: "ERR_FORBIDDEN" });
    expect(await deps.users.get("mallory")).toBeUndefined();
    expect((await deps.users.grants("alice")).some((g) => g.permission === "sign")).toBe(false);
    await expect(createUser(keyHostCaller(db.db), deps, { name: "bad name" })).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
  });
});
