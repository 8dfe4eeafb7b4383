/**
 * PasswordHasher with argon2id (RFC 9106) through @node-rs/argon2, at the OWASP Password Storage Cheat
 * Sheet's first recommended setting: 19 MiB of memory, 2 passes, 1 lane. The library makes a fresh 16-byte
 * salt per hash and writes the PHC string, so verify() reads the parameters from the stored hash and hashes
 * made with other parameters keep working. The native module is loaded on first use, so commands that
 * never hash a password do not pay for loading it. Passwords are never logged or put into errors.
 */
import type { PasswordHasher } from "../../core/ports/password-hasher.js";

type Argon2 = typeof import("@node-rs/argon2");

/** Algorithm.Argon2id of @node-rs/argon2: its enum is a `const enum`, which isolated transpilers cannot inline. */
const ARGON2ID = 2;

export const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

let loaded: Promise<Argon2> | undefined;
const argon2 = (): Promise<Argon2> => (loaded ??= import("@node-rs/argon2"));

export class Argon2PasswordHasher implements PasswordHasher {
  async hash(password: string): Promise<string> {
    return (await argon2()).hash(password, ARGON2_OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    const { verify } = await argon2();
    try {
      return await verify(hash, password);
    } catch {
      // A hash that is not a PHC argon2 string (damaged, or another scheme) matches no password.
      return false;
    }
  }
}
