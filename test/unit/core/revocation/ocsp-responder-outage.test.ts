/**
 * The OCSP responder while its database is down or silent (issue 14), with fakes for the database only:
 * an earlier response that is still valid is served once memory is stale and the lookup fails; a lookup
 * that never answers ends in tryLater after `deadlineMs` instead of a hang; after a failed lookup memory is
 * used without asking the database again until the change feed is read; a background re-signing that could
 * not read the status is tried again later. Responses are read back by `openssl ocsp -respin`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CertificateAuthority } from "../../../../src/core/ca/certificate-authority.js";
import type { CaRepository } from "../../../../src/core/ports/ca-repository.js";
import type { OcspKeyStore } from "../../../../src/core/ports/ocsp-key-store.js";
import type { OcspResponderRepository } from "../../../../src/core/ports/ocsp-responder-repository.js";
import type { OcspStatusRepository } from "../../../../src/core/ports/ocsp-status-repository.js";
import type { RevocationChangeFeed } from "../../../../src/core/ports/revocation-change-feed.js";
import { OcspIssuers } from "../../../../src/core/revocation/ocsp-issuers.js";
import { DEFAULT_RESPONDER_OPTIONS, OcspResponder, type OcspAnswer } from "../../../../src/core/revocation/ocsp-responder.js";
import { parseCertificate } from "../../../../src/core/x509/certificate.js";
import { openssl } from "../../../helpers/cli.js";
import { opensslCa, selfResponderRecord, type OpensslCa } from "../../../helpers/openssl-ca.js";

let ca: OpensslCa;
let serial: string;

beforeAll(() => {
  ca = opensslCa();
  serial = parseCertificate(ca.der).serial;
});

function request(hexSerial: string): Buffer {
  const out = join(ca.dir, `req-${Math.random().toString(36).slice(2)}.der`);
  const r = openssl(["ocsp", "-issuer", ca.certPath, "-serial", `0x${hexSerial}`, "-no_nonce", "-reqout", out]);
  if (r.code !== 0) throw new Error(r.stderr);
  return readFileSync(out);
}

function certStatus(answer: OcspAnswer, req: Buffer): string {
  const resp = join(ca.dir, `resp-${Math.random().toString(36).slice(2)}.der`);
  writeFileSync(resp, answer.der);
  writeFileSync(`${resp}.req`, req);
  const r = openssl(["ocsp", "-respin", resp, "-reqin", `${resp}.req`, "-issuer", ca.certPath, "-CAfile", ca.certPath, "-resp_text"]);
  expect(r.stderr).toContain("Response verify OK");
  return /Cert Status: (\w+)/.exec(r.stdout)?.[1] ?? "none";
}

type Mode = "up" | "down" | "silent";

function setup(deadlineMs: number) {
  const clock = {
    t: Date.parse("2026-11-26T12:00:00Z"),
    now(): Date {
      return new Date(this.t);
    },
  };
  let mode: Mode = "up";
  const counts = { lookups: 0 };
  const database = async <T>(value: T): Promise<T> => {
    if (mode === "down") throw new Error("connect ECONNREFUSED");
    if (mode === "silent") return new Promise<T>(() => undefined); // a black-holed connection never answers
    return value;
  };
  const statuses: OcspStatusRepository = {
    async statuses(_scope, _issuer, serials) {
      counts.lookups++;
      return database(new Map(serials.map((s) => [s, { revokedAt: null, reason: null, compromisedAt: null }])));
    },
  };
  const changes: RevocationChangeFeed = {
    latest: () => database(0),
    since: () => database([]),
    prune: async () => 0,
  };
  const record = selfResponderRecord(ca, serial);
  const caEntity = { serial, name: "Test", der: ca.der } as CertificateAuthority;
  const issuers = new OcspIssuers(
    {
      cas: { list: () => database([caEntity]) } as unknown as CaRepository,
      responders: { get: () => database(record) } as unknown as OcspResponderRepository,
      keys: { load: async () => ca.signer, describe: (r: string) => r } as unknown as OcspKeyStore,
      clock,
    },
    { caListMaxAgeMs: 5_000, retryMissingMs: 5_000, defaultResponseValidity: 3600 },
  );
  const responder = new OcspResponder(
    { clock, statuses, changes, issuers },
    { ...DEFAULT_RESPONDER_OPTIONS, staleAfterMs: 5_000, deadlineMs },
  );
  return {
    clock,
    counts,
    responder,
    setMode: (m: Mode) => (mode = m),
    ask: (req: Buffer) => responder.respond(serial, "cert", req),
  };
}

describe("OcspResponder during a database outage", () => {
  it("serves a response signed earlier while it is valid once memory is stale and the database is down", async () => {
    const s = setup(1_000);
    await s.responder.sync();
    const req = request("0A");
    expect((await s.ask(req)).source).toBe("signed");
    s.setMode("down");
    s.clock.t += 60_000; // far past staleAfterMs: memory is no longer trusted on its own
    await expect(s.responder.sync()).rejects.toThrow();
    expect(s.responder.fresh()).toBe(false);
    const answer = await s.ask(req);
    expect(answer.status).toBe("successful");
    expect(certStatus(answer, req)).toBe("good");
    // The failed lookup switched to memory: the next answers ask the database no more.
    const lookups = s.counts.lookups;
    expect(s.responder.cached(serial, "cert", req)?.source).toBe("cache");
    expect((await s.ask(req)).source).toBe("cache");
    expect(s.counts.lookups).toBe(lookups);
    // A certificate never answered before has nothing to fall back on.
    const other = await s.ask(request("0B"));
    expect([other.status, other.der.toString("hex")]).toEqual(["tryLater", "30030a0103"]);
    // Back up: the feed is read again and memory is trusted because of that, not because of the outage.
    s.setMode("up");
    await s.responder.sync();
    expect((await s.ask(request("0B"))).source).toBe("signed");
  });

  it("answers tryLater after deadlineMs when the database never answers, and a cached response still", async () => {
    const s = setup(200);
    await s.responder.sync();
    const known = request("0A");
    await s.ask(known);
    s.setMode("silent");
    s.clock.t += 60_000;
    const late = await s.ask(request("0C"));
    expect(late.status).toBe("tryLater");
    expect(late.detail).toMatch(/did not answer within 200 ms/);
    const cached = await s.ask(known);
    expect(certStatus(cached, known)).toBe("good");
  });

  it("bounds loading an unknown CA by the deadline too", async () => {
    const s = setup(200);
    s.setMode("silent");
    const answer = await s.ask(request("0A"));
    expect(answer.status).toBe("tryLater");
  });

  it("tries a background re-signing again after it could not read the status", async () => {
    const s = setup(1_000);
    await s.responder.sync();
    const req = request("0A");
    const first = await s.ask(req);
    s.clock.t += 1_801_000; // past half the validity: due for re-signing
    await s.responder.sync();
    s.setMode("down");
    expect((await s.ask(req)).der.equals(first.der)).toBe(true); // starts a refresh, which fails
    await new Promise((r) => setTimeout(r, 20));
    s.setMode("up");
    await s.responder.sync();
    await s.ask(req); // starts another refresh, which succeeds
    await new Promise((r) => setTimeout(r, 20));
    expect((await s.ask(req)).der.equals(first.der)).toBe(false);
  });
});
