/**
 * The checks a use case makes before it acts, and the audit event it records. A refused change is
 * recorded too (outcome failure), outside any transaction, so that an attempt without the grant leaves a
 * trace even though nothing changed.
 */
import { TscaError, isTscaError } from "../errors.js";
import type { AuditEventInput } from "../ports/audit-log.js";
import { actorLabel } from "./actor.js";
import type { UseCaseContext } from "./context.js";
import { authorize, type Permission } from "./permissions.js";

/** The event a use case appends for `action` on `object` (`ca:<serial>`, `cert:<serial>`, `user:<name>`). */
export function auditEvent(
  ctx: UseCaseContext,
  action: string,
  object: string,
  detail?: Record<string, unknown>,
  outcome: AuditEventInput["outcome"] = "success",
): AuditEventInput {
  return { actor: actorLabel(ctx.actor), action, object, outcome, requestId: ctx.requestId, ...(detail ? { detail } : {}) };
}

/**
 * authorize() for a change: a refusal is appended to the audit log (outcome failure, the error code in
 * the detail) before it is thrown. A log that cannot be written does not hide the refusal.
 */
export async function guardChange(
  ctx: UseCaseContext,
  permission: Permission,
  ca: { serial: string; name?: string },
  action: string,
  object: string,
): Promise<void> {
  try {
    authorize(ctx, permission, ca.serial, ca.name);
  } catch (e) {
    if (isTscaError(e)) await recordRefusal(ctx, action, object, { error: e.code, permission });
    throw e;
  }
}

/**
 * Operations that need a CA's private key or create a CA (init_ca, import_ca, generate_crls,
 * generate_ocsp_keys, revoke_ca) run only on the key host: the CLI or the system's own timers and
 * workers there, with full rights. No web user, token or ACME account reaches them, whatever its grants
 * (DESIGN.md "Who signs, where": the web process never holds a CA key).
 */
export async function guardKeyHost(ctx: UseCaseContext, action: string, object: string): Promise<void> {
  if ((ctx.actor.kind === "cli" || ctx.actor.kind === "system") && ctx.access.superuser) return;
  const e = new TscaError(
    "ERR_FORBIDDEN",
    `${actorLabel(ctx.actor)} cannot ${action.replace(".", " ")}: only the command line on the key host can.`,
    {
      fields: { actor: actorLabel(ctx.actor), action },
    },
  );
  await recordRefusal(ctx, action, object, { error: e.code });
  throw e;
}

/** A refused attempt, on record outside any transaction; a log that cannot be written does not hide the refusal. */
function recordRefusal(ctx: UseCaseContext, action: string, object: string, detail: Record<string, unknown>): Promise<void> {
  return ctx.audit.append(auditEvent(ctx, action, object, detail, "failure"), ctx.clock.now()).catch(() => undefined);
}
