/**
 * The new password of create_user and set_password: read (file, terminal twice, or standard input), checked
 * against the password policy, and hashed with argon2id. Only the hash leaves this function; the password
 * is never printed, logged or put into an error.
 */
import { checkPassword } from "../../../core/access/password-policy.js";
import type { PasswordHasher } from "../../../core/ports/password-hasher.js";
import type { CliIo } from "../context.js";
import { newAccountPassword } from "../prompt.js";

export async function hashedNewPassword(user: string, file: string | undefined, io: CliIo, passwords: PasswordHasher): Promise<string> {
  const password = await newAccountPassword(file, `New password for ${user}: `, io);
  checkPassword(password, user);
  return passwords.hash(password);
}
