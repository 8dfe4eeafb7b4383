/**
 * The OCSP hot path's memory: per (CA, scope, serial) the recorded revocation status, and per CertID
 * encoding (which fixes the hash algorithm) the signed response for a request without nonce. A steady-state
 * request is one Map lookup: no signature, no database round trip.
 *
 * Correctness rests on invalidation, not on time: every change the change feed reports drops exactly the
 * entries it concerns, and `epoch` counts those drops so that a database read that started before a drop
 * cannot put its (possibly outdated) result back afterwards. Size is bounded; the oldest entries go first.
 */
import type { RecordedRevocation } from "../ports/ocsp-status-repository.js";
import type { OcspSigningKey } from "./ocsp-response.js";

export interface CachedResponse {
  der: Buffer;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Epoch milliseconds from which the response is still served but re-signed in the background. */
  refreshAt: number;
  /** Epoch milliseconds after which it is never served (a margin before nextUpdate). */
  expiresAt: number;
  /** Strong validator for HTTP caches (RFC 5019 §6.2). */
  etag: string;
  /** thisUpdate and nextUpdate as HTTP dates (Last-Modified, Expires), formatted once. */
  lastModified: string;
  expires: string;
  /** The key that signed it: a replaced responder key makes the response a miss. */
  signedBy: OcspSigningKey;
  refreshing: boolean;
  /** Re-sign in the background (read the status again, sign, replace this entry). */
  refresh: () => Promise<void>;
}

export interface StatusEntry {
  status: RecordedRevocation;
  /** Epoch milliseconds of the database read. */
  readAt: number;
  /** Signed responses by CertID encoding (`CertId.raw` as latin1). */
  responses: Map<string, CachedResponse>;
}

export const statusKey = (caSerial: string, scope: string, serial: string): string => `${caSerial}/${scope}/${serial}`;

export class OcspResponseCache {
  private readonly entries = new Map<string, StatusEntry>();
  /** Incremented by every invalidation. */
  epoch = 0;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): StatusEntry | undefined {
    return this.entries.get(key);
  }

  /** Store a status read from the database at `readAt`, unless an invalidation happened since `epochAtRead`. */
  putStatus(key: string, status: RecordedRevocation, readAt: number, epochAtRead: number): StatusEntry | undefined {
    if (this.epoch !== epochAtRead) return undefined;
    const existing = this.entries.get(key);
    if (existing) {
      existing.status = status;
      existing.readAt = readAt;
      existing.responses.clear();
      return existing;
    }
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    const entry: StatusEntry = { status, readAt, responses: new Map() };
    this.entries.set(key, entry);
    return entry;
  }

  /** Attach a signed response to `entry`, unless the entry was invalidated meanwhile. */
  putResponse(key: string, entry: StatusEntry, certIdKey: string, response: CachedResponse): void {
    if (this.entries.get(key) === entry) entry.responses.set(certIdKey, response);
  }

  invalidate(key: string): void {
    this.epoch++;
    this.entries.delete(key);
  }

  /** Drop everything about one CA (its responder key changed). */
  invalidateIssuer(caSerial: string): void {
    this.epoch++;
    const prefix = `${caSerial}/`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
  }
}
