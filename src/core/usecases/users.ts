/**
 * Users and their grants: who may act through the web admin and the API, and on which CAs. Only the key
 * host's command line creates users and changes grants (like CAs: the web host can be compromised without
 * handing out rights). Every change is in the audit log, in the same transaction. The CLI commands and
 * password handling (argon2id) come with the web admin; these are the use cases they call.
 */
import type { UseCaseContext } from "../access/context.js";
import { auditEvent, guardKeyHost } from "../access/guard.js";
import { FULL_ACCESS, grantsOf, type AccessPolicy, type Grant } from "../access/permissions.js";
import { TscaError } from "../errors.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { User, UserRepository } from "../ports/user-repository.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import { findCa } from "../ca/find-ca.js";

export interface UserDeps {
  users: UserRepository;
  cas: CaRepository;
  uow: UnitOfWork;
}

/** Letters, digits and `._-`, starting with a letter or digit: safe in logs, URLs and audit objects. */
export function assertUserName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name))
    throw new TscaError(
      "ERR_INVALID_ARGUMENT",
      `${JSON.stringify(name)}: A user name has 1 to 64 letters, digits, dots, dashes or underscores, and starts with a letter or digit.`,
    );
}

export async function createUser(
  ctx: UseCaseContext,
  deps: UserDeps,
  req: { name: string; superuser?: boolean; passwordHash?: string },
): Promise<User> {
  await guardKeyHost(ctx, "user.create", `user:${req.name}`);
  assertUserName(req.name);
  const now = ctx.clock.now();
  const user: User = {
    name: req.name,
    passwordHash: req.passwordHash ?? null,
    superuser: Boolean(req.superuser),
    enabled: true,
    createdAt: now,
    updatedAt: now,
  };
  await deps.uow.run(async (tx) => {
    await tx.users.insert(user);
    await tx.audit.append(auditEvent(ctx, "user.create", `user:${user.name}`, { superuser: user.superuser }), now);
  });
  return user;
}

/** `cas` are CA names or serial prefixes; none: the grant is for every CA. */
async function grantsFor(deps: UserDeps, permissions: Grant["permission"][], cas: string[]): Promise<Grant[]> {
  const serials = cas.length ? await Promise.all(cas.map(async (c) => (await findCa(deps.cas, c)).serial)) : [null];
  return permissions.flatMap((permission) => serials.map((caSerial) => ({ permission, caSerial })));
}

const describeGrants = (grants: Grant[]): string[] => grants.map((g) => `${g.permission}@${g.caSerial ?? "*"}`);

type GrantChange = { user: string; permissions: Grant["permission"][]; cas: string[] };

/** grant and ungrant: the same checks, one write, one event; `apply` returns the event's extra detail. */
async function changeGrants(
  ctx: UseCaseContext,
  deps: UserDeps,
  req: GrantChange,
  action: "grant.add" | "grant.remove",
  apply: (users: UserRepository, grants: Grant[], now: Date) => Promise<Record<string, unknown>>,
): Promise<Grant[]> {
  await guardKeyHost(ctx, action, `user:${req.user}`);
  const grants = await grantsFor(deps, req.permissions, req.cas);
  const now = ctx.clock.now();
  await deps.uow.run(async (tx) => {
    const detail = await apply(tx.users, grants, now);
    await tx.audit.append(auditEvent(ctx, action, `user:${req.user}`, { grants: describeGrants(grants), ...detail }), now);
  });
  return deps.users.grants(req.user);
}

export function grant(ctx: UseCaseContext, deps: UserDeps, req: GrantChange): Promise<Grant[]> {
  return changeGrants(ctx, deps, req, "grant.add", async (users, grants, now) => {
    await users.addGrants(req.user, grants, now);
    return {};
  });
}

export function ungrant(ctx: UseCaseContext, deps: UserDeps, req: GrantChange): Promise<Grant[]> {
  return changeGrants(ctx, deps, req, "grant.remove", async (users, grants) => ({ removed: await users.removeGrants(req.user, grants) }));
}

/**
 * What a signed-in user may do, read when a web request or API token is authenticated: a superuser holds
 * every permission on every CA (but is still no key host); a disabled or unknown user nothing at all.
 */
export async function accessOf(users: UserRepository, name: string): Promise<AccessPolicy> {
  const user = await users.get(name);
  if (!user || !user.enabled) throw new TscaError("ERR_UNAUTHENTICATED", "The user does not exist or is disabled.");
  return user.superuser ? FULL_ACCESS : grantsOf(await users.grants(name));
}
