/**
 * Web admin login (issue 9): a user name and password against the stored argon2id hash. Every refusal —
 * unknown user, wrong password, disabled user, a user without a password — is the same sentence, so the
 * answer does not tell which names exist (OWASP Authentication Cheat Sheet, "Authentication and Error
 * Messages"). An unknown name still costs one hash verification, so the time taken does not tell either.
 *
 * Both outcomes go into the audit log (actor `web:NAME`, action `session.login`, the client address in the
 * detail); the password never does. The caller (the web surface) builds the context with the claimed name
 * as actor and no rights: nothing here needs any.
 */
import type { UseCaseContext } from "../access/context.js";
import { auditEvent } from "../access/guard.js";
import type { AccessPolicy } from "../access/permissions.js";
import { TscaError } from "../errors.js";
import type { PasswordHasher } from "../ports/password-hasher.js";
import type { UserRepository } from "../ports/user-repository.js";
import { NAME_PATTERN, accessOf } from "./users.js";

export interface PasswordAuthDeps {
  users: UserRepository;
  passwords: PasswordHasher;
}

/** The one refusal. */
export const LOGIN_REFUSED = "The user name or password is wrong, or the user is disabled.";

/**
 * A well-formed argon2id hash of a random password nobody knows: verified against when the user does not
 * exist (or has no password), so that case costs what a wrong password costs.
 */
const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$oHJDNzZtQGIGE29yASznug$CkGjBY60moiJIwRUXbfCQyoWUShIU6BVUljo4iIf4EE";

/** Passwords beyond this length are refused unhashed (password-policy.ts never accepts one this long). */
const MAX_PASSWORD_LENGTH = 1024;

export async function authenticatePassword(
  ctx: UseCaseContext,
  deps: PasswordAuthDeps,
  req: { name: string; password: string; address: string },
): Promise<{ user: string; access: AccessPolicy }> {
  const now = ctx.clock.now();
  const wellFormed = NAME_PATTERN.test(req.name) && req.password.length > 0 && req.password.length <= MAX_PASSWORD_LENGTH;
  const user = wellFormed ? await deps.users.get(req.name) : undefined;
  const hash = user?.passwordHash ?? DUMMY_HASH;
  const matches = wellFormed && (await deps.passwords.verify(hash, req.password)) && user?.passwordHash != null;
  let access: AccessPolicy | undefined;
  if (matches && user?.enabled) access = await accessOf(deps.users, user.name).catch(() => undefined);
  const object = `user:${wellFormed ? req.name : "?"}`;
  if (!access) {
    // Why it failed goes into the log for the administrator, never to the client.
    const why = !wellFormed
      ? "malformed"
      : !user
        ? "unknown user"
        : !user.passwordHash
          ? "no password"
          : !matches
            ? "wrong password"
            : "disabled";
    await ctx.audit
      .append(auditEvent(ctx, "session.login", object, { address: req.address, reason: why }, "failure"), now)
      .catch(() => undefined);
    throw new TscaError("ERR_UNAUTHENTICATED", LOGIN_REFUSED);
  }
  await ctx.audit.append(auditEvent(ctx, "session.login", object, { address: req.address }), now);
  return { user: user!.name, access };
}
