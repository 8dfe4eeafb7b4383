/**
 * API tokens through the use cases, on SQLite and PostgreSQL: a token made on the key host authenticates
 * as its user with the user's grants until it expires, is revoked or its user is disabled; every refusal
 * is the same one sentence; only the token's SHA-256 is stored; last_used_at is written at most once a
 * minute; every change is in the audit log and no token appears there.
 */
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type OpenDatabase } from "../../src/adapters/db/connection.js";
import { FULL_ACCESS } from "../../src/core/access/permissions.js";
import { authenticateToken, createToken, listTokens, revokeToken, TOKEN_PATTERN } from "../../src/core/usecases/api-tokens.js";
import { createUser, disableUser, grant, listUsers, setPassword } from "../../src/core/usecases/users.js";
import { databasePorts } from "../../src/main/composition.js";
import { BACKENDS, freshDatabaseUrl } from "../helpers/databases.js";
import { keyHostCaller, webCaller } from "../helpers/use-case-context.js";

const T0 = new Date("2026-12-01T10:00:00.000Z");
const DAY = 86_400_000;

describe.each(BACKENDS)("API tokens (%s)", (backend) => {
  let db: OpenDatabase;
  let deps: ReturnType<typeof databasePorts>;
  let now = T0;
  const clock = { now: () => now };
  const host = () => keyHostCaller(db.db, clock);
  const at = (ms: number) => new Date(T0.getTime() + ms);

  beforeAll(async () => {
    db = await openDatabase((await freshDatabaseUrl(backend)) ?? join(mkdtempSync(join(tmpdir(), "tsca-tokens-")), "tsca.sqlite3"));
    deps = databasePorts(db);
    await createUser(host(), deps, { name: "alice" });
    await grant(host(), deps, { user: "alice", permissions: ["view", "sign"], cas: [] });
    await createUser(host(), deps, { name: "root-admin", superuser: true });
  });
  afterAll(async () => {
    await db?.close();
  });

  const refusal = { code: "ERR_UNAUTHENTICATED", kind: "unauthenticated", message: "The API token is not valid." };

  it("a new token authenticates as its user with the user's grants; only its SHA-256 is stored", async () => {
    const { token, record } = await createToken(host(), deps, { user: "alice", name: "alice-ci" });
    expect(token).toMatch(TOKEN_PATTERN);
    expect(record).toEqual({ name: "alice-ci", user: "alice", createdAt: T0, expiresAt: null, revokedAt: null, lastUsedAt: null });
    const auth = await authenticateToken(deps, token, at(1000));
    expect(auth).toEqual({
      user: "alice",
      tokenName: "alice-ci",
      access: {
        superuser: false,
        grants: [
          { permission: "sign", caSerial: null },
          { permission: "view", caSerial: null },
        ],
      },
    });
    const row = await db.db.selectFrom("api_token").selectAll().where("name", "=", "alice-ci").executeTakeFirstOrThrow();
    expect(row.hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(Object.values(row).join(" ")).not.toContain(token.slice(5));

    const admin = await createToken(host(), deps, { user: "root-admin" });
    expect(admin.record.name).toMatch(/^root-admin-[0-9a-f]{8}$/);
    expect((await authenticateToken(deps, admin.token, at(1000))).access).toEqual(FULL_ACCESS);
  });

  it("an unknown token, a changed one and anything not shaped like a token are refused alike", async () => {
    const { token } = await createToken(host(), deps, { user: "alice", name: "alice-typo" });
    const last = token.at(-1) === "A" ? "B" : "A";
    for (const presented of [
      token.slice(0, -1) + last,
      "tsca_" + Buffer.alloc(32, 7).toString("base64url"),
      token.slice(5),
      token + "x",
      "",
      `Bearer ${token}`,
    ])
      await expect(authenticateToken(deps, presented, at(1000))).rejects.toMatchObject(refusal);
    expect((await authenticateToken(deps, token, at(1000))).tokenName).toBe("alice-typo");
  });

  it("an expired token is refused from its expiry instant on", async () => {
    const { token, record } = await createToken(host(), deps, { user: "alice", name: "alice-short", expiresDays: 1 });
    expect(record.expiresAt).toEqual(at(DAY));
    expect((await authenticateToken(deps, token, at(DAY - 1))).user).toBe("alice");
    await expect(authenticateToken(deps, token, at(DAY))).rejects.toMatchObject(refusal);
    await expect(authenticateToken(deps, token, at(30 * DAY))).rejects.toMatchObject(refusal);
  });

  it("a revoked token is refused; revoking it again keeps the first time", async () => {
    const { token } = await createToken(host(), deps, { user: "alice", name: "alice-revoked" });
    now = at(5000);
    try {
      expect((await revokeToken(host(), deps, { name: "alice-revoked" })).revokedAt).toEqual(at(5000));
      now = at(9000);
      expect((await revokeToken(host(), deps, { name: "alice-revoked" })).revokedAt).toEqual(at(5000));
    } finally {
      now = T0;
    }
    await expect(authenticateToken(deps, token, at(10_000))).rejects.toMatchObject(refusal);
    await expect(revokeToken(host(), deps, { name: "no-such-token" })).rejects.toMatchObject({
      code: "ERR_TOKEN_NOT_FOUND",
      kind: "not-found",
    });
  });

  it("a disabled user's tokens stop working", async () => {
    await createUser(host(), deps, { name: "bob" });
    const { token } = await createToken(host(), deps, { user: "bob", name: "bob-1" });
    expect((await authenticateToken(deps, token, at(1000))).access).toEqual({ superuser: false, grants: [] });
    expect((await disableUser(host(), deps, { name: "bob" })).enabled).toBe(false);
    await expect(authenticateToken(deps, token, at(2000))).rejects.toMatchObject(refusal);
    await expect(disableUser(host(), deps, { name: "nobody" })).rejects.toMatchObject({ code: "ERR_USER_NOT_FOUND" });
  });

  it("refuses a taken name, an unknown user, a bad name and a bad expiry", async () => {
    await createToken(host(), deps, { user: "alice", name: "shared-name" });
    await expect(createToken(host(), deps, { user: "root-admin", name: "shared-name" })).rejects.toMatchObject({
      code: "ERR_TOKEN_NAME_TAKEN",
      kind: "conflict",
    });
    await expect(createToken(host(), deps, { user: "carol" })).rejects.toMatchObject({ code: "ERR_USER_NOT_FOUND" });
    await expect(createToken(host(), deps, { user: "alice", name: "bad name" })).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
    for (const expiresDays of [0, -1, 1.5, 3651])
      await expect(createToken(host(), deps, { user: "alice", expiresDays })).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
    expect((await deps.tokens.list("carol")).length).toBe(0);
  });

  it("writes last_used_at on first use and then at most once a minute", async () => {
    const { token } = await createToken(host(), deps, { user: "alice", name: "alice-used" });
    const lastUsed = async () => (await deps.tokens.get("alice-used"))!.lastUsedAt;
    await authenticateToken(deps, token, at(1000));
    expect(await lastUsed()).toEqual(at(1000));
    await Promise.all([at(2000), at(30_000), at(60_999)].map((t) => authenticateToken(deps, token, t)));
    expect(await lastUsed()).toEqual(at(1000));
    await authenticateToken(deps, token, at(61_000));
    expect(await lastUsed()).toEqual(at(61_000));
    // Another process (its own repository) sees the stored time and does not write either.
    const other = databasePorts(db);
    await authenticateToken(other, token, at(90_000));
    expect(await lastUsed()).toEqual(at(61_000));
  });

  it("lists tokens and users without secrets; only the key host manages them; all of it is audited", async () => {
    const names = (await listTokens(host(), deps, { user: "alice" })).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["alice-ci", "alice-revoked", "alice-short", "shared-name"]));
    expect((await listTokens(host(), deps, {})).some((t) => t.user === "root-admin")).toBe(true);
    expect(JSON.stringify(await listTokens(host(), deps, {}))).not.toMatch(/tsca_|[0-9a-f]{64}/);

    await setPassword(host(), deps, { name: "alice", passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA" });
    const users = await listUsers(host(), deps);
    const alice = users.find((u) => u.name === "alice")!;
    expect(alice).toMatchObject({
      hasPassword: true,
      enabled: true,
      superuser: false,
      grants: [{ permission: "sign" }, { permission: "view" }],
    });
    expect(JSON.stringify(users)).not.toContain("argon2");

    const web = webCaller(db.db, "root-admin", "superuser");
    await expect(createToken(web, deps, { user: "root-admin", name: "web-made" })).rejects.toMatchObject({ code: "ERR_FORBIDDEN" });
    await expect(revokeToken(web, deps, { name: "alice-ci" })).rejects.toMatchObject({ code: "ERR_FORBIDDEN" });
    await expect(listTokens(web, deps, {})).rejects.toMatchObject({ code: "ERR_FORBIDDEN" });
    expect(await deps.tokens.get("web-made")).toBeUndefined();

    const events = await deps.auditLog.list({ object: "token:" });
    const summary = events.map((e) => [e.actor, e.action, e.object, e.outcome]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ["system:test", "token.create", "token:alice-ci", "success"],
        ["system:test", "token.revoke", "token:alice-revoked", "success"],
        ["web:root-admin", "token.create", "token:web-made", "failure"],
        ["web:root-admin", "token.revoke", "token:alice-ci", "failure"],
      ]),
    );
    expect(events.find((e) => e.object === "token:alice-short")?.detail).toEqual({ user: "alice", expires: at(DAY).toISOString() });
    const userEvents = (await deps.auditLog.list({ object: "user:" })).map((e) => [e.action, e.object, e.detail ?? {}]);
    expect(userEvents).toEqual(
      expect.arrayContaining([
        ["user.password", "user:alice", { password: true }],
        ["user.disable", "user:bob", {}],
      ]),
    );
    const all = JSON.stringify(await deps.auditLog.list({}));
    expect(all).not.toMatch(/tsca_[A-Za-z0-9_-]{43}|argon2/);
  });
});
