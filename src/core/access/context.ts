/**
 * The context every use case runs in: who acts and what they may do, the clock, randomness, the audit
 * log and a request id that ties the audit events of one request (HTTP request, CLI invocation, queued
 * signing request) together. Surfaces build it once per request; use cases never read the process.
 */
import type { AuditLog } from "../ports/audit-log.js";
import type { Clock } from "../ports/clock.js";
import type { Random } from "../ports/random.js";
import type { Actor } from "./actor.js";
import type { AccessPolicy } from "./permissions.js";

export interface UseCaseContext {
  readonly actor: Actor;
  readonly access: AccessPolicy;
  readonly clock: Clock;
  readonly random: Random;
  /** Appends outside a unit of work (refusals, reads worth recording); inside one, use the transaction's log. */
  readonly audit: AuditLog;
  readonly requestId: string;
}
