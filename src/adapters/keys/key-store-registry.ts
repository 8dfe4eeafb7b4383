/**
 * The key-store registry: backends by the name a CA row stores in key_backend ("file" today, "pkcs11"
 * next), each made by a factory from the row's key_options. The composition root registers the backends
 * this host has; a CA whose backend is not among them is refused with ERR_KEY_BACKEND, never looked for
 * in another store. Stores are made once per backend and options, so a backend may keep state (a PKCS#11
 * session, a cache) across CAs.
 */
import { TscaError } from "../../core/errors.js";
import type { KeyStore } from "../../core/ports/key-store.js";
import { canonicalJson } from "../../core/text/canonical-json.js";
import type { KeyOptions, KeyStoreRegistry } from "../../core/ports/key-store-registry.js";

export type KeyStoreFactory = (options: KeyOptions) => KeyStore;

export class BackendKeyStoreRegistry implements KeyStoreRegistry {
  readonly backends: readonly string[];
  private readonly made = new Map<string, KeyStore>();

  /** `factories` by backend name; the first is the default unless `defaultBackend` names another. */
  constructor(
    private readonly factories: Readonly<Record<string, KeyStoreFactory>>,
    readonly defaultBackend: string = Object.keys(factories)[0] ?? "",
  ) {
    if (!(defaultBackend in factories)) throw new TscaError("ERR_KEY_BACKEND", `${defaultBackend || "(none)"}: Unknown key backend.`);
    this.backends = [defaultBackend, ...Object.keys(factories).filter((b) => b !== defaultBackend)];
  }

  get(backend: string, options: KeyOptions = {}): KeyStore {
    const factory = Object.hasOwn(this.factories, backend) ? this.factories[backend] : undefined;
    if (!factory)
      throw new TscaError("ERR_KEY_BACKEND", `${backend}: Unknown key backend (this installation has ${this.backends.join(", ")}).`);
    const id = `${backend}\0${canonicalJson(options)}`;
    let store = this.made.get(id);
    if (!store) {
      store = factory(options);
      this.made.set(id, store);
    }
    return store;
  }
}
