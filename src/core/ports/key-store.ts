import type { EllipticCurve, KeyType } from "../x509/algorithms.js";
import type { Signer } from "./signer.js";

export interface KeySpec {
  keyType: KeyType;
  keySize?: number;
  curve?: EllipticCurve;
}

/**
 * A key written to the store but not yet final. The use case commits it only after the database row
 * exists, and aborts it when anything fails before, so that no key outlives a failed CA creation and
 * no row is left without its key (the store finishes a commit interrupted by a crash, see `recover`).
 */
export interface PendingKey {
  readonly signer: Signer;
  /** Where the key is kept, as the backend names it (never the key itself). */
  readonly keyRef: string;
  readonly encrypted: boolean;
  commit(): Promise<void>;
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
  /** Open a committed key for signing. */
  load(keyRef: string, password: string | undefined): Promise<Signer>;
  /** Finish or undo what a crashed process left: `rowExists` tells whether a CA row has this serial. */
  recover(rowExists: (serial: string) => Promise<boolean>): Promise<void>;
}
