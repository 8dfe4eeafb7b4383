/**
 * The OCSP responder's hot path and its invalidation, with counting fakes for the database and the signer:
 * a cached answer costs no signature and no lookup; a change from the feed drops exactly what changed; a
 * lookup that raced with a change never puts an outdated status back; memory is not trusted when the feed
 * is stale. Every signed response is read back by `openssl ocsp -respin` (verify on), requests come from
 * `openssl ocsp -reqout`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CertificateAuthority } from "../../../../src/core/ca/certificate-authority.js";
import type { CaRepository } from "../../../../src/core/ports/ca-repository.js";
import type { OcspKeyStore } from "../../../../src/core/ports/ocsp-key-store.js";
import type { OcspResponderRepository } from "../../../../src/core/ports/ocsp-responder-repository.js";
import type { OcspScope, OcspStatusRepository, RecordedRevocation } from "../../../../src/core/ports/ocsp-status-repository.js";
import type { RevocationChange, RevocationChangeFeed } from "../../../../src/core/ports/revocation-change-feed.js";
import type { Signer } from "../../../../src/core/ports/signer.js";
import { OcspIssuers } from "../../../../src/core/revocation/ocsp-issuers.js";
import { DEFAULT_RESPONDER_OPTIONS, OcspResponder, type OcspAnswer } from "../../../../src/core/revocation/ocsp-responder.js";
import { statusKey } from "../../../../src/core/revocation/ocsp-response-cache.js";
import { parseCertificate } from "../../../../src/core/x509/certificate.js";
import { explicit, octetString, oid, sequence } from "../../../../src/core/x509/der.js";
import { children, parseDer } from "../../../../src/core/x509/der-reader.js";
import { openssl } from "../../../helpers/cli.js";
import { opensslCa, selfResponderRecord, type OpensslCa } from "../../../helpers/openssl-ca.js";

let ca: OpensslCa;
let serial: string;

beforeAll(() => {
  ca = opensslCa();
  serial = parseCertificate(ca.der).serial;
});

function request(args: string[]): Buffer {
  const out = join(ca.dir, `req-${Math.random().toString(36).slice(2)}.der`);
  const r = openssl(["ocsp", "-issuer", ca.certPath, ...args, "-reqout", out]);
  if (r.code !== 0) throw new Error(r.stderr);
  return readFileSync(out);
}

/** openssl's reading of a response to `req` (signature verified against the CA). */
function opensslView(answer: OcspAnswer, req: Buffer): string {
  const resp = join(ca.dir, `resp-${Math.random().toString(36).slice(2)}.der`);
  const reqFile = `${resp}.req`;
  writeFileSync(resp, answer.der);
  writeFileSync(reqFile, req);
  const r = openssl(["ocsp", "-respin", resp, "-reqin", reqFile, "-issuer", ca.certPath, "-CAfile", ca.certPath, "-resp_text"]);
  return r.stdout + r.stderr;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}
const deferred = (): Deferred => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

function setup(opts: Partial<typeof DEFAULT_RESPONDER_OPTIONS> = {}) {
  const clock = {
    t: Date.parse("2026-11-26T12:00:00Z"),
    now(): Date {
      return new Date(this.t);
    },
  };
  const db = new Map<string, RecordedRevocation>();
  const counts = { lookups: 0, signatures: 0, feedReads: 0 };
  let gate: Deferred | undefined;
  let feedDown = false;
  const statuses: OcspStatusRepository = {
    async statuses(scope: OcspScope, issuer: string, serials: string[]) {
      counts.lookups++;
      expect(scope).toBe("cert");
      expect(issuer).toBe(serial);
      // The read happens now; a gate only delays its delivery (a slow database).
      const out = new Map(serials.filter((s) => db.has(s)).map((s) => [s, { ...db.get(s)! }]));
      if (gate) await gate.promise;
      return out;
    },
  };
  const events: RevocationChange[] = [];
  const changes: RevocationChangeFeed = {
    latest: async () => events.length,
    async since(seq, limit) {
      counts.feedReads++;
      if (feedDown) throw new Error("database down");
      return events.filter((e) => e.seq > seq).slice(0, limit);
    },
    prune: async () => 0,
  };
  const revoke = (s: string, reason: string | null = "key_compromise"): void => {
    db.set(s, { revokedAt: new Date("2026-11-26T11:00:00Z"), reason, compromisedAt: null });
    events.push({ seq: events.length + 1, scope: "cert", caSerial: serial, serial: s });
  };
  const signer: Signer = {
    keyType: ca.signer.keyType,
    spki: ca.signer.spki,
    sign: (data, hash) => {
      counts.signatures++;
      return ca.signer.sign(data, hash);
    },
  };
  const caEntity = { serial, name: "Test", der: ca.der } as CertificateAuthority;
  const record = selfResponderRecord(ca, serial);
  const issuers = new OcspIssuers(
    {
      cas: { list: async () => [caEntity] } as unknown as CaRepository,
      responders: { get: async () => record } as unknown as OcspResponderRepository,
      keys: { load: async () => signer, describe: (r: string) => r } as unknown as OcspKeyStore,
      clock,
    },
    { caListMaxAgeMs: 5_000, retryMissingMs: 5_000, defaultResponseValidity: 3600 },
  );
  const responder = new OcspResponder(
    { clock, statuses, changes, issuers },
    { ...DEFAULT_RESPONDER_OPTIONS, staleAfterMs: 5_000, ...opts },
  );
  return {
    clock,
    db,
    counts,
    responder,
    revoke,
    events,
    setGate: (g: Deferred | undefined) => (gate = g),
    setFeedDown: (v: boolean) => (feedDown = v),
    ask: (req: Buffer) => responder.respond(serial, "cert", req),
  };
}

const good = { revokedAt: null, reason: null, compromisedAt: null };

describe("OcspResponder", () => {
  it("signs once, then answers from memory with no signature and no lookup", async () => {
    const s = setup();
    s.db.set("0A", good);
    await s.responder.sync();
    const req = request(["-serial", "0x0A", "-no_nonce"]);
    const first = await s.ask(req);
    expect(first.source).toBe("signed");
    const view = opensslView(first, req);
    expect(view).toContain("Response verify OK");
    expect(view).toContain("Cert Status: good");
    const second = await s.ask(req);
    expect(second.source).toBe("cache");
    expect(second.der.equals(first.der)).toBe(true);
    expect(s.counts).toMatchObject({ lookups: 1, signatures: 1 });
    // HTTP caching ends when the response is due for re-signing (half its validity).
    expect(second.http!.maxAge).toBe(1800);
    expect(second.http!.nextUpdate.getTime() - second.http!.thisUpdate.getTime()).toBe(3_600_000);
  });

  it("drops exactly the revoked certificate's answer when the change feed reports it", async () => {
    const s = setup();
    s.db.set("0A", good);
    s.db.set("0B", good);
    await s.responder.sync();
    const a = request(["-serial", "0x0A", "-no_nonce"]);
    const b = request(["-serial", "0x0B", "-no_nonce"]);
    await s.ask(a);
    await s.ask(b);
    s.revoke("0A");
    expect((await s.ask(a)).source).toBe("cache"); // not yet polled: still the old answer
    expect(await s.responder.sync()).toBe(1);
    const after = await s.ask(a);
    expect(after.source).toBe("signed");
    const view = opensslView(after, a);
    expect(view).toContain("Response verify OK");
    expect(view).toMatch(/Cert Status: revoked[\s\S]*Revocation Reason: keyCompromise/);
    expect((await s.ask(b)).source).toBe("cache");
  });

  it("never caches a status read before a change that was applied while the read was in flight", async () => {
    const s = setup();
    s.db.set("0A", good);
    await s.responder.sync();
    const req = request(["-serial", "0x0A", "-no_nonce"]);
    const gate = deferred();
    s.setGate(gate);
    const inFlight = s.ask(req); // reads "good" now, delivers later
    await new Promise((r) => setTimeout(r, 5));
    s.revoke("0A");
    await s.responder.sync();
    gate.resolve();
    s.setGate(undefined);
    expect(opensslView(await inFlight, req)).toContain("Cert Status: good"); // answered with what it read
    const next = await s.ask(req);
    expect(next.source).toBe("signed");
    expect(opensslView(next, req)).toContain("Cert Status: revoked");
  });

  it("stops trusting memory when the change feed cannot be read, and recovers", async () => {
    const s = setup();
    s.db.set("0A", good);
    await s.responder.sync();
    const req = request(["-serial", "0x0A", "-no_nonce"]);
    await s.ask(req);
    s.setFeedDown(true);
    s.clock.t += 6_000;
    await expect(s.responder.sync()).rejects.toThrow("database down");
    expect(s.responder.fresh()).toBe(false);
    const lookups = s.counts.lookups;
    expect((await s.ask(req)).source).toBe("signed");
    expect(s.counts.lookups).toBe(lookups + 1);
    s.setFeedDown(false);
    await s.responder.sync();
    await s.ask(req);
    expect((await s.ask(req)).source).toBe("cache");
  });

  it("clears memory when the feed has a gap (pruned changes it never saw)", async () => {
    const s = setup();
    s.db.set("0A", good);
    await s.responder.sync();
    const req = request(["-serial", "0x0A", "-no_nonce"]);
    await s.ask(req);
    s.events.push({ seq: 5, scope: "cert", caSerial: serial, serial: "FF" });
    await s.responder.sync();
    expect((await s.ask(req)).source).toBe("signed");
  });

  it("signs nonce requests live from the cached status, without a lookup", async () => {
    const s = setup();
    s.db.set("0A", good);
    await s.responder.sync();
    await s.ask(request(["-serial", "0x0A", "-no_nonce"]));
    const before = { ...s.counts };
    const n1 = request(["-serial", "0x0A"]);
    const r1 = await s.ask(n1);
    const r2 = await s.ask(request(["-serial", "0x0A"]));
    expect([r1.source, r2.source]).toEqual(["signed", "signed"]);
    expect(r1.http).toBeUndefined();
    expect(s.counts.signatures).toBe(before.signatures + 2);
    expect(s.counts.lookups).toBe(before.lookups);
    const view = opensslView(r1, n1);
    expect(view).toContain("Response verify OK");
    expect(view).not.toContain("WARNING");
  });

  it("answers unknown for serials never issued and does not keep them; several CertIDs in one signature", async () => {
    const s = setup();
    s.db.set("0A", good);
    await s.responder.sync();
    const u = request(["-serial", "0x0C", "-no_nonce"]);
    await s.ask(u);
    await s.ask(u);
    expect(s.counts.lookups).toBe(2);
    const multi = request(["-serial", "0x0A", "-sha256", "-serial", "0x0C"]);
    const r = await s.ask(multi);
    const view = opensslView(r, multi);
    expect(view).toContain("Response verify OK");
    expect(view.match(/Cert Status: (\w+)/g)).toEqual(["Cert Status: good", "Cert Status: unknown"]);
  });

  it("re-signs in the background once half the validity has passed", async () => {
    const s = setup();
    s.db.set("0A", good);
    await s.responder.sync();
    const req = request(["-serial", "0x0A", "-no_nonce"]);
    const first = await s.ask(req);
    s.clock.t += 1_801_000;
    await s.responder.sync();
    const stale = await s.ask(req);
    expect(stale.source).toBe("cache");
    expect(stale.der.equals(first.der)).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    const fresh = await s.ask(req);
    expect(fresh.source).toBe("cache");
    expect(fresh.der.equals(first.der)).toBe(false);
    expect(s.counts.signatures).toBe(2);
  });

  it("maps failures to OCSP status codes", async () => {
    const s = setup();
    await s.responder.sync();
    const req = request(["-serial", "0x0A", "-no_nonce"]);
    expect((await s.ask(Buffer.from("x"))).status).toBe("malformedRequest");
    expect((await s.responder.respond("ABCD", "cert", req)).status).toBe("unauthorized");
    expect((await s.responder.respond("not hex", "cert", req)).status).toBe("unauthorized");
    const other = opensslCa();
    const out = join(other.dir, "r.der");
    openssl(["ocsp", "-issuer", other.certPath, "-serial", "0x01", "-reqout", out]);
    expect((await s.ask(readFileSync(out))).status).toBe("unauthorized");
    s.setGate({ promise: Promise.reject(new Error("db down")), resolve: () => undefined });
    const down = await s.ask(req);
    expect([down.status, down.der.toString("hex")]).toEqual(["tryLater", "30030a0103"]);
  });
  it("answers distinct padded requests for one certificate from one kept response, and keeps a bounded number of spellings", async () => {
    const s = setup({ responsesPerCertificate: 2 });
    s.db.set("0A", good);
    await s.responder.sync();
    const plain = request(["-serial", "0x0A", "-no_nonce"]);
    const first = await s.ask(plain);
    // The same CertID with an unknown non-critical extension of a different size each time (RFC 6960 §4.1.2).
    const id = children(children(children(children(parseDer(plain))[0]!)[0]!)[0]!)[0]!.raw;
    const padded = (n: number): Buffer =>
      sequence(sequence(sequence(sequence(id)), explicit(2, sequence(sequence(oid("1.3.6.1.4.1.55555.1"), octetString(Buffer.alloc(n)))))));
    for (let n = 1; n <= 50; n++) {
      const r = await s.ask(padded(n));
      expect(r.source).toBe("cache");
      expect(r.der.equals(first.der)).toBe(true);
    }
    expect(s.counts).toMatchObject({ lookups: 1, signatures: 1 });
    // The synchronous hot path serves plain requests and leaves the rest to the full path.
    expect(s.responder.cached(serial, "cert", plain)?.der.equals(first.der)).toBe(true);
    expect(s.responder.cached(serial, "cert", padded(8))).toBeUndefined();
    // Other spellings of the CertID each get a response; at most two are kept per certificate.
    for (const digest of ["-sha256", "-sha384", "-sha512"])
      expect((await s.ask(request([digest, "-serial", "0x0A", "-no_nonce"]))).source).toBe("signed");
    expect(s.responder.cache.get(statusKey(serial, "cert", "0A"))!.responses.size).toBe(2);
    // Serials never issued are answered and leave nothing behind.
    const bytes = s.responder.cache.bytes;
    for (let i = 0; i < 20; i++) await s.ask(request(["-serial", `0x${(0x1000 + i).toString(16)}`, "-no_nonce"]));
    expect([s.responder.cache.size, s.responder.cache.bytes]).toEqual([1, bytes]);
  });
});
