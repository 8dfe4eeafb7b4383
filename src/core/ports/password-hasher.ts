/**
 * Password hashing for web admin users (issue 9): a slow, salted, memory-hard hash (argon2id) in PHC
 * string form, so the parameters travel with each hash and can be raised later without breaking old ones.
 */
export interface PasswordHasher {
  /** A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a fresh random salt. */
  hash(password: string): Promise<string>;
  /** True when `password` is the one `hash` was made from; false for a wrong password or a malformed hash. */
  verify(hash: string, password: string): Promise<boolean>;
}
