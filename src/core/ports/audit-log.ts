/**
 * The tamper-evident audit log. Every action that changes a CA, a certificate, a user or a grant appends
 * one event, in the same transaction as the change (see UnitOfWork). Events form a hash chain: each one's
 * hash covers its own fields and the previous event's hash, so editing, deleting or reordering a stored
 * event breaks the chain from that event on, and `verify` names the first broken one.
 */
export type AuditOutcome = "success" | "failure";

export interface AuditEventInput {
  /** `web:alice`, `cli:root`, `system:worker` (core/access/actor.ts actorLabel). */
  actor: string;
  /** Dotted verb: `ca.create`, `ca.edit`, `cert.issue`, `cert.revoke`, `user.create`, `grant.add`, … */
  action: string;
  /** What was acted on: `ca:<serial>`, `cert:<serial>`, `user:<name>`, `request:<id>`. */
  object: string;
  outcome: AuditOutcome;
  requestId: string;
  /** Small structured detail (reason, changed fields, error code); never a secret. */
  detail?: Record<string, unknown>;
}

export interface AuditEvent extends AuditEventInput {
  /** Position in the chain, 1, 2, 3, … without gaps. */
  seq: number;
  time: Date;
  prevHash: string;
  hash: string;
}

export interface TimedAuditEvent {
  event: AuditEventInput;
  time: Date;
}

export interface AuditLog {
  /** Append an event at `time`; inside a unit of work it commits or rolls back with the change. */
  append(event: AuditEventInput, time: Date): Promise<void>;
  /** Append several events in order, as one step of the chain's head (a batch, a group of units of work). */
  appendMany(entries: readonly TimedAuditEvent[]): Promise<void>;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  /** Prefix match on the object (`ca:ABCD`). */
  object?: string;
  since?: Date;
  until?: Date;
  limit?: number;
}

/**
 * An event's seq and hash, kept outside the database (a log line, a ticket, another host): the chain alone
 * cannot show that its newest events were cut off together with the head row, an anchor can.
 */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

export type AuditBreak = { seq: number; problem: "changed" | "removed" | "reordered"; detail: string };

export interface AuditReader {
  list(filter: AuditFilter): Promise<AuditEvent[]>;
  /** Walk the whole chain; undefined when it is intact, else the first event that breaks it. */
  verify(anchor?: AuditAnchor): Promise<{ events: number; head: AuditAnchor; broken?: AuditBreak }>;
}
