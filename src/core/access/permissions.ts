/**
 * Permissions and grants. Four permissions, each granted for every CA (global) or for one CA:
 *   view    see a CA and its certificates;
 *   sign    issue certificates (sign_cert, resign_cert, signing requests);
 *   revoke  revoke and release certificates;
 *   edit    change how a CA signs (URLs, enabled, lint rule sets, …), never its key.
 * The CLI on the key host holds every right ("superuser"); other actors get what the database grants.
 * Checked in the use case, never only in a surface (DESIGN.md "One application layer").
 */
import { TscaError } from "../errors.js";
import { actorLabel, type Actor } from "./actor.js";

export const PERMISSIONS = ["view", "sign", "revoke", "edit"] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const isPermission = (s: string): s is Permission => (PERMISSIONS as readonly string[]).includes(s);

export interface Grant {
  readonly permission: Permission;
  /** The CA's serial, or null: every CA. */
  readonly caSerial: string | null;
}

/** What an actor may do: everything, or exactly its grants. */
export type AccessPolicy = { readonly superuser: true } | { readonly superuser: false; readonly grants: readonly Grant[] };

export const FULL_ACCESS: AccessPolicy = { superuser: true };

export function grantsOf(grants: readonly Grant[]): AccessPolicy {
  return { superuser: false, grants };
}

export function allows(policy: AccessPolicy, permission: Permission, caSerial: string | null): boolean {
  if (policy.superuser) return true;
  return policy.grants.some((g) => g.permission === permission && (g.caSerial === null || g.caSerial === caSerial));
}

/**
 * Refuse unless the policy allows `permission` on the CA (or, with caSerial null, on every CA).
 * The message names the actor, the permission and the CA, never more (no hint at what exists).
 */
export function authorize(
  subject: { actor: Actor; access: AccessPolicy },
  permission: Permission,
  caSerial: string | null,
  caName?: string,
): void {
  if (allows(subject.access, permission, caSerial)) return;
  const on = caSerial === null ? "every CA" : `CA ${caName ?? caSerial}`;
  throw new TscaError("ERR_FORBIDDEN", `${actorLabel(subject.actor)} has no ${permission} permission on ${on}.`, {
    fields: { actor: actorLabel(subject.actor), permission, ca: caSerial ?? "*" },
  });
}

/** The CA serials an actor may see with `permission`; undefined: all of them. */
export function visibleCas(policy: AccessPolicy, permission: Permission = "view"): Set<string> | undefined {
  if (policy.superuser || policy.grants.some((g) => g.permission === permission && g.caSerial === null)) return undefined;
  return new Set(policy.grants.filter((g) => g.permission === permission).map((g) => g.caSerial!));
}
