/**
 * The one status word the admin shows for a CA, most serious first: its own revocation, a revoked CA above
 * it (it cannot sign: RFC 5280 §6 path validation fails), expiry, not yet valid, disabled, else valid.
 */
import { caStatus, type CertificateAuthority } from "../../../core/ca/certificate-authority.js";

export type CaTreeStatus = "revoked" | "revoked ancestor" | "expired" | "not yet valid" | "disabled" | "valid";

export function caTreeStatus(ca: CertificateAuthority, revokedAncestor: CertificateAuthority | undefined, now: Date): CaTreeStatus {
  const own = caStatus(ca, now);
  if (own === "revoked") return "revoked";
  if (revokedAncestor) return "revoked ancestor";
  if (own !== "valid") return own;
  return ca.enabled ? "valid" : "disabled";
}
