/**
 * What the OCSP responder reads about certificates: whether a serial was issued by a CA and whether it is
 * revoked (RFC 6960 §2.2). Scope "cert" covers the end-entity certificates a CA issued, scope "ca" the CAs
 * it signed (their status is published by the parent, like a CA-scope CRL).
 */
export type OcspScope = "cert" | "ca";

export interface RecordedRevocation {
  revokedAt: Date | null;
  /** Reason name as stored (`key_compromise`); null = unspecified. */
  reason: string | null;
  /** Key compromise time, the CRL entry's invalidityDate (RFC 5280 §5.3.2). */
  compromisedAt: Date | null;
}

export interface OcspStatusRepository {
  /** The serials among `serials` that `issuerSerial` issued in `scope`, with their revocation; absent = never issued. */
  statuses(scope: OcspScope, issuerSerial: string, serials: string[]): Promise<Map<string, RecordedRevocation>>;
}
