/**
 * The revocation change feed: every change of what OCSP must say — a certificate or CA revoked, released
 * or deleted, an OCSP responder certificate replaced — is recorded by the database itself, in the same
 * transaction as the change, with a sequence number that grows by one in commit order. Responders on any
 * host poll it cheaply (one indexed range query that usually returns nothing) and drop exactly the cached
 * answers that changed.
 */
export type RevocationChangeScope = "cert" | "ca" | "responder";

export interface RevocationChange {
  seq: number;
  /** cert: `serial` issued by `caSerial` changed; ca: child CA `serial` of `caSerial`; responder: the responder of `caSerial`. */
  scope: RevocationChangeScope;
  caSerial: string | null;
  serial: string | null;
}

export interface RevocationChangeFeed {
  /** The sequence number of the newest change (0 when there was none). */
  latest(): Promise<number>;
  /** Changes with a sequence number above `seq`, oldest first, at most `limit`. */
  since(seq: number, limit: number): Promise<RevocationChange[]>;
  /** Forget changes recorded before `before`; returns how many. */
  prune(before: Date): Promise<number>;
}
