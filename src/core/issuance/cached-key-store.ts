/**
 * A key store that opens each CA key once: the signing worker signs many batches with the same CA, and
 * opening a key may mean reading a file and running a password-based KDF (scrypt, PBKDF2) each time. A
 * failed open is not remembered, so a key that appears later (or a fixed password) is picked up.
 */
import { canonicalJson } from "../text/canonical-json.js";
import type { KeySpec, KeyStore, PendingKey } from "../ports/key-store.js";
import type { KeyOptions, KeyStoreRegistry } from "../ports/key-store-registry.js";
import type { Signer } from "../ports/signer.js";

export class CachedKeyStore implements KeyStore {
  private readonly opened = new Map<string, Promise<Signer>>();

  constructor(private readonly inner: KeyStore) {}

  get backend(): string {
    return this.inner.backend;
  }

  describe(keyRef: string): string {
    return this.inner.describe(keyRef);
  }

  generate(serial: string, spec: KeySpec, password?: string): Promise<PendingKey> {
    return this.inner.generate(serial, spec, password);
  }

  import(serial: string, key: Buffer, importPassword: string | undefined, password: string | undefined): Promise<PendingKey> {
    return this.inner.import(serial, key, importPassword, password);
  }

  load(keyRef: string, password: string | undefined): Promise<Signer> {
    const key = `${keyRef}\0${password ?? ""}\0${password === undefined ? 0 : 1}`;
    let signer = this.opened.get(key);
    if (!signer) {
      signer = this.inner.load(keyRef, password);
      this.opened.set(key, signer);
      signer.catch(() => this.opened.delete(key));
    }
    return signer;
  }

  recover(rowExists: (serial: string) => Promise<boolean>): Promise<void> {
    return this.inner.recover(rowExists);
  }
}

/** The same for every backend of a registry: one CachedKeyStore per backend and options. */
export class CachedKeyStoreRegistry implements KeyStoreRegistry {
  private readonly stores = new Map<string, CachedKeyStore>();

  constructor(private readonly inner: KeyStoreRegistry) {}

  get backends(): readonly string[] {
    return this.inner.backends;
  }

  get defaultBackend(): string {
    return this.inner.defaultBackend;
  }

  get(backend: string, options?: KeyOptions): KeyStore {
    const key = `${backend}\0${canonicalJson(options ?? {})}`;
    let store = this.stores.get(key);
    if (!store) {
      store = new CachedKeyStore(this.inner.get(backend, options));
      this.stores.set(key, store);
    }
    return store;
  }
}
