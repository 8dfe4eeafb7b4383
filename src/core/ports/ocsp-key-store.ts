import type { KeySpec } from "./key-store.js";
import type { Signer } from "./signer.js";

/**
 * Private keys of delegated OCSP responders. They are kept apart from CA keys (outside CA_DIR), because
 * the web host that answers OCSP must read them and must never hold a CA key. Each key file is encrypted
 * with its own random secret, which the store returns for the database row.
 */
export interface OcspKeyStore {
  /** Generate a key for `name` (a CA serial), write it encrypted, return it with the secret that decrypts the file. */
  generate(name: string, spec: KeySpec): Promise<{ signer: Signer; keyRef: string; secret: string }>;
  load(keyRef: string, secret: string): Promise<Signer>;
  remove(keyRef: string): Promise<void>;
  /** Remove the keys generated under `name` (see generate) except those in `keep`; returns how many. */
  prune(name: string, keep: string[]): Promise<number>;
  /** Where a key is kept, for operators. */
  describe(keyRef: string): string;
}
