/**
 * Cryptoki return values (PKCS#11 v2.40 §5.1) as tsca errors: one sentence naming the token and what was
 * being done, the binding's error kept as the cause. A PIN never appears here: pkcs11js messages are
 * the CKR_ name only, and callers pass no PIN in.
 */
import { TscaError } from "../../../core/errors.js";
import type { Pkcs11Binding } from "./pkcs11-module.js";

/** The CKR_ value of a pkcs11js error, undefined for anything else. */
export function ckrOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return e instanceof Error && typeof code === "number" ? code : undefined;
}

/** Return values that mean the token or its session is gone or broken, not that the request was wrong. */
export function isDeviceFailure(c: Pkcs11Binding, e: unknown): boolean {
  const rv = ckrOf(e);
  return (
    rv === c.CKR_DEVICE_REMOVED ||
    rv === c.CKR_TOKEN_NOT_PRESENT ||
    rv === c.CKR_DEVICE_ERROR ||
    rv === c.CKR_SESSION_HANDLE_INVALID ||
    rv === c.CKR_SESSION_CLOSED ||
    rv === c.CKR_TOKEN_NOT_RECOGNIZED ||
    rv === c.CKR_DEVICE_MEMORY ||
    rv === c.CKR_GENERAL_ERROR
  );
}

/** `e` as a TscaError: already one is kept, a Cryptoki failure becomes ERR_PKCS11_DEVICE. */
export function tokenError(e: unknown, token: string, doing: string): TscaError {
  if (e instanceof TscaError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new TscaError("ERR_PKCS11_DEVICE", `PKCS#11 token "${token}" failed while ${doing} (${why}).`, { cause: e });
}
