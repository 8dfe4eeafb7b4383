/**
 * `tsca audit`: read the audit log (filtered) or verify its hash chain (core/audit/audit-chain.ts). The log
 * names every actor and object of the installation, so only a superuser reads it (the CLI on the key host);
 * a grant on some CAs does not show what happened to the others.
 */
import { actorLabel } from "../access/actor.js";
import type { UseCaseContext } from "../access/context.js";
import { TscaError } from "../errors.js";
import type { AuditAnchor, AuditBreak, AuditEvent, AuditFilter, AuditReader } from "../ports/audit-log.js";

function requireSuperuser(ctx: UseCaseContext): void {
  if (ctx.access.superuser) return;
  throw new TscaError("ERR_FORBIDDEN", `${actorLabel(ctx.actor)} cannot read the audit log: only a superuser can.`, {
    fields: { actor: actorLabel(ctx.actor), action: "audit.read" },
  });
}

/** Matching events, oldest first; with a limit, the newest ones. */
export async function listAudit(ctx: UseCaseContext, log: AuditReader, filter: AuditFilter): Promise<AuditEvent[]> {
  requireSuperuser(ctx);
  return log.list(filter);
}

/** The whole chain walked: how many events, and the first break if any. */
export async function verifyAudit(
  ctx: UseCaseContext,
  log: AuditReader,
  anchor?: AuditAnchor,
): Promise<{ events: number; head: AuditAnchor; broken?: AuditBreak }> {
  requireSuperuser(ctx);
  return log.verify(anchor);
}

/** `SEQ:HASH` (what `tsca audit --head` prints) as an anchor. */
export function parseAuditAnchor(input: string): AuditAnchor {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(input.trim());
  if (!m || Number(m[1]) < 1)
    throw new TscaError(
      "ERR_INVALID_ARGUMENT",
      `${input}: An anchor is SEQ:HASH as tsca audit --head prints it (an event number, a colon, 64 hex digits).`,
    );
  return { seq: Number(m[1]), hash: m[2]! };
}

/** The one sentence for a broken chain: the break's seq and problem travel as fields. */
export function auditBrokenError(broken: AuditBreak): TscaError {
  return new TscaError("ERR_AUDIT_BROKEN", `The audit log is broken: ${broken.detail}.`, {
    fields: { seq: broken.seq, problem: broken.problem },
  });
}
