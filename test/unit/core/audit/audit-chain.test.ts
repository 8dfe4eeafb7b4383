/**
 * The audit hash chain on its own: canonical encoding, an intact chain, and each kind of break detected
 * and named by the seq of the first broken event.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AuditChainWalk,
  GENESIS_HASH,
  auditEventHash,
  canonicalJson,
  verifyAuditChain,
  type StoredAuditEvent,
} from "../../../../src/core/audit/audit-chain.js";

/** A chain of n events as the adapter would store them. */
function chain(n: number): StoredAuditEvent[] {
  const out: StoredAuditEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const detail = { n: seq, reason: seq % 2 ? "superseded" : "key_compromise" };
    const fields = {
      seq,
      at: new Date(Date.UTC(2026, 11, 1, 0, 0, seq)).toISOString(),
      actor: "cli:root",
      action: seq % 3 ? "cert.issue" : "cert.revoke",
      object: `cert:${seq.toString(16).toUpperCase().padStart(4, "0")}`,
      outcome: "success",
      requestId: `req-${seq}`,
      prevHash,
    };
    const hash = auditEventHash({ ...fields, detail });
    out.push({ ...fields, detail: canonicalJson(detail), hash });
    prevHash = hash;
  }
  return out;
}

const headOf = (events: StoredAuditEvent[]) => ({ seq: events.at(-1)?.seq ?? 0, hash: events.at(-1)?.hash ?? GENESIS_HASH });

describe("canonical encoding", () => {
  it("sorts keys at every depth, drops undefined and writes dates as ISO text", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined }, t: new Date("2026-12-01T00:00:00Z") })).toBe(
      '{"a":{"d":[2,{"y":2,"z":1}]},"b":1,"t":"2026-12-01T00:00:00.000Z"}',
    );
  });

  it("keeps a __proto__ key as a key", () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1},"b":1}');
  });

  it("hashes the documented pre-image with SHA-256", () => {
    const fields = {
      seq: 1,
      at: "2026-12-01T00:00:00.000Z",
      actor: "cli:root",
      action: "ca.create",
      object: "ca:AB",
      outcome: "success",
      requestId: "r1",
      detail: { b: 2, a: 1 },
      prevHash: GENESIS_HASH,
    };
    const preimage = `["tsca-audit/1",1,"2026-12-01T00:00:00.000Z","cli:root","ca.create","ca:AB","success","r1",{"a":1,"b":2},"${GENESIS_HASH}"]`;
    expect(auditEventHash(fields)).toBe(createHash("sha256").update(preimage).digest("hex"));
  });

  it("does not let one field's text move into the next (no two events share a pre-image)", () => {
    const base = {
      seq: 1,
      at: "t",
      actor: "a",
      action: "b",
      object: "c",
      outcome: "success",
      requestId: "r",
      detail: {},
      prevHash: GENESIS_HASH,
    };
    expect(auditEventHash(base)).not.toBe(auditEventHash({ ...base, actor: "a,b", action: "" }));
    expect(auditEventHash(base)).not.toBe(auditEventHash({ ...base, actor: 'a","b', action: "" }));
  });

  it("gives a missing detail the same hash as an empty one", () => {
    const base = { seq: 1, at: "t", actor: "a", action: "b", object: "c", outcome: "success", requestId: "r", prevHash: GENESIS_HASH };
    expect(auditEventHash({ ...base, detail: undefined })).toBe(auditEventHash({ ...base, detail: {} }));
  });
});

describe("verifyAuditChain", () => {
  it("passes an intact chain and counts its events", () => {
    const events = chain(50);
    expect(verifyAuditChain(events, headOf(events))).toEqual({ events: 50 });
  });

  it("passes an empty log whose head is the genesis", () => {
    expect(verifyAuditChain([], { seq: 0, hash: GENESIS_HASH })).toEqual({ events: 0 });
  });

  it("names a changed field of an event as changed", () => {
    for (const field of ["actor", "action", "object", "outcome", "requestId", "at"] as const) {
      const events = chain(10);
      events[6] = { ...events[6]!, [field]: "tampered" };
      const r = verifyAuditChain(events, headOf(chain(10)));
      expect(r.broken, field).toMatchObject({ seq: 7, problem: "changed" });
    }
  });

  it("names a changed detail, also one made invalid JSON or null", () => {
    for (const detail of ['{"n":5,"reason":"unspecified"}', "{not json", "null", '{"reason":"superseded","n":5,"x":1}']) {
      const events = chain(10);
      events[4] = { ...events[4]!, detail };
      expect(verifyAuditChain(events, headOf(events)).broken, detail).toMatchObject({ seq: 5, problem: "changed" });
    }
  });

  it("takes a detail written with other key order or spacing as the same detail", () => {
    const events = chain(3);
    events[1] = {
      ...events[1]!,
      detail: JSON.stringify(JSON.parse(events[1]!.detail), Object.keys(JSON.parse(events[1]!.detail)).reverse(), 2),
    };
    expect(verifyAuditChain(events, headOf(events))).toEqual({ events: 3 });
  });

  it("names the action and object of a changed event in the detail", () => {
    const events = chain(4);
    events[2] = { ...events[2]!, actor: "web:mallory" };
    expect(verifyAuditChain(events, headOf(events)).broken?.detail).toContain("event 3 (cert.revoke on cert:0003)");
  });

  it("names a removed middle event by its seq (a gap)", () => {
    const events = chain(10);
    const head = headOf(events);
    events.splice(3, 1);
    expect(verifyAuditChain(events, head).broken).toMatchObject({ seq: 4, problem: "removed" });
    events.splice(3, 2);
    expect(verifyAuditChain(events, head).broken).toMatchObject({
      seq: 4,
      problem: "removed",
      detail: expect.stringContaining("events 4 to 6 were"),
    });
  });

  it("names a removed first event", () => {
    const events = chain(5);
    expect(verifyAuditChain(events.slice(1), headOf(events)).broken).toMatchObject({ seq: 1, problem: "removed" });
  });

  it("detects the newest events removed through the head", () => {
    const events = chain(10);
    const head = headOf(events);
    expect(verifyAuditChain(events.slice(0, 9), head).broken).toMatchObject({ seq: 10, problem: "removed" });
    expect(verifyAuditChain(events.slice(0, 7), head).broken).toMatchObject({ seq: 8, problem: "removed" });
    expect(verifyAuditChain([], head).broken).toMatchObject({ seq: 1, problem: "removed" });
  });

  it("detects a newest event replaced (the head's hash no longer matches)", () => {
    const events = chain(5);
    const head = headOf(events);
    // A self-consistent replacement of event 5: its own hash and link fit, but not the head's hash.
    const forged = { ...events[4]!, actor: "web:mallory" };
    forged.hash = auditEventHash({ ...forged, detail: JSON.parse(forged.detail) as unknown });
    events[4] = forged;
    expect(verifyAuditChain(events, head).broken).toMatchObject({ seq: 5, problem: "changed" });
  });

  it("names two swapped events as reordered at the first of them", () => {
    const events = chain(10);
    const head = headOf(events);
    // Swapping the seq values of rows 3 and 4 is, in seq order, their contents trading places.
    const [a, b] = [events[2]!, events[3]!];
    events[2] = { ...b, seq: 3 };
    events[3] = { ...a, seq: 4 };
    expect(verifyAuditChain(events, head).broken).toMatchObject({
      seq: 3,
      problem: "reordered",
      detail: expect.stringContaining("recorded as event 4"),
    });
  });

  it("names events swapped far apart as reordered", () => {
    const events = chain(40);
    const head = headOf(events);
    const [a, b] = [events[4]!, events[34]!];
    events[4] = { ...b, seq: 5 };
    events[34] = { ...a, seq: 35 };
    expect(verifyAuditChain(events, head).broken).toMatchObject({
      seq: 5,
      problem: "reordered",
      detail: expect.stringContaining("event 35"),
    });
  });

  it("names events given out of seq order as reordered", () => {
    const events = chain(5);
    const swapped = [events[0]!, events[2]!, events[1]!, events[3]!, events[4]!];
    // Walking 1, 3 first finds the gap at 2; a walk fed 1, 2, 2 sees a seq going backwards.
    expect(verifyAuditChain(swapped, headOf(events)).broken).toMatchObject({ seq: 2, problem: "removed" });
    const back = [events[0]!, events[1]!, events[0]!];
    expect(verifyAuditChain(back, headOf(events)).broken).toMatchObject({ seq: 1, problem: "reordered" });
  });

  it("names a removed event whose successor was re-hashed to close the gap", () => {
    // Event 4 deleted, 5 renumbered to 4 and re-hashed by someone who knows the encoding: its own hash fits,
    // but its link still points at the deleted event.
    const events = chain(6);
    const head = headOf(events);
    const moved = { ...events[4]!, seq: 4 };
    moved.hash = auditEventHash({ ...moved, detail: JSON.parse(moved.detail) as unknown });
    const tampered = [...events.slice(0, 3), moved];
    expect(verifyAuditChain(tampered, head).broken).toMatchObject({ seq: 4, problem: "removed" });
  });

  it("names a first event that does not start from the genesis hash", () => {
    const events = chain(2);
    const first = { ...events[0]!, prevHash: "1".repeat(64) };
    first.hash = auditEventHash({ ...first, detail: JSON.parse(first.detail) as unknown });
    expect(verifyAuditChain([first], { seq: 1, hash: first.hash }).broken).toMatchObject({ seq: 1, problem: "removed" });
  });

  it("walks in chunks with the same result as all at once", () => {
    const events = chain(30);
    events[21] = { ...events[21]!, object: "cert:FFFF" };
    const walk = new AuditChainWalk(30);
    let broken;
    for (const e of events) if ((broken = walk.push(e))) break;
    expect(broken).toEqual(verifyAuditChain(events, headOf(chain(30))).broken);
    expect(walk.events).toBe(22);
  });
});
