/**
 * How a CA page names a stored CRL in its download links: /admin/cas/{serial}/crl/{slug}.{der|pem}, the slug
 * being the scope's kind (`all`, `user`, `ca`), then the reasons it is limited to (comma-separated, as
 * dump_crl takes them), then `delta` for a delta CRL (RFC 5280 §5.2.4), joined by "-" (reason names use
 * "_", never "-"): `all`, `all-delta`, `user-key_compromise,ca_compromise`.
 */
import { isTscaError } from "../../../core/errors.js";
import { CRL_SCOPE_KINDS, crlScope, type CrlScope, type CrlScopeKind } from "../../../core/revocation/crl-scope.js";
import { REASONS, type RevocationReason } from "../../../core/revocation/reasons.js";

export interface CrlRef {
  scope: CrlScope;
  delta: boolean;
}

export function crlSlug({ scope, delta }: CrlRef): string {
  return [scope.kind, ...(scope.onlySomeReasons.length ? [scope.onlySomeReasons.join(",")] : []), ...(delta ? ["delta"] : [])].join("-");
}

/** The CRL a slug names, or undefined for anything that is not one (the route answers 404). */
export function parseCrlSlug(slug: string): CrlRef | undefined {
  const parts = slug.split("-");
  const delta = parts.at(-1) === "delta";
  if (delta) parts.pop();
  const [kind, reasons, ...rest] = parts;
  if (rest.length || !CRL_SCOPE_KINDS.includes(kind as CrlScopeKind)) return undefined;
  const names = reasons === undefined ? [] : reasons.split(",");
  if (!names.every((r): r is RevocationReason => Object.hasOwn(REASONS, r))) return undefined;
  try {
    const scope = crlScope(kind as CrlScopeKind, names);
    // One spelling per CRL: reasons in code order without repeats, as crlSlug writes them.
    return crlSlug({ scope, delta }) === slug ? { scope, delta } : undefined;
  } catch (e) {
    if (isTscaError(e)) return undefined;
    throw e;
  }
}
