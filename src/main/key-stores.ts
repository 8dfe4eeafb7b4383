/**
 * The key-store registry both composition roots build: the backends this host can open CA keys with.
 * Files in CA_DIR ("file", the default) and PKCS#11 tokens ("pkcs11", docs/hsm.md), the latter with the
 * token and key label a CA row stores in key_options. PKCS#11 is always registered, so that a token CA
 * on a host without TSCA_PKCS11_LIBRARY gets ERR_PKCS11_LIBRARY naming the setting, not "unknown backend".
 */
import { FileKeyStore } from "../adapters/keys/file-key-store.js";
import { BackendKeyStoreRegistry } from "../adapters/keys/key-store-registry.js";
import { Pkcs11KeyStore, type Pkcs11Settings } from "../adapters/keys/pkcs11/pkcs11-key-store.js";
import { Pkcs11PinSource } from "../adapters/cli/pkcs11-pin.js";
import type { KeyStoreRegistry } from "../core/ports/key-store-registry.js";

export interface KeyStoreSettings {
  caDir: string;
  /** TSCA_PKCS11_LIBRARY, TSCA_PKCS11_PIN_FILE, TSCA_PKCS11_PIN. */
  pkcs11Library?: string | undefined;
  pkcs11PinFile?: string | undefined;
  pkcs11Pin?: string | undefined;
}

/**
 * `pin`: where a token's user PIN comes from; the CLI passes one that can ask on its terminal and take
 * `--pkcs11-pin-file`. By default (tsca serve --worker, benchmarks) only the configured PIN is used.
 */
export function keyStoreRegistry(settings: KeyStoreSettings, pin?: Pkcs11PinSource): KeyStoreRegistry {
  const files = new FileKeyStore(settings.caDir);
  const pkcs11: Pkcs11Settings = {
    library: settings.pkcs11Library,
    pin: pin ?? new Pkcs11PinSource({ pin: settings.pkcs11Pin, pinFile: settings.pkcs11PinFile }),
  };
  return new BackendKeyStoreRegistry(
    {
      // The file store keeps every key in CA_DIR: it has no per-CA options.
      file: () => files,
      // One store per token and key label; they share the module and the token's sessions (adapters/keys/pkcs11).
      pkcs11: (options) => new Pkcs11KeyStore(pkcs11, options),
    },
    "file",
  );
}

/** Finish or undo CA creations a killed or failed process left half-done, in every backend (see KeyStore.recover). */
export async function recoverKeyStores(keys: KeyStoreRegistry, rowExists: (serial: string) => Promise<boolean>): Promise<void> {
  for (const backend of keys.backends) await keys.get(backend).recover(rowExists);
}
