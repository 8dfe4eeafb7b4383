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
  /**
   * Position of the revocation change feed (migration 0004) read after the entries were read: every
   * revocation this CRL lists had committed by then. Null for CRLs stored before migration 0006.
   */
  revocationSeq: number | null;
  /**
   * Position read before the entries were read: every revocation committed by then is listed, a later one
   * may or may not be. generate_crls renews on changes past it. Null for CRLs stored before migration 0008.
   */
  revocationSeqFrom: number | null;
}

/** What the builder callback returns once it has signed the CRL with the number it was given. */
export type CrlToStore = Omit<StoredCrl, "caSerial" | "scope" | "number" | "createdAt" | "revocationSeq" | "revocationSeqFrom"> & {
  revocationSeq?: number | null;
  revocationSeqFrom?: number | null;
};

/** The newest stored CRL of a CA and scope (complete or delta), as the number transaction sees it. */
export type CrlStamp = Pick<StoredCrl, "number" | "delta" | "baseNumber" | "thisUpdate" | "revocationSeq">;

/**
 * Persistence of generated CRLs. Numbers are allocated and the CRL stored in one transaction that holds
 * the (CA, scope) number lock while `build` signs, so two processes (CLI on the key host, a timer) never
 * publish the same number twice and numbers never go backwards.
 */
export interface CrlRepository {
  /**
   * Allocate the next number of `caSerial`/`scope`, call `build` with it and with the newest CRL already
   * stored in that scope (read under the number lock, so no other CRL of the scope can be stored until
   * this transaction ends), and store its result. `build` must not use any repository (the transaction
   * holds the connection); if it throws, nothing is stored, the number is not used and the error is
   * rethrown as it was.
   */
  store(
    caSerial: string,
    scope: CrlScope,
    now: Date,
    build: (number: number, newest: CrlStamp | undefined) => Promise<CrlToStore>,
  ): Promise<StoredCrl>;
  /** The newest CRL of a CA and scope (highest number), complete or delta as asked. */
  latest(caSerial: string, scope: CrlScope, kind: "complete" | "delta"): Promise<StoredCrl | undefined>;
  /**
   * A number that grows whenever any CRL is stored (the sum of the CRL number counters, which the storing
   * transaction bumps): a web host polls it to drop the CRLs it holds in memory as soon as a newer exists.
   */
  changeMark(): Promise<number>;
  /** Every stored CRL of a CA, grouped by scope, highest number first, without DER (for listings and tests). */
  list(caSerial: string): Promise<Omit<StoredCrl, "der">[]>;
  /**
   * What a user-scope CRL is made of: the revoked end-entity certificates issued by `caSerial` that had
   * not expired at `notAfterSince`, ordered by serial, in batches of at most `batchSize`, so that a
   * million-entry CRL never holds every row at once.
   */
  revokedCertificates(caSerial: string, notAfterSince: Date, batchSize?: number): AsyncIterable<RevokedEntry[]>;
}
