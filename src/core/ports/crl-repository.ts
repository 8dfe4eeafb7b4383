import type { CrlScope } from "../revocation/crl-scope.js";

/** One revoked certificate as CRLs and OCSP need it (RFC 5280 §5.1.2.6, RFC 6960 §4.2.1). */
export interface RevokedEntry {
  serial: string;
  revokedAt: Date;
  reason: string | null;
  compromisedAt: Date | null;
  notAfter: Date;
}

/** A CRL as stored for serving: the signed DER plus the columns needed to find and renew it. */
export interface StoredCrl {
  caSerial: string;
  scope: CrlScope;
  /** CRL number (RFC 5280 §5.2.3), strictly increasing per CA and scope, shared by complete and delta CRLs. */
  number: number;
  delta: boolean;
  /** BaseCRLNumber of a delta CRL (§5.2.4); null for a complete CRL. */
  baseNumber: number | null;
  thisUpdate: Date;
  nextUpdate: Date;
  der: Buffer;
  createdAt: Date;
}

/** What the builder callback returns once it has signed the CRL with the number it was given. */
export type CrlToStore = Omit<StoredCrl, "caSerial" | "scope" | "number" | "createdAt">;

/**
 * Persistence of generated CRLs. Numbers are allocated and the CRL stored in one transaction that holds
 * the (CA, scope) number lock while `build` signs, so two processes (CLI on the key host, a timer) never
 * publish the same number twice and numbers never go backwards.
 */
export interface CrlRepository {
  /**
   * Allocate the next number of `caSerial`/`scope`, call `build` with it and store its result. `build`
   * must not use any repository (the transaction holds the connection); if it throws, nothing is stored
   * and the number is not used.
   */
  store(caSerial: string, scope: CrlScope, now: Date, build: (number: number) => Promise<CrlToStore>): Promise<StoredCrl>;
  /** The newest CRL of a CA and scope (highest number), complete or delta as asked. */
  latest(caSerial: string, scope: CrlScope, kind: "complete" | "delta"): Promise<StoredCrl | undefined>;
  /** Every stored CRL of a CA, newest first, without DER (for listings and tests). */
  list(caSerial: string): Promise<Omit<StoredCrl, "der">[]>;
  /**
   * What a user-scope CRL is made of: the revoked end-entity certificates issued by `caSerial` that had
   * not expired at `notAfterSince`, ordered by serial, in batches of at most `batchSize`, so that a
   * million-entry CRL never holds every row at once.
   */
  revokedCertificates(caSerial: string, notAfterSince: Date, batchSize?: number): AsyncIterable<RevokedEntry[]>;
}
