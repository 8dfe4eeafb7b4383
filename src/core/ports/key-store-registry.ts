import type { KeyStore } from "./key-store.js";

/** Per-backend options of a CA's key as stored in its row (PKCS#11: module, token label, key id); files need none. */
export type KeyOptions = Readonly<Record<string, unknown>>;

/**
 * The key backends this process knows, by the name stored in a CA's row (`key_backend`: "file",
 * "pkcs11"). A CA's key is always opened through the store its row names, with the options its row
 * holds, so a CA made on one backend is never looked for in another. An unknown name is ERR_KEY_BACKEND.
 */
export interface KeyStoreRegistry {
  /** The backend names this registry can open, the default first. */
  readonly backends: readonly string[];
  /** The backend new CA keys are made in (init_ca, import_ca). */
  readonly defaultBackend: string;
  get(backend: string, options?: KeyOptions): KeyStore;
}
