/**
 * Loading a PKCS#11 module: pkcs11js is loaded lazily (an optional dependency that needs a compiler,
 * so nothing that does not use a token pays for it), and each module path is loaded and initialised
 * once per process, shared by every store and token. C_Initialize gets CKF_OS_LOCKING_OK because
 * pkcs11js runs its asynchronous calls on libuv worker threads: without the flag the module may assume
 * one thread (PKCS#11 v2.40 §5.4) and SoftHSM crashes under concurrent signing. The module is never
 * finalised: the process exit releases it.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type * as Pkcs11js from "pkcs11js";
import { TscaError } from "../../../core/errors.js";

export type Pkcs11Binding = typeof Pkcs11js;
export type Pkcs11 = Pkcs11js.PKCS11;
/** An attribute template (CK_ATTRIBUTE array) as pkcs11js takes it. */
export type Template = Parameters<Pkcs11["C_CreateObject"]>[1];

/** A loaded, initialised module and the binding's constants. */
export interface Pkcs11Module {
  readonly library: string;
  readonly p11: Pkcs11;
  readonly c: Pkcs11Binding;
}

let binding: Pkcs11Binding | undefined;

/** The pkcs11js binding, loaded on first use; ERR_PKCS11_LIBRARY when it is not installed or not built. */
export function pkcs11Binding(): Pkcs11Binding {
  if (!binding) {
    try {
      binding = createRequire(import.meta.url)("pkcs11js") as Pkcs11Binding;
    } catch (e) {
      throw new TscaError("ERR_PKCS11_LIBRARY", "pkcs11js is not installed (npm install pkcs11js; it needs python3, make and g++).", {
        cause: e,
      });
    }
  }
  return binding;
}

const modules = new Map<string, Pkcs11Module>();

/**
 * The module at `library`, loaded and initialised once per process. `library` undefined: no module is
 * configured, which is ERR_PKCS11_LIBRARY naming the setting.
 */
export function openModule(library: string | undefined): Pkcs11Module {
  if (library === undefined || library === "")
    throw new TscaError("ERR_PKCS11_LIBRARY", "No PKCS#11 module is configured: set TSCA_PKCS11_LIBRARY to the module's path.");
  const known = modules.get(library);
  if (known) return known;
  if (!existsSync(library)) throw new TscaError("ERR_PKCS11_LIBRARY", `${library}: PKCS#11 module not found (TSCA_PKCS11_LIBRARY).`);
  const c = pkcs11Binding();
  const p11 = new c.PKCS11();
  try {
    p11.load(library);
  } catch (e) {
    throw new TscaError("ERR_PKCS11_LIBRARY", `${library}: cannot load the PKCS#11 module (${(e as Error).message}).`, { cause: e });
  }
  try {
    p11.C_Initialize({ flags: c.CKF_OS_LOCKING_OK });
  } catch (e) {
    // Another loader in this process (a second path to the same file) already initialised it: usable.
    if ((e as { code?: number }).code !== c.CKR_CRYPTOKI_ALREADY_INITIALIZED)
      throw new TscaError("ERR_PKCS11_LIBRARY", `${library}: the PKCS#11 module failed to initialise (${(e as Error).message}).`, {
        cause: e,
      });
  }
  const m = { library, p11, c };
  modules.set(library, m);
  return m;
}
