/**
 * The key-store registry both composition roots build: the backends this host can open CA keys with.
 * Files in CA_DIR today ("file"); PKCS#11 registers here next, with the options a CA row stores.
 */
import { FileKeyStore } from "../adapters/keys/file-key-store.js";
import { BackendKeyStoreRegistry } from "../adapters/keys/key-store-registry.js";
import type { KeyStoreRegistry } from "../core/ports/key-store-registry.js";

export function keyStoreRegistry(settings: { caDir: string }): KeyStoreRegistry {
  const files = new FileKeyStore(settings.caDir);
  // The file store keeps every key in CA_DIR: it has no per-CA options.
  return new BackendKeyStoreRegistry({ file: () => files }, "file");
}

/** Finish or undo CA creations a killed or failed process left half-done, in every backend (see KeyStore.recover). */
export async function recoverKeyStores(keys: KeyStoreRegistry, rowExists: (serial: string) => Promise<boolean>): Promise<void> {
  for (const backend of keys.backends) await keys.get(backend).recover(rowExists);
}
