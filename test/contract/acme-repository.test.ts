/**
 * SqlAcmeRepository against both databases (the AcmeRepository port, migration 0015): every method, the
 * round trip of every field (Dates, JSON, null), the races the port promises to settle (one nonce used
 * twice at once, two conditional updates of one status, two hosts making the nonce key), the key-in-use
 * error of a key change, and what purgeExpired keeps and deletes (children of a purged order go with it).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlAcmeRepository } from "../../src/adapters/db/acme-repository.js";
import { SqlCaRepository } from "../../src/adapters/db/ca-repository.js";
import { openDatabase, type OpenDatabase } from "../../src/adapters/db/connection.js";
import type { AcmeAccount, AcmeAuthorization, AcmeChallenge, AcmeOrder } from "../../src/core/acme/model.js";
import type { CertificateAuthority } from "../../src/core/ca/certificate-authority.js";
import { databasePorts } from "../../src/main/composition.js";
import { placeholderCertificateDer } from "../helpers/certs.js";
import { BACKENDS, freshDatabaseUrl } from "../helpers/databases.js";

const t0 = new Date("2026-12-01T10:00:00.123Z");
const t1 = new Date("2026-12-02T11:30:00.456Z");
const t2 = new Date("2026-12-03T12:00:00.000Z");

const id = (): string => randomBytes(12).toString("base64url");

function caRow(serial: string, name: string): CertificateAuthority {
  return {
    serial,
    name,
    parentSerial: null,
    enabled: true,
    commonName: name,
    subject: `CN=${name}`,
    notBefore: t0,
    notAfter: new Date("2036-12-01T00:00:00.000Z"),
    pathLength: 0,
    keyType: "EC",
    signatureHash: "SHA-256",
    keyBackend: "file",
    keyOptions: {},
    keyRef: `${serial}.key`,
    keyEncrypted: false,
    der: placeholderCertificateDer(),
    signCrlUrls: [],
    signOcspUrls: [],
    signIssuerUrls: [],
    signIssuerAltNames: [],
    signFreshestCrlUrls: [],
    website: null,
    termsOfService: null,
    caaIdentity: null,
    revokedAt: null,
    revokedReason: null,
    createdAt: t0,
    updatedAt: t0,
  };
}

describe.each(BACKENDS)("SqlAcmeRepository (%s)", (backend) => {
  let db: OpenDatabase;
  let repo: SqlAcmeRepository;
  const CA = "0A1B2C3D4E5F60718293A4B5C6D7E8F901234567";
  const OTHER_CA = "7F00112233445566778899AABBCCDDEEFF001122";

  const account = (over: Partial<AcmeAccount> = {}): AcmeAccount => ({
    id: id(),
    caSerial: CA,
    status: "valid",
    jwk: { kty: "EC", crv: "P-256", x: id(), y: id() },
    thumbprint: id(),
    contact: ["mailto:admin@example.test", "mailto:ops@example.test"],
    termsOfServiceAgreed: true,
    eabKid: null,
    createdAt: t0,
    updatedAt: t0,
    ...over,
  });

  /** An order with one authorization per identifier and three challenges each, all pending. */
  function order(accountId: string, over: Partial<AcmeOrder> = {}) {
    const o: AcmeOrder = {
      id: id(),
      accountId,
      caSerial: CA,
      status: "pending",
      identifiers: [
        { type: "dns", value: "*.b.example.test" },
        { type: "ip", value: "192.0.2.7" },
      ],
      notBefore: null,
      notAfter: null,
      expires: t2,
      error: null,
      signingRequestId: null,
      certificateSerial: null,
      replaces: null,
      createdAt: t0,
      updatedAt: t0,
      ...over,
    };
    const authzs: AcmeAuthorization[] = o.identifiers.map((ident) => ({
      id: id(),
      orderId: o.id,
      accountId,
      caSerial: o.caSerial,
      identifier: { type: ident.type, value: ident.value.replace(/^\*\./, "") },
      wildcard: ident.value.startsWith("*."),
      status: "pending",
      expires: o.expires,
      createdAt: t0,
      updatedAt: t0,
    }));
    const challenges: AcmeChallenge[] = authzs.flatMap((a) =>
      (a.wildcard ? (["dns-01"] as const) : (["http-01", "tls-alpn-01"] as const)).map((type) => ({
        id: id(),
        authzId: a.id,
        type,
        token: randomBytes(16).toString("base64url"),
        status: "pending" as const,
        validated: null,
        error: null,
        updatedAt: t0,
      })),
    );
    return { order: o, authzs, challenges };
  }

  beforeAll(async () => {
    db = await openDatabase((await freshDatabaseUrl(backend)) ?? join(mkdtempSync(join(tmpdir(), "tsca-acme-")), "tsca.sqlite3"));
    repo = new SqlAcmeRepository(db.db);
    const cas = new SqlCaRepository(db.db);
    await cas.insert(caRow(CA, "ACME CA"));
    await cas.insert(caRow(OTHER_CA, "Other CA"));
  });
  afterAll(async () => {
    await db?.close();
  });

  it("makes one nonce key of 32 bytes and gives every repository (host) the same one, even when they race", async () => {
    const hosts = Array.from({ length: 6 }, () => new SqlAcmeRepository(db.db));
    const keys = await Promise.all(hosts.map((h) => h.nonceKey()));
    expect(keys[0]!.length).toBe(32);
    for (const k of keys) expect(k.equals(keys[0]!)).toBe(true);
    expect((await new SqlAcmeRepository(db.db).nonceKey()).equals(keys[0]!)).toBe(true);
    const rows = await db.db.selectFrom("acme_secret").select("name").execute();
    expect(rows).toEqual([{ name: "nonce-key" }]);
  });

  it("accepts a nonce once: a second use is refused, also from another host", async () => {
    const nonce = id();
    expect(await repo.useNonce(nonce, t2)).toBe(true);
    expect(await repo.useNonce(nonce, t2)).toBe(false);
    expect(await new SqlAcmeRepository(db.db).useNonce(nonce, t2)).toBe(false);
    expect(await repo.useNonce(id(), t2)).toBe(true);
  });

  it("settles two concurrent uses of one nonce: exactly one wins (each through its own unit of work)", async () => {
    for (let round = 0; round < 5; round++) {
      const nonce = id();
      const a = databasePorts(db);
      const b = databasePorts(db);
      const results = await Promise.all([a.uow.run((tx) => tx.acme.useNonce(nonce, t2)), b.uow.run((tx) => tx.acme.useNonce(nonce, t2))]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it("a replayed nonce fails nothing else in the same transaction", async () => {
    const nonce = id();
    await repo.useNonce(nonce, t2);
    const a = account();
    const { uow } = databasePorts(db);
    const replayed = await uow.run(async (tx) => {
      const ok = await tx.acme.useNonce(nonce, t2);
      await tx.acme.insertAccount(a);
      return ok;
    });
    expect(replayed).toBe(false);
    expect(await repo.getAccount(a.id)).toEqual(a);
  });

  it("round-trips an account, finds it by thumbprint within its CA only, and updates it", async () => {
    const a = account({ contact: [], termsOfServiceAgreed: false, eabKid: "kid-1" });
    await repo.insertAccount(a);
    expect(await repo.getAccount(a.id)).toEqual(a);
    expect(await repo.getAccount("nope")).toBeUndefined();
    expect(await repo.findAccountByThumbprint(CA, a.thumbprint)).toEqual(a);
    expect(await repo.findAccountByThumbprint(OTHER_CA, a.thumbprint)).toBeUndefined();

    const jwk = { kty: "OKP", crv: "Ed25519", x: id() };
    await repo.updateAccount(a.id, { contact: ["mailto:new@example.test"], termsOfServiceAgreed: true, jwk, thumbprint: "tp-new" }, t1);
    const updated = { ...a, contact: ["mailto:new@example.test"], termsOfServiceAgreed: true, jwk, thumbprint: "tp-new", updatedAt: t1 };
    expect(await repo.getAccount(a.id)).toEqual(updated);
    expect(await repo.findAccountByThumbprint(CA, a.thumbprint)).toBeUndefined();
    await repo.updateAccount(a.id, { status: "deactivated" }, t2);
    expect(await repo.getAccount(a.id)).toEqual({ ...updated, status: "deactivated", updatedAt: t2 });
  });

  it("refuses another account's key with ERR_ACME_KEY_IN_USE (key change, newAccount race); other CAs may share it", async () => {
    const a = account();
    const b = account();
    await repo.insertAccount(a);
    await repo.insertAccount(b);
    await expect(repo.updateAccount(b.id, { thumbprint: a.thumbprint, jwk: a.jwk }, t1)).rejects.toMatchObject({
      code: "ERR_ACME_KEY_IN_USE",
      kind: "conflict",
    });
    expect(await repo.getAccount(b.id)).toEqual(b);
    await expect(repo.insertAccount(account({ thumbprint: a.thumbprint }))).rejects.toMatchObject({ code: "ERR_ACME_KEY_IN_USE" });
    const elsewhere = account({ caSerial: OTHER_CA, thumbprint: a.thumbprint });
    await repo.insertAccount(elsewhere);
    expect(await repo.findAccountByThumbprint(OTHER_CA, a.thumbprint)).toEqual(elsewhere);
  });

  it("stores EAB keys, lists them per CA, and binds each to one account only, also when two bind at once", async () => {
    const key = randomBytes(32);
    const k1 = { kid: id(), caSerial: CA, key, boundAccountId: null, createdBy: "cli:root", createdAt: t0 };
    const k2 = { ...k1, kid: id(), key: randomBytes(32), createdAt: t1 };
    const k3 = { ...k1, kid: id(), caSerial: OTHER_CA };
    for (const k of [k1, k2, k3]) await repo.insertEabKey(k);
    expect(await repo.getEabKey(k1.kid)).toEqual(k1);
    expect((await repo.getEabKey(k1.kid))!.key.equals(key)).toBe(true);
    expect(await repo.getEabKey("nope")).toBeUndefined();
    expect((await repo.listEabKeys(CA)).filter((k) => [k1.kid, k2.kid].includes(k.kid))).toEqual([k1, k2]);
    expect((await repo.listEabKeys(OTHER_CA)).map((k) => k.kid)).toEqual([k3.kid]);

    const a = account();
    const b = account();
    await repo.insertAccount(a);
    await repo.insertAccount(b);
    const wins = await Promise.all([
      databasePorts(db).uow.run((tx) => tx.acme.bindEabKey(k1.kid, a.id, t1)),
      databasePorts(db).uow.run((tx) => tx.acme.bindEabKey(k1.kid, b.id, t1)),
    ]);
    expect(wins.filter(Boolean)).toHaveLength(1);
    const winner = wins[0] ? a.id : b.id;
    expect((await repo.getEabKey(k1.kid))!.boundAccountId).toBe(winner);
    expect(await repo.bindEabKey(k1.kid, a.id, t2)).toBe(false);
    expect(await repo.bindEabKey("nope", a.id, t2)).toBe(false);
  });

  it("round-trips an order with its authorizations and challenges, and reads them by order and by authorization", async () => {
    const a = account();
    await repo.insertAccount(a);
    const {
      order: o,
      authzs,
      challenges,
    } = order(a.id, {
      notBefore: t0,
      notAfter: t2,
      replaces: "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE",
      error: { type: "urn:ietf:params:acme:error:compound", detail: "x", subproblems: [{ type: "t", detail: "d" }] },
    });
    await repo.insertOrder(o, authzs, challenges);
    expect(await repo.getOrder(o.id)).toEqual(o);
    expect(await repo.getOrder("nope")).toBeUndefined();
    const sortAuthz = (l: AcmeAuthorization[]) =>
      [...l].sort((x, y) => `${x.identifier.type} ${x.identifier.value}`.localeCompare(`${y.identifier.type} ${y.identifier.value}`));
    const gotAuthzs = await repo.authorizationsOfOrder(o.id);
    expect(gotAuthzs).toEqual(sortAuthz(authzs));
    expect(gotAuthzs).toEqual(await repo.authorizationsOfOrder(o.id));
    expect(await repo.getAuthorization(authzs[0]!.id)).toEqual(authzs[0]);
    expect(await repo.getAuthorization("nope")).toBeUndefined();
    const byId = (l: AcmeChallenge[]) => [...l].sort((x, y) => x.id.localeCompare(y.id));
    expect(byId(await repo.challengesOfOrder(o.id))).toEqual(byId(challenges));
    const ipAuthz = authzs.find((z) => z.identifier.type === "ip")!;
    expect(byId(await repo.challengesOfAuthorization(ipAuthz.id))).toEqual(byId(challenges.filter((c) => c.authzId === ipAuthz.id)));
    expect(await repo.getChallenge(challenges[0]!.id)).toEqual(challenges[0]);
    expect(await repo.getChallenge("nope")).toBeUndefined();
  });

  it("an order is stored whole or not at all", async () => {
    const a = account();
    await repo.insertAccount(a);
    const { order: o, authzs, challenges } = order(a.id);
    // A duplicate challenge id fails the last insert: the order and its authorizations must not remain.
    await expect(repo.insertOrder(o, authzs, [...challenges, challenges[0]!])).rejects.toMatchObject({ code: "ERR_DATABASE" });
    expect(await repo.getOrder(o.id)).toBeUndefined();
    expect(await repo.authorizationsOfOrder(o.id)).toEqual([]);
  });

  it("updates an order only from the given statuses, every field of the patch, and two racing updates have one winner", async () => {
    const a = account();
    await repo.insertAccount(a);
    const { order: o, authzs, challenges } = order(a.id);
    await repo.insertOrder(o, authzs, challenges);
    expect(await repo.updateOrder(o.id, ["ready"], { status: "processing" }, t1)).toBe(false);
    expect(await repo.updateOrder(o.id, [], { status: "processing" }, t1)).toBe(false);
    expect(await repo.updateOrder(o.id, ["pending"], { status: "ready" }, t1)).toBe(true);
    const results = await Promise.all(
      [0, 1].map((i) =>
        databasePorts(db).uow.run((tx) => tx.acme.updateOrder(o.id, ["ready"], { status: "processing", signingRequestId: `req-${i}` }, t1)),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results[0] ? "req-0" : "req-1";
    expect((await repo.getOrder(o.id))!.signingRequestId).toBe(winner);
    const error = { type: "urn:ietf:params:acme:error:badCSR", detail: "The CSR is bad.", status: 400 };
    expect(
      await repo.updateOrder(
        o.id,
        ["processing"],
        { status: "valid", certificateSerial: "ABCD", notBefore: t1, notAfter: t2, error, signingRequestId: null },
        t2,
      ),
    ).toBe(true);
    expect(await repo.getOrder(o.id)).toEqual({
      ...o,
      status: "valid",
      certificateSerial: "ABCD",
      notBefore: t1,
      notAfter: t2,
      error,
      signingRequestId: null,
      updatedAt: t2,
    });
    expect(await repo.findOrderByCertificate("ABCD")).toEqual(await repo.getOrder(o.id));
    expect(await repo.findOrderByCertificate("FFFF")).toBeUndefined();
    await repo.updateOrder(o.id, ["valid"], { error: null, notBefore: null }, t2);
    expect(await repo.getOrder(o.id)).toMatchObject({ error: null, notBefore: null, notAfter: t2 });
  });

  it("lists an account's orders newest first, in pages after a cursor", async () => {
    const a = account();
    await repo.insertAccount(a);
    const made: AcmeOrder[] = [];
    for (let i = 0; i < 5; i++) {
      // Two orders share a creation time: the id breaks the tie, so no page repeats or skips one.
      const { order: o, authzs, challenges } = order(a.id, { createdAt: new Date(t0.getTime() + Math.min(i, 3) * 1000) });
      await repo.insertOrder(o, authzs, challenges);
      made.push(o);
    }
    const expected = [...made].sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime() || (x.id < y.id ? 1 : -1));
    const page1 = await repo.listOrders(a.id, 2);
    const page2 = await repo.listOrders(a.id, 2, page1[1]!.id);
    const page3 = await repo.listOrders(a.id, 2, page2[1]!.id);
    expect([...page1, ...page2, ...page3]).toEqual(expected);
    expect(page3).toHaveLength(1);
    expect(await repo.listOrders(a.id, 10, "unknown")).toEqual([]);
    expect(await repo.listOrders(account().id, 10)).toEqual([]);

    // usableAt leaves out what is invalid then: stored invalid, or pending/ready past its expiry.
    const ids = (orders: AcmeOrder[]): string[] => orders.map((o) => o.id);
    expect(await repo.updateOrder(expected[0]!.id, ["pending"], { status: "invalid" }, t1)).toBe(true);
    expect(await repo.updateOrder(expected[1]!.id, ["pending"], { status: "ready" }, t1)).toBe(true);
    expect(await repo.updateOrder(expected[2]!.id, ["pending"], { status: "valid" }, t1)).toBe(true);
    expect(ids(await repo.listOrders(a.id, 10, undefined, t1))).toEqual(ids(expected.slice(1)));
    const afterExpiry = new Date(t2.getTime() + 1000);
    expect(ids(await repo.listOrders(a.id, 10, undefined, afterExpiry))).toEqual([expected[2]!.id]);
  });

  it("finds the orders replacing an ARI certID of its CA", async () => {
    const a = account();
    await repo.insertAccount(a);
    const certId = `${id()}.${id()}`;
    const first = order(a.id, { replaces: certId });
    const second = order(a.id, { replaces: certId, createdAt: t1 });
    const other = order(a.id, { replaces: `${id()}.x` });
    for (const x of [second, first, other]) await repo.insertOrder(x.order, x.authzs, x.challenges);
    expect(await repo.findOrdersReplacing(CA, certId)).toEqual([first.order, second.order]);
    expect(await repo.findOrdersReplacing(OTHER_CA, certId)).toEqual([]);
  });

  it("updates authorizations and challenges only from the given statuses, with one winner when two race", async () => {
    const a = account();
    await repo.insertAccount(a);
    const { order: o, authzs, challenges } = order(a.id);
    await repo.insertOrder(o, authzs, challenges);
    const z = authzs[0]!;
    expect(await repo.updateAuthorization(z.id, ["valid"], "deactivated", t1)).toBe(false);
    expect(await repo.updateAuthorization(z.id, [], "valid", t1)).toBe(false);
    expect(await repo.updateAuthorization(z.id, ["pending"], "valid", t1)).toBe(true);
    expect(await repo.getAuthorization(z.id)).toEqual({ ...z, status: "valid", updatedAt: t1 });

    const c = challenges.find((x) => x.authzId === authzs[1]!.id)!;
    const starts = await Promise.all(
      [0, 1].map(() => databasePorts(db).uow.run((tx) => tx.acme.updateChallenge(c.id, ["pending"], { status: "processing" }, t1))),
    );
    expect(starts.filter(Boolean)).toHaveLength(1);
    const problem = { type: "urn:ietf:params:acme:error:incorrectResponse", detail: "The key authorization is wrong.", status: 403 };
    expect(await repo.updateChallenge(c.id, ["pending"], { status: "valid" }, t2)).toBe(false);
    expect(await repo.updateChallenge(c.id, ["processing"], { status: "invalid", error: problem }, t2)).toBe(true);
    expect(await repo.getChallenge(c.id)).toEqual({ ...c, status: "invalid", error: problem, updatedAt: t2 });
    const c2 = challenges.find((x) => x.authzId === authzs[1]!.id && x.id !== c.id)!;
    expect(await repo.updateChallenge(c2.id, ["pending"], { status: "valid", validated: t2 }, t2)).toBe(true);
    expect(await repo.getChallenge(c2.id)).toEqual({ ...c2, status: "valid", validated: t2, updatedAt: t2 });
    expect(await repo.updateChallenge(c2.id, ["valid"], { validated: null, error: null }, t2)).toBe(true);
    expect((await repo.getChallenge(c2.id))!.validated).toBeNull();
  });

  it("finds validations left in processing before a time, oldest first, up to a limit", async () => {
    const a = account();
    await repo.insertAccount(a);
    const { order: o, authzs, challenges } = order(a.id);
    await repo.insertOrder(o, authzs, challenges);
    const before = (await repo.staleValidations(new Date("2030-01-01T00:00:00Z"), 1000)).map((c) => c.id);
    const [c1, c2, c3] = challenges;
    await repo.updateChallenge(c1!.id, ["pending"], { status: "processing" }, new Date("2026-12-05T00:00:00.000Z"));
    await repo.updateChallenge(c2!.id, ["pending"], { status: "processing" }, new Date("2026-12-04T00:00:00.000Z"));
    await repo.updateChallenge(c3!.id, ["pending"], { status: "processing" }, new Date("2026-12-07T00:00:00.000Z"));
    const stale = (await repo.staleValidations(new Date("2026-12-06T00:00:00.000Z"), 1000)).filter((c) => !before.includes(c.id));
    expect(stale.map((c) => c.id)).toEqual([c2!.id, c1!.id]);
    expect(stale[0]).toEqual({ ...c2, status: "processing", updatedAt: new Date("2026-12-04T00:00:00.000Z") });
    expect(await repo.staleValidations(new Date("2026-12-06T00:00:00.000Z"), 1)).toHaveLength(1);
  });

  it("deactivating an account's resources deactivates its pending and valid authorizations and invalidates its unfinished orders", async () => {
    const a = account();
    const bystander = account();
    await repo.insertAccount(a);
    await repo.insertAccount(bystander);
    const pending = order(a.id);
    const ready = order(a.id);
    const done = order(a.id);
    const theirs = order(bystander.id);
    for (const x of [pending, ready, done, theirs]) await repo.insertOrder(x.order, x.authzs, x.challenges);
    await repo.updateOrder(ready.order.id, ["pending"], { status: "ready" }, t1);
    await repo.updateOrder(done.order.id, ["pending"], { status: "valid" }, t1);
    await repo.updateAuthorization(ready.authzs[0]!.id, ["pending"], "valid", t1);
    await repo.updateAuthorization(done.authzs[0]!.id, ["pending"], "invalid", t1);
    await repo.deactivateAccountResources(a.id, t2);
    expect((await repo.getOrder(pending.order.id))!.status).toBe("invalid");
    expect((await repo.getOrder(ready.order.id))!).toMatchObject({ status: "invalid", updatedAt: t2 });
    expect((await repo.getOrder(done.order.id))!.status).toBe("valid");
    expect((await repo.getAuthorization(ready.authzs[0]!.id))!).toMatchObject({ status: "deactivated", updatedAt: t2 });
    expect((await repo.getAuthorization(pending.authzs[1]!.id))!.status).toBe("deactivated");
    expect((await repo.getAuthorization(done.authzs[0]!.id))!.status).toBe("invalid");
    expect((await repo.getOrder(theirs.order.id))!.status).toBe("pending");
    expect((await repo.authorizationsOfOrder(theirs.order.id)).map((z) => z.status)).toEqual(["pending", "pending"]);
  });

  it("purges used nonces past expiry and orders long expired without a certificate, with their authorizations and challenges", async () => {
    const now = new Date("2027-06-01T00:00:00.000Z");
    const oldNonce = id();
    const freshNonce = id();
    await repo.useNonce(oldNonce, new Date(now.getTime() - 1));
    await repo.useNonce(freshNonce, new Date(now.getTime() + 3_600_000));
    const a = account();
    await repo.insertAccount(a);
    const longGone = order(a.id, { expires: new Date(now.getTime() - 31 * 86_400_000) });
    const recent = order(a.id, { expires: new Date(now.getTime() - 29 * 86_400_000) });
    const issued = order(a.id, { expires: new Date(now.getTime() - 40 * 86_400_000) });
    for (const x of [longGone, recent, issued]) await repo.insertOrder(x.order, x.authzs, x.challenges);
    await repo.updateOrder(issued.order.id, ["pending"], { status: "valid", certificateSerial: id() }, t1);

    const deleted = await repo.purgeExpired(now);
    // Other tests' nonces (expiring at t2) and orders (expiring at t2, far more than 30 days before now) go too.
    expect(deleted).toBeGreaterThanOrEqual(2);
    expect(await repo.getOrder(longGone.order.id)).toBeUndefined();
    expect(await repo.authorizationsOfOrder(longGone.order.id)).toEqual([]);
    expect(await repo.challengesOfOrder(longGone.order.id)).toEqual([]);
    const orphans = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM acme_challenge WHERE authz_id IN (${sql.join(
      longGone.authzs.map((z) => z.id),
    )})`.execute(db.db);
    expect(Number(orphans.rows[0]!.n)).toBe(0);
    expect(await repo.getOrder(recent.order.id)).toEqual(recent.order);
    expect((await repo.getOrder(issued.order.id))!.status).toBe("valid");
    // The purged nonce could be inserted again (it would be refused by its age before that), the kept one not.
    expect(await repo.useNonce(freshNonce, now)).toBe(false);
    expect(await repo.useNonce(oldNonce, now)).toBe(true);
    expect(await repo.purgeExpired(now)).toBe(0);
  });
});
