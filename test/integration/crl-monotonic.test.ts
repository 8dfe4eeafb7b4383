/**
 * CRLs never go backwards (issue 14, "High" item 3), with the interleaving made deterministic: publisher
 * A runs dump_crl / generate_crls in this process against the real database, and a fault-injection
 * double of its CRL repository holds it between reading the entries and storing the CRL. Meanwhile a
 * certificate or CA is revoked and publisher B stores a CRL of the same scope (a real `tsca` process, or
 * the use case with a clock ahead of A's). Then every pair of stored CRLs of a CA and scope is checked
 * with openssl (test/helpers/crl-history.ts): numbers, thisUpdate (RFC 5280 §5.1.2.4) and entries.
 *
 * Before the fix, A stored the higher number with the older entries and the earlier thisUpdate, which
 * serve then served and generate_crls called current.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqlCaRepository } from "../../src/adapters/db/ca-repository.js";
import { SqlCertificateRepository } from "../../src/adapters/db/certificate-repository.js";
import { openDatabase, type OpenDatabase } from "../../src/adapters/db/connection.js";
import { SqlCrlRepository } from "../../src/adapters/db/crl-repository.js";
import { SqlRevocationChangeFeed } from "../../src/adapters/db/revocation-change-feed.js";
import { loadSettings } from "../../src/config/settings.js";
import { defaultsFromSettings } from "../../src/main/composition.js";
import { keyStoreRegistry } from "../../src/main/key-stores.js";
import { keyHostCaller } from "../helpers/use-case-context.js";
import type { Clock } from "../../src/core/ports/clock.js";
import type { CrlRepository } from "../../src/core/ports/crl-repository.js";
import { crlScope, type CrlScopeKind } from "../../src/core/revocation/crl-scope.js";
import { dumpCrl } from "../../src/core/usecases/dump-crl.js";
import { generateCrls } from "../../src/core/usecases/generate-crls.js";
import { tsca, tscaEnv, type TscaEnv } from "../helpers/cli.js";
import { leaf, makePki, type Pki } from "../helpers/crl.js";
import { monotonicityViolations, normalSerial, parseCrlText, stillRevoked, storedCrls } from "../helpers/crl-history.js";
import { placeholderCertificateDer } from "../helpers/certs.js";
import { BACKENDS, freshDatabaseUrl } from "../helpers/databases.js";
import { disposeInstallation } from "../helpers/dispose-installation.js";

interface Pause {
  /** Resolves when the publisher has read its entries and asks to store. */
  arrived: Promise<void>;
  release(): void;
}

/** Wait until the publisher reaches the pause; fail (instead of hanging) if it finishes or fails first. */
async function reached(pause: Pause, publishing: Promise<unknown>): Promise<void> {
  await Promise.race([
    pause.arrived,
    publishing.then(
      () => Promise.reject(new Error("The publisher finished without reaching the paused store.")),
      (e: unknown) => Promise.reject(e instanceof Error ? e : new Error(String(e))),
    ),
  ]);
}

interface Pausing {
  repo: CrlRepository;
  /** The next `store` of this scope waits until released. */
  pauseNextStore(kind: CrlScopeKind): Pause;
  /** `fn` runs (and is awaited) before every `store` of this scope. */
  beforeEveryStore(kind: CrlScopeKind, fn: () => Promise<void>): void;
  /** `store` calls per scope: whether a publisher had to read its entries again. */
  stores: Map<string, number>;
}

/** The real repository, with `store` delayed as a test asks (a fault-injection double). */
function pausing(inner: CrlRepository): Pausing {
  const gates = new Map<string, { arrive(): void; release: Promise<void> }>();
  const hooks = new Map<string, () => Promise<void>>();
  const stores = new Map<string, number>();
  const repo = new Proxy(inner, {
    get(target, prop) {
      if (prop === "store")
        return async (...args: Parameters<CrlRepository["store"]>) => {
          const kind = args[1].kind;
          stores.set(kind, (stores.get(kind) ?? 0) + 1);
          await hooks.get(kind)?.();
          const gate = gates.get(kind);
          gates.delete(kind);
          if (gate) {
            gate.arrive();
            await gate.release;
          }
          return target.store(...args);
        };
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const pauseNextStore = (kind: CrlScopeKind): Pause => {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((r) => (arrive = r));
    gates.set(kind, { arrive, release: new Promise<void>((r) => (release = r)) });
    return { arrived, release };
  };
  return { repo, pauseNextStore, beforeEveryStore: (kind, fn) => hooks.set(kind, fn), stores };
}

const clockAt = (offsetMs: number): Clock => ({ now: () => new Date(Date.now() + offsetMs) });
const USER = crlScope("user");

describe.each(BACKENDS)("CRL numbers, thisUpdate and entries never go backwards (%s)", (backend) => {
  let t: TscaEnv;
  let db: OpenDatabase | undefined;
  /** The key host's own context on the database under test (setup opened it). */
  const caller = (clock: Clock) => keyHostCaller(db!.db, clock);
  /** Installations made by this file's tests, removed after each. */
  const made: TscaEnv[] = [];

  type Deps = Parameters<typeof dumpCrl>[1] & Parameters<typeof generateCrls>[1];

  /**
   * A root, an intermediate "Inter", and the use-case dependencies on the same database: `deps` for
   * publisher A (through the pausing double), `plainDeps` for a publisher in this process that is not.
   */
  async function setup(): Promise<
    Pausing & { pki: Pki; certs: SqlCertificateRepository; deps: (clock: Clock) => Deps; plainDeps: (clock: Clock) => Deps }
  > {
    const url = await freshDatabaseUrl(backend);
    t = tscaEnv(url);
    made.push(t);
    const pki = makePki(t);
    db = await openDatabase(url ?? join(t.home, "tsca.sqlite3"));
    const crls = new SqlCrlRepository(db.db);
    const p = pausing(crls);
    const cas = new SqlCaRepository(db.db);
    const certs = new SqlCertificateRepository(db.db);
    const keys = keyStoreRegistry({ caDir: join(t.home, "ca") });
    const defaults = defaultsFromSettings(loadSettings({ ...t.env }));
    const changes = new SqlRevocationChangeFeed(db.db);
    return {
      ...p,
      pki,
      certs,
      deps: (clock) => ({ cas, certs, crls: p.repo, changes, clock, keys, defaults }),
      plainDeps: (clock) => ({ cas, certs, crls, changes, clock, keys, defaults }),
    };
  }

  afterEach(async () => {
    await db?.close();
    db = undefined;
    for (const m of made.splice(0)) await disposeInstallation(m);
  });

  async function expectNoViolations(): Promise<void> {
    const groups = await storedCrls(t);
    expect(monotonicityViolations(groups, await stillRevoked(t))).toEqual([]);
  }

  /** The numbers of the stored CRLs of one CA and scope, in order. */
  const numbersOf = async (caSerial: string, kind: CrlScopeKind): Promise<number[]> =>
    (await storedCrls(t)).get(`${caSerial.replace(/:/g, "")}/${kind}/`)?.map((c) => c.number) ?? [];

  /** The stored numbers of a CA and scope before the test publishes (init_ca made the first CRLs), and the newest. */
  async function numbersBefore(caSerial: string, kind: CrlScopeKind): Promise<{ before: number[]; n: number }> {
    const before = await numbersOf(caSerial, kind);
    return { before, n: before.at(-1) ?? 0 };
  }

  it("a publisher that read its entries before a revocation, overtaken by one that read after, does not store the older CRL under the higher number", async () => {
    const { deps, pauseNextStore, stores, pki } = await setup();
    const [a, b] = ["a", "b"].map((n) => leaf(t, "Inter", `${n}.example.test`));
    tsca(t, ["revoke_cert", a!.serial]);
    const { before, n } = await numbersBefore(pki.inter, "user");

    // A reads (only a is revoked) with a clock a minute behind, and waits before storing.
    const pause = pauseNextStore("user");
    const publishing = dumpCrl(caller(clockAt(-60_000)), deps(clockAt(-60_000)), {
      ca: "Inter",
      scope: USER,
      expiresSeconds: 86_400,
      delta: false,
    });
    await reached(pause, publishing);
    // b is revoked, and another process publishes the user CRL of Inter: #n+1, listing a and b.
    tsca(t, ["revoke_cert", b!.serial, "--reason", "key_compromise"]);
    tsca(t, ["dump_crl", "--ca", "Inter", "--only-contains-user-certs"]);
    pause.release();
    const published = await publishing;

    await expectNoViolations();
    // A's CRL took #n+2 (the number of its discarded attempt was freed) and lists b.
    expect(published.crl.number).toBe(n + 2);
    expect([...parseCrlText("A", published.crl.der).listed].sort()).toEqual([a!.hex, b!.hex].map(normalSerial).sort());
    expect(await numbersOf(pki.inter, "user")).toEqual([...before, n + 1, n + 2]);
    expect(stores.get("user")).toBe(2);
    // The one generate_crls calls current (and serve serves) is the highest number.
    expect(tsca(t, ["generate_crls", "Inter"])).toMatch(new RegExp(`: user CRL #${n + 2} is current`));
  });

  it("a delta CRL whose base was overtaken by a newer complete CRL is rebuilt against the newer base (RFC 5280 §5.2.4)", async () => {
    const { deps, pauseNextStore, pki } = await setup();
    const [a, b] = ["a", "b"].map((n) => leaf(t, "Inter", `${n}.example.test`));
    tsca(t, ["revoke_cert", a!.serial]);
    const { n } = await numbersBefore(pki.inter, "user");
    tsca(t, ["dump_crl", "--ca", "Inter", "--only-contains-user-certs"]); // base #n+1: a

    const pause = pauseNextStore("user");
    const publishing = dumpCrl(caller(clockAt(-60_000)), deps(clockAt(-60_000)), {
      ca: "Inter",
      scope: USER,
      expiresSeconds: 86_400,
      delta: true,
    });
    await reached(pause, publishing);
    tsca(t, ["revoke_cert", b!.serial]);
    tsca(t, ["dump_crl", "--ca", "Inter", "--only-contains-user-certs"]); // #n+2: a, b
    pause.release();
    const delta = await publishing;

    await expectNoViolations();
    const seen = parseCrlText("delta", delta.crl.der);
    expect([seen.number, seen.base, delta.crl.baseNumber]).toEqual([n + 3, n + 2, n + 2]);
    expect(seen.listed.size).toBe(0); // b is on its base already
  });

  it("a CRL signed later never carries an earlier thisUpdate than a lower number, even from a host whose clock is behind (§5.1.2.4)", async () => {
    const { deps, pauseNextStore, stores, pki } = await setup();
    const { n } = await numbersBefore(pki.inter, "user");
    const pause = pauseNextStore("user");
    const behind = dumpCrl(caller(clockAt(-120_000)), deps(clockAt(-120_000)), {
      ca: "Inter",
      scope: USER,
      expiresSeconds: 3600,
      delta: false,
    });
    await reached(pause, behind);
    // Nothing was revoked meanwhile: B's CRL lists exactly what A read, so A need not read again.
    const ahead = await dumpCrl(caller(clockAt(0)), deps(clockAt(0)), { ca: "Inter", scope: USER, expiresSeconds: 3600, delta: false });
    pause.release();
    const later = await behind;

    await expectNoViolations();
    expect([ahead.crl.number, later.crl.number]).toEqual([n + 1, n + 2]);
    expect(later.crl.thisUpdate.getTime()).toBeGreaterThanOrEqual(ahead.crl.thisUpdate.getTime());
    expect(later.crl.nextUpdate.getTime() - later.crl.thisUpdate.getTime()).toBe(3_600_000);
    expect(stores.get("user")).toBe(2); // one store each: no rebuild without a reason
  });

  it("generate_crls overtaken by revoke_ca (which publishes the parent's CA CRL) stores a CA CRL that still lists the revoked CA", async () => {
    const { deps, pauseNextStore, pki } = await setup();
    const sibling = tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Sibling", "/CN=sibling.example.test"]).trim();
    const { n } = await numbersBefore(pki.root, "ca");

    const pause = pauseNextStore("ca");
    // Not behind: the CAs were made a moment ago, and generate_crls skips a CA that is not yet valid.
    const generating = generateCrls(caller(clockAt(0)), deps(clockAt(0)), {
      cas: ["Root"],
      force: true,
      expiresSeconds: 86_400,
      renewalSeconds: 43_200,
    });
    await reached(pause, generating);
    expect(tsca(t, ["revoke_ca", "Sibling", "--reason", "superseded"])).toMatch(`CA CRL #${n + 1} of "Root" lists it`);
    pause.release();
    const outcomes = await generating;

    await expectNoViolations();
    const ca = outcomes.find((o) => o.scope?.kind === "ca")!;
    expect(ca.status).toBe("generated");
    if (ca.status !== "generated") return;
    expect(ca.crl.number).toBe(n + 2);
    expect([...parseCrlText("ca", ca.crl.der).listed]).toEqual([normalSerial(sibling)]);
  });

  it("a publisher overtaken round after round gives up with ERR_CRL_CONTENDED: nothing of it stored, no number skipped", async () => {
    const { deps, plainDeps, beforeEveryStore, stores, certs, pki } = await setup();
    const serials = await storeCertificates(certs, pki.inter.replace(/:/g, ""), 10);
    const { before, n } = await numbersBefore(pki.inter, "user");
    // Before each attempt of A to store, one more certificate is revoked and another publisher stores first.
    let round = 0;
    beforeEveryStore("user", async () => {
      const now = new Date();
      await certs.revoke(serials[round++]!, { revokedAt: now, reason: "superseded", compromisedAt: null }, now);
      await dumpCrl(caller(clockAt(0)), plainDeps(clockAt(0)), { ca: "Inter", scope: USER, expiresSeconds: 86_400, delta: false });
    });
    await expect(
      dumpCrl(caller(clockAt(0)), deps(clockAt(0)), { ca: "Inter", scope: USER, expiresSeconds: 86_400, delta: false }),
    ).rejects.toMatchObject({
      code: "ERR_CRL_CONTENDED",
      message: 'Other processes kept storing newer user CRLs of CA "Inter" while this one was being made, so none was stored; try again.',
    });
    expect([round, stores.get("user")]).toEqual([8, 8]);
    // The other publisher's eight, right after what was there; none of A's numbers was used.
    expect(await numbersOf(pki.inter, "user")).toEqual([...before, ...Array.from({ length: 8 }, (_, i) => n + 1 + i)]);
    await expectNoViolations();
  });
  it("a revocation committed while a CRL's entries were being read is published by the next generate_crls, not left for the schedule", async () => {
    const { pki, plainDeps } = await setup();
    const a = leaf(t, "Inter", "a.example.test");
    const base = plainDeps(clockAt(0));
    // The second latest() is the position read after the entries: the revocation commits just before it.
    let calls = 0;
    const changes = {
      latest: async () => {
        if (++calls === 2) tsca(t, ["revoke_cert", a.serial]);
        return base.changes.latest();
      },
      since: base.changes.since.bind(base.changes),
    };
    const published = await dumpCrl(
      caller(clockAt(0)),
      { ...base, changes },
      { ca: "Inter", scope: USER, expiresSeconds: 86_400, delta: false },
    );
    expect(calls).toBe(2);
    expect(parseCrlText("missed", published.crl.der).listed.size).toBe(0);

    // Not "current": the CRL may lack what committed while it was read, so the next timer run renews it.
    const out = tsca(t, ["generate_crls", "Inter"]);
    expect(out).not.toMatch(/: user CRL #\d+ is current/);
    const user = (await storedCrls(t)).get(`${pki.inter.replace(/:/g, "")}/user/`)!;
    expect(user.at(-1)!.number).toBe(published.crl.number + 1);
    expect([...user.at(-1)!.listed]).toEqual([normalSerial(a.hex)]);
    await expectNoViolations();
  });
});

/** `count` unrevoked certificates of a CA, stored directly (a placeholder certificate: CRLs need only the rows). */
async function storeCertificates(certs: SqlCertificateRepository, caSerial: string, count: number): Promise<string[]> {
  const now = new Date();
  const serials = Array.from({ length: count }, (_, i) => `7E57${String(i).padStart(4, "0")}`);
  await certs.insert(
    serials.map((serial) => ({
      serial,
      caSerial,
      commonName: `${serial}.example.test`,
      subject: `CN=${serial}.example.test`,
      notBefore: now,
      notAfter: new Date(now.getTime() + 86_400_000 * 30),
      der: placeholderCertificateDer(),
      csrDer: null,
      profile: null,
      autogenerated: false,
      revokedAt: null,
      revokedReason: null,
      compromisedAt: null,
      watchers: [],
      createdAt: now,
      updatedAt: now,
    })),
  );
  return serials;
}
