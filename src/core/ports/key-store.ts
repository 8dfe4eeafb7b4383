import type { EllipticCurve, KeyType } from "../x509/algorithms.js";
import type { Signer } from "./signer.js";

export interface KeySpec {
  keyType: KeyType;
  keySize?: number;
  curve?: EllipticCurve;
}

/**
 * A key written to the store (durably) but not yet final. The use case commits it only after the database
 * row exists, and aborts it when anything fails before, so that no key outlives a failed CA creation and
 * no row is left without its key. When the outcome is unknown — the insert failed in a way that may have
 * stored the row, or the commit itself failed — the key is left pending: `recover`, run by the next
 * process, commits it if the row exists and removes it if not (see core/ca/new-ca.ts).
 */
export interface PendingKey {
  readonly signer: Signer;
  /** Where the key is kept, as the backend names it (never the key itself). */
  readonly keyRef: string;
  /**
   * What the CA row records in key_options beside keyRef, so the key is opened later in the same place
   * (PKCS#11: the token's label and the key's label); undefined: the options the store was opened with.
   */
  readonly keyOptions?: Readonly<Record<string, unknown>>;
  readonly encrypted: boolean;
  /** Make the key final; throws ERR_IO and leaves the key pending when that fails. */
  commit(): Promise<void>;
  /** Remove the pending key (not after a successful commit). */
  abort(): Promise<void>;
}

export interface KeyStore {
  /** Name of the backend, shown by view_ca. */
  readonly backend: string;
  /** Describe where a key is kept, for operators (a path, a token label). */
  describe(keyRef: string): string;
  /** Generate a key for the CA with this serial; `password` encrypts it at rest. */
  generate(serial: string, spec: KeySpec, password?: string): Promise<PendingKey>;
  /** Import a key (PEM or DER, possibly encrypted with `importPassword`), re-encrypting with `password`. */
  import(serial: string, key: Buffer, importPassword: string | undefined, password: string | undefined): Promise<PendingKey>;
  /**
   * The key this store already holds for the public key `spki` (a key an operator made on a PKCS#11 token),
   * as a PendingKey whose commit and abort leave the key itself alone. Only stores that can hold keys they
   * did not make have it; ERR_KEY_NOT_FOUND when none matches.
   */
  findByCertificate?(spki: Buffer): Promise<PendingKey>;
  /** Open a committed key for signing. */
  load(keyRef: string, password: string | undefined): Promise<Signer>;
  /**
   * Finish or undo what a process that is gone (killed, or failed to commit) left pending: `rowExists`
   * tells whether a CA row has this serial. Keys of processes still running are left alone; a key that
   * cannot be handled now (read-only disk, database down) is left for a later call, never an error.
   */
  recover(rowExists: (serial: string) => Promise<boolean>): Promise<void>;
}
