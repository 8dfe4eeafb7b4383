/**
 * Who acts. Every use case runs on behalf of an actor; the audit log records it and the access policy
 * decides what it may do. The kinds are the surfaces: the CLI on the key host, a web user, an API token,
 * an ACME account, and the system's own timers and workers.
 */
export type ActorKind = "cli" | "web" | "api" | "acme" | "system";

export interface Actor {
  readonly kind: ActorKind;
  /** Stable identifier within the kind: the OS user for the CLI, the user name, the token name, the account URL, the timer. */
  readonly id: string;
}

/** How an actor is written in the audit log and in messages: `web:alice`, `cli:root`, `system:worker`. */
export const actorLabel = (a: Actor): string => `${a.kind}:${a.id}`;

export const systemActor = (id: string): Actor => ({ kind: "system", id });
