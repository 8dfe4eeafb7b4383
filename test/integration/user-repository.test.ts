/**
 * SqlUserRepository against both databases: insert/get/list/update, grants added (duplicates ignored,
 * global grants as null), removed (counted), and the errors for a taken name and a missing user.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type OpenDatabase } from "../../src/adapters/db/connection.js";
import { SqlUserRepository } from "../../src/adapters/db/user-repository.js";
import type { User } from "../../src/core/ports/user-repository.js";
import { BACKENDS, freshDatabaseUrl } from "../helpers/databases.js";

const t0 = new Date("2026-12-01T10:00:00.000Z");
const t1 = new Date("2026-12-02T11:30:00.000Z");

const user = (name: string, over: Partial<User> = {}): User => ({
  name,
  passwordHash: `$argon2id$v=19$m=65536,t=3,p=4$${name}`,
  superuser: false,
  enabled: true,
  createdAt: t0,
  updatedAt: t0,
  ...over,
});

describe.each(BACKENDS)("SqlUserRepository (%s)", (backend) => {
  let db: OpenDatabase;
  let users: SqlUserRepository;

  beforeAll(async () => {
    db = await openDatabase((await freshDatabaseUrl(backend)) ?? join(mkdtempSync(join(tmpdir(), "tsca-users-")), "tsca.sqlite3"));
    users = new SqlUserRepository(db.db);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("inserts, gets and lists users by name", async () => {
    await users.insert(user("bob"));
    await users.insert(user("alice", { passwordHash: null, superuser: true, enabled: false }));
    expect(await users.get("alice")).toEqual(user("alice", { passwordHash: null, superuser: true, enabled: false }));
    expect(await users.get("bob")).toEqual(user("bob"));
    expect(await users.get("carol")).toBeUndefined();
    expect((await users.list()).map((u) => u.name)).toEqual(["alice", "bob"]);
  });

  it("refuses a name that is taken with ERR_USER_NAME_TAKEN", async () => {
    await users.insert(user("dave"));
    await expect(users.insert(user("dave", { superuser: true }))).rejects.toMatchObject({ code: "ERR_USER_NAME_TAKEN", kind: "conflict" });
    expect((await users.get("dave"))!.superuser).toBe(false);
  });

  it("updates only the given fields and the update time", async () => {
    await users.insert(user("erin"));
    await users.update("erin", { enabled: false }, t1);
    expect(await users.get("erin")).toEqual(user("erin", { enabled: false, updatedAt: t1 }));
    await users.update("erin", { passwordHash: null, superuser: true }, t1);
    expect(await users.get("erin")).toEqual(user("erin", { enabled: false, superuser: true, passwordHash: null, updatedAt: t1 }));
    await expect(users.update("nobody", { enabled: true }, t1)).rejects.toMatchObject({ code: "ERR_USER_NOT_FOUND" });
  });

  it("adds grants, ignoring duplicates, with a global grant as null", async () => {
    await users.insert(user("frank"));
    await users.addGrants(
      "frank",
      [
        { permission: "view", caSerial: null },
        { permission: "sign", caSerial: "AB12" },
        { permission: "sign", caSerial: "AB12" },
      ],
      t1,
    );
    await users.addGrants(
      "frank",
      [
        { permission: "sign", caSerial: "AB12" },
        { permission: "revoke", caSerial: "CD34" },
      ],
      t1,
    );
    expect(await users.grants("frank")).toEqual([
      { permission: "revoke", caSerial: "CD34" },
      { permission: "sign", caSerial: "AB12" },
      { permission: "view", caSerial: null },
    ]);
    // Grants belong to one user.
    expect(await users.grants("bob")).toEqual([]);
    await expect(users.addGrants("nobody", [{ permission: "view", caSerial: null }], t1)).rejects.toMatchObject({
      code: "ERR_USER_NOT_FOUND",
    });
  });

  it("removes grants and says how many were removed", async () => {
    await users.insert(user("grace"));
    await users.addGrants(
      "grace",
      [
        { permission: "view", caSerial: null },
        { permission: "view", caSerial: "AB12" },
        { permission: "edit", caSerial: "AB12" },
      ],
      t1,
    );
    // The global view grant and the per-CA one are different grants.
    expect(
      await users.removeGrants("grace", [
        { permission: "view", caSerial: null },
        { permission: "sign", caSerial: "AB12" },
      ]),
    ).toBe(1);
    expect(await users.grants("grace")).toEqual([
      { permission: "edit", caSerial: "AB12" },
      { permission: "view", caSerial: "AB12" },
    ]);
    expect(await users.removeGrants("grace", [])).toBe(0);
    expect(await users.removeGrants("nobody", [{ permission: "edit", caSerial: "AB12" }])).toBe(0);
    expect(
      await users.removeGrants("grace", [
        { permission: "edit", caSerial: "AB12" },
        { permission: "view", caSerial: "AB12" },
      ]),
    ).toBe(2);
    expect(await users.grants("grace")).toEqual([]);
  });
});
