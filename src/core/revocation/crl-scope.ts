/**
 * The scope of a CRL (RFC 5280 §5.2.5): which certificates it covers. tsca publishes per CA a full CRL
 * (every certificate the CA issued, no IDP), a user-scope CRL (end-entity certificates) and a CA-scope CRL
 * (its revoked child CAs). The full CRL is the one end-entity certificates point at by default: NSS
 * (Firefox, crlutil) refuses any CRL with a critical IDP, and a full CRL without IDP covers every
 * certificate of the CA (§6.3.3 (b)), so every relying party can use it. A scope may further be limited
 * to some revocation reasons. Each scope (kind and reasons together) has its own CRL number sequence,
 * shared by its complete and delta CRLs (§5.2.3).
 */
import { TscaError } from "../errors.js";
import { makeExtension, type Extension } from "../x509/extensions/extension.js";
import { issuingDistributionPoint } from "../x509/extensions/issuing-distribution-point.js";
import { REASONS, type RevocationReason } from "./reasons.js";

export type CrlScopeKind = "user" | "ca" | "all";

export interface CrlScope {
  kind: CrlScopeKind;
  /** Sorted by reason code and free of duplicates; empty = every reason. */
  onlySomeReasons: RevocationReason[];
}

/** ReasonFlags bit of each reason (RFC 5280 §4.2.1.13); `unspecified` has none and cannot scope a CRL. */
const REASON_FLAG: Partial<Record<RevocationReason, number>> = {
  key_compromise: 1,
  ca_compromise: 2,
  affiliation_changed: 3,
  superseded: 4,
  cessation_of_operation: 5,
  certificate_hold: 6,
  privilege_withdrawn: 7,
  aa_compromise: 8,
};

export const CRL_SCOPE_KINDS: CrlScopeKind[] = ["user", "ca", "all"];

export function crlScope(kind: CrlScopeKind, reasons: RevocationReason[] = []): CrlScope {
  for (const r of reasons)
    if (REASON_FLAG[r] === undefined)
      throw new TscaError(
        "ERR_INVALID_ARGUMENT",
        `${r}: A CRL cannot be limited to this reason (RFC 5280 §5.2.5 ReasonFlags has no bit for it).`,
      );
  const unique = [...new Set(reasons)].sort((a, b) => REASONS[a] - REASONS[b]);
  return { kind, onlySomeReasons: unique };
}

/** The reasons as stored in the database: comma-separated in code order, "" for every reason. */
export const reasonsKey = (scope: CrlScope): string => scope.onlySomeReasons.join(",");

export function reasonsFromKey(key: string): RevocationReason[] {
  return key === "" ? [] : (key.split(",") as RevocationReason[]);
}

/** Human name for messages: "user", "CA", "full", with reasons when limited. */
export function describeScope(scope: CrlScope): string {
  const kind = { user: "user", ca: "CA", all: "full" }[scope.kind];
  return scope.onlySomeReasons.length ? `${kind} (${scope.onlySomeReasons.join(", ")})` : kind;
}

/** Whether a revocation with this reason belongs on a CRL of this scope (null reason = unspecified). */
export function scopeCoversReason(scope: CrlScope, reason: RevocationReason | null): boolean {
  if (scope.onlySomeReasons.length === 0) return true;
  return reason !== null && scope.onlySomeReasons.includes(reason);
}

/** The full CRL of every reason: the one without IDP, whose deltas the Freshest CRL pointer names. */
export const isFullScope = (scope: CrlScope): boolean => scope.kind === "all" && scope.onlySomeReasons.length === 0;

/** The critical IDP for a scoped CRL, or undefined for a full CRL of every reason (no IDP, §5.2.5). */
export function scopeExtension(scope: CrlScope): Extension | undefined {
  if (isFullScope(scope)) return undefined;
  return makeExtension(issuingDistributionPoint, {
    // No distributionPoint name: the CRL then matches any CRL DP of the CA's certificates (RFC 5280
    // §6.3.3 (b)(2)(i)), so URLs can change without re-issuing CRLs.
    fullName: [],
    onlyContainsUserCerts: scope.kind === "user",
    onlyContainsCaCerts: scope.kind === "ca",
    ...(scope.onlySomeReasons.length ? { onlySomeReasons: scope.onlySomeReasons.map((r) => REASON_FLAG[r]!) } : {}),
    indirectCrl: false,
    onlyContainsAttributeCerts: false,
  });
}
