/**
 * What a web admin password must be (issue 9), checked by the CLI before it hashes one. The rules follow
 * NIST SP 800-63B §5.1.1.2 rather than composition rules: a minimum length (12 here, above the 8 it asks
 * for, since these accounts can issue and revoke certificates), a maximum that still allows passphrases but
 * bounds the work of hashing, and a check against values that are easy to guess in context (the user's own
 * name, one character repeated). Messages say which rule failed and never contain the password.
 */
import { TscaError } from "../errors.js";

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

const weak = (rule: string): TscaError => new TscaError("ERR_WEAK_PASSWORD", `The password is refused: ${rule}.`);

/** Throws ERR_WEAK_PASSWORD naming the first rule `password` breaks for the user `userName`. */
export function checkPassword(password: string, userName: string): void {
  // Characters, not UTF-16 units or bytes: a passphrase in any script counts what the user typed.
  const chars = [...password];
  if (chars.length < MIN_PASSWORD_LENGTH) throw weak(`it must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (chars.length > MAX_PASSWORD_LENGTH) throw weak(`it must have at most ${MAX_PASSWORD_LENGTH} characters`);
  if (userName !== "" && password.toLowerCase().includes(userName.toLowerCase())) throw weak("it must not contain the user name");
  if (chars.every((c) => c === chars[0])) throw weak("it must not be one character repeated");
}
