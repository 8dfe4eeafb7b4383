/**
 * Why a CA cannot sign, as data: the first CA on its chain (itself, then its ancestors up to the root)
 * that is disabled, revoked, expired or not yet valid. A CA under a revoked intermediate still has a valid
 * certificate of its own, but no relying party accepts what it signs (RFC 5280 §6.1.3 (a)(3): every
 * certificate on the path must be unrevoked), so list_cas and view_ca name the ancestor.
 */
import { caStatus, type CaStatus, type CertificateAuthority } from "./certificate-authority.js";
import { ancestry } from "./hierarchy.js";

export interface CaBlocker {
  /** The CA itself or the ancestor that blocks it. */
  ca: CertificateAuthority;
  self: boolean;
  why: "disabled" | Exclude<CaStatus, "valid">;
}

export function caBlocker(
  ca: CertificateAuthority,
  bySerial: (serial: string) => CertificateAuthority | undefined,
  now: Date,
): CaBlocker | undefined {
  for (const c of ancestry(ca, bySerial)) {
    const status = caStatus(c, now);
    // Revocation first: it is final, while a disabled CA can be enabled again.
    if (status !== "valid") return { ca: c, self: c === ca, why: status };
    if (!c.enabled) return { ca: c, self: c === ca, why: "disabled" };
  }
  return undefined;
}

/** The nearest revoked CA above `ca` (not `ca` itself), if any. */
export function revokedAncestor(
  ca: CertificateAuthority,
  bySerial: (serial: string) => CertificateAuthority | undefined,
): CertificateAuthority | undefined {
  return ancestry(ca, bySerial)
    .slice(1)
    .find((c) => c.revokedAt !== null);
}
