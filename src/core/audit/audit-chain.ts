/**
 * The hash chain of the audit log: how one event is encoded and hashed, and the walk that checks a stored
 * chain and names its first broken event.
 *
 * hash(n) = SHA-256 over the canonical JSON (RFC 8785 style: object keys sorted, no whitespace) of
 *   ["tsca-audit/1", seq, at, actor, action, object, outcome, requestId, detail, prevHash]
 * with prevHash = hash(n - 1), and 64 zeros for event 1 (the genesis value migration 0009 put in audit_head).
 * A JSON array of strings and numbers is unambiguous (every string is quoted and escaped), so no two
 * different events share a pre-image; the version tag lets a later encoding coexist with this one.
 * Because seq is hashed, an event moved to another position no longer matches its own hash, and because
 * each hash covers the previous one, removing or replacing an event breaks the link of the next.
 *
 * What the chain cannot show on its own: someone able to rewrite the database may cut the newest events
 * AND move audit_head back, or rewrite every hash from some event on. Anchoring the head elsewhere (a
 * printed `tsca audit --verify` count, a copy of the head hash) is what detects that.
 */
import { canonicalJson } from "../text/canonical-json.js";
import { createHash } from "node:crypto";
import type { AuditBreak } from "../ports/audit-log.js";

export const GENESIS_HASH = "0".repeat(64);

const VERSION = "tsca-audit/1";

/** An event as it is stored: the time as its ISO 8601 text and the detail as JSON text, exactly as hashed. */
export interface StoredAuditEvent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  object: string;
  outcome: string;
  requestId: string;
  /** Canonical JSON of the detail object (`{}` when there is none). */
  detail: string;
  prevHash: string;
  hash: string;
}

export type AuditEventFields = Omit<StoredAuditEvent, "hash" | "detail"> & { detail?: unknown };

/** The newest event's seq and hash, kept apart from the events (table audit_head). */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** SHA-256 (hex) of an event's canonical encoding. */
export function auditEventHash(e: AuditEventFields): string {
  return hashAt(e.seq, tail(e, e.detail ?? {}));
}

/**
 * The encoding after the seq: canonicalJson([VERSION, seq, ...rest]) is `["tsca-audit/1",<seq>,` and then
 * this, so that the search for a moved event's position serializes it once, not once per position tried.
 */
const tail = (e: Omit<AuditEventFields, "seq" | "detail">, detail: unknown): string =>
  canonicalJson([e.at, e.actor, e.action, e.object, e.outcome, e.requestId, detail, e.prevHash]).slice(1);

const hashAt = (seq: number, rest: string): string =>
  createHash("sha256")
    .update(`[${JSON.stringify(VERSION)},${JSON.stringify(seq)},${rest}`, "utf8")
    .digest("hex");

/** The encoding after the seq of a stored event, or undefined when its detail is not JSON (then it was edited). */
function storedTail(e: StoredAuditEvent): string | undefined {
  try {
    return tail(e, JSON.parse(e.detail));
  } catch {
    return undefined;
  }
}

/** "event 7 (cert.revoke on cert:AB12)": the stored action and object, which may themselves be the edit. */
const named = (e: StoredAuditEvent): string => `event ${e.seq} (${e.action} on ${e.object})`;

const range = (from: number, to: number): string => (from === to ? `event ${from} was` : `events ${from} to ${to} were`);

/** How far to look for the position an out-of-place event was recorded at: a bounded cost on a broken log only. */
const MAX_POSITION_SEARCH = 2_000_000;

/**
 * The verification walk, one event at a time so that a log of millions of events is read in chunks. Feed
 * events in ascending seq order with push(); then end() with the head. Both return the first break found
 * (and the walk should stop there), or undefined.
 */
export class AuditChainWalk {
  private previous: StoredAuditEvent | undefined;
  private walked = 0;

  /** headSeq bounds the search for where a misplaced event belongs. */
  constructor(private readonly headSeq: number) {}

  /** Events pushed so far. */
  get events(): number {
    return this.walked;
  }

  push(e: StoredAuditEvent): AuditBreak | undefined {
    this.walked++;
    const prev = this.previous;
    const expected = prev ? prev.seq + 1 : 1;
    this.previous = e;
    if (e.seq > expected)
      return {
        seq: expected,
        problem: "removed",
        detail: `${range(expected, e.seq - 1)} removed; the log goes from ${prev ? `event ${prev.seq}` : "its start"} to ${named(e)}`,
      };
    if (e.seq < expected)
      return {
        seq: e.seq,
        problem: "reordered",
        detail: `${named(e)} comes after ${prev ? `event ${prev.seq}` : "the start of the log"}; the events are not in seq order`,
      };
    const rest = storedTail(e);
    if (rest === undefined || hashAt(e.seq, rest) !== e.hash) {
      const recorded = rest === undefined ? undefined : this.recordedPosition(e, rest);
      if (recorded !== undefined)
        return {
          seq: e.seq,
          problem: "reordered",
          detail: `${named(e)} was reordered; the event stored at this position was recorded as event ${recorded}`,
        };
      return { seq: e.seq, problem: "changed", detail: `${named(e)} was changed; its hash does not match its contents` };
    }
    const link = prev ? prev.hash : GENESIS_HASH;
    if (e.prevHash !== link)
      return {
        seq: e.seq,
        problem: "removed",
        detail: `the event before ${named(e)} was removed or replaced; its link to ${prev ? `event ${prev.seq}` : "the start of the log"} is broken`,
      };
    return undefined;
  }

  /** After the last event: the head must name it, so that cutting off the newest events shows. */
  end(head: AuditHead): AuditBreak | undefined {
    const last = this.previous;
    const lastSeq = last?.seq ?? 0;
    if (lastSeq < head.seq)
      return {
        seq: lastSeq + 1,
        problem: "removed",
        detail: `${range(lastSeq + 1, head.seq)} removed; the log ends at ${last ? `event ${lastSeq}` : "its start"} but its head names event ${head.seq}`,
      };
    if ((last?.hash ?? GENESIS_HASH) !== head.hash)
      return {
        seq: lastSeq,
        problem: "changed",
        detail: `${last ? named(last) : "the empty log"} was changed; it is not the newest event the log's head names`,
      };
    return undefined;
  }

  /**
   * The seq an event's hash was computed for, when it is not its own: the event was moved (rows swapped,
   * seq edited, events renumbered). Nearest positions first; undefined when no position fits (then its
   * contents were changed).
   */
  private recordedPosition(e: StoredAuditEvent, rest: string): number | undefined {
    const bound = Math.max(this.headSeq, e.seq) + 1;
    for (let d = 1, tried = 0; (e.seq - d >= 1 || e.seq + d <= bound) && tried < MAX_POSITION_SEARCH; d++) {
      for (const seq of [e.seq - d, e.seq + d]) {
        if (seq < 1 || seq > bound) continue;
        tried++;
        if (hashAt(seq, rest) === e.hash) return seq;
      }
    }
    return undefined;
  }
}

/** The whole walk over events already in memory (tests, small logs). */
export function verifyAuditChain(events: Iterable<StoredAuditEvent>, head: AuditHead): { events: number; broken?: AuditBreak } {
  const walk = new AuditChainWalk(head.seq);
  for (const e of events) {
    const broken = walk.push(e);
    if (broken) return { events: walk.events, broken };
  }
  const broken = walk.end(head);
  return broken ? { events: walk.events, broken } : { events: walk.events };
}

export { canonicalJson };
