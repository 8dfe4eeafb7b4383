/**
 * Users and their grants: who may act through the web admin and the API, and on which CAs. Only the key
 * host's command line creates users and changes grants (like CAs: the web host can be compromised without
 * handing out rights). Every change is in the audit log, in the same transaction. The CLI commands
 * (adapters/cli/commands/*-user*.ts, grant.ts) check the password policy and hash with argon2id before
 * they call these: no use case sees a password.
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
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function assertUserName(name: string): void {
  if (!NAME_PATTERN.test(name))
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

const userNotFound = (name: string): TscaError => new TscaError("ERR_USER_NOT_FOUND", `${name}: No such user.`, { fields: { user: name } });

/** The user `name` inside a unit of work, or ERR_USER_NOT_FOUND. */
export async function existingUser(users: UserRepository, name: string): Promise<User> {
  const user = await users.get(name);
  if (!user) throw userNotFound(name);
  return user;
}

/**
 * Change a user: one update and its event in one transaction. `detail` goes into the event; the new
 * password hash never does (a hash in the log could be attacked offline).
 */
async function updateUser(
  ctx: UseCaseContext,
  deps: Pick<UserDeps, "users" | "uow">,
  name: string,
  action: string,
  patch: Parameters<UserRepository["update"]>[1],
  detail?: Record<string, unknown>,
): Promise<User> {
  await guardKeyHost(ctx, action, `user:${name}`);
  const now = ctx.clock.now();
  return deps.uow.run(async (tx) => {
    await tx.users.update(name, patch, now);
    await tx.audit.append(auditEvent(ctx, action, `user:${name}`, detail), now);
    return existingUser(tx.users, name);
  });
}

/**
 * Set (or, with null, remove) a user's password. The caller checks the password policy and hashes
 * (core/access/password-policy.ts, the PasswordHasher port): a use case never sees the password itself.
 */
export async function setPassword(
  ctx: UseCaseContext,
  deps: Pick<UserDeps, "users" | "uow">,
  req: { name: string; passwordHash: string | null },
): Promise<void> {
  await updateUser(ctx, deps, req.name, "user.password", { passwordHash: req.passwordHash }, { password: req.passwordHash !== null });
}

/**
 * Disable a user: from the next request on it can neither log in nor use any of its API tokens
 * (accessOf and authenticateToken read `enabled` on every request). The user and its grants stay, for
 * the audit log's sake.
 */
export function disableUser(ctx: UseCaseContext, deps: Pick<UserDeps, "users" | "uow">, req: { name: string }): Promise<User> {
  return updateUser(ctx, deps, req.name, "user.disable", { enabled: false });
}

/** A user as listings show it: never the password hash, only whether there is one. */
export interface ListedUser extends Omit<User, "passwordHash"> {
  hasPassword: boolean;
  grants: Grant[];
}

export async function listUsers(ctx: UseCaseContext, deps: Pick<UserDeps, "users">): Promise<ListedUser[]> {
  await guardKeyHost(ctx, "user.list", "user:*");
  const users = await deps.users.list();
  return Promise.all(
    users.map(async ({ passwordHash, ...user }) => ({
      ...user,
      hasPassword: passwordHash !== null,
      grants: await deps.users.grants(user.name),
    })),
  );
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
