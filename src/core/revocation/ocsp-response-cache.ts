/**
 * The OCSP hot path's memory: per (CA, scope, serial) the recorded revocation status, and per CertID
 * encoding (which fixes the hash algorithm) the signed response for a request without nonce. A steady-state
 * request is one Map lookup: no signature, no database round trip.
 *
 * Correctness rests on invalidation, not on time: every change the change feed reports drops exactly the
 * entries it concerns, and `epoch` counts those drops so that a database read that started before a drop
 * cannot put its (possibly outdated) result back afterwards.
 *
 * Memory is bounded whatever clients send (issue 14): entries exist only for certificates the database
 * knows (the responder never stores an unknown serial), each holds at most `maxResponsesPerEntry`
 * responses (a CertID can be spelled several ways — four hash algorithms, NULL or absent parameters,
 * leading zero octets in the serial — and each spelling needs its own signed response, RFC 6960 §4.2.1),
 * and the whole cache holds at most `maxEntries` certificates and `maxBytes` bytes by the estimate below.
 * Nothing kept refers to a request buffer. Eviction is second-chance FIFO (CLOCK): the oldest entry goes
 * first unless it was asked for since it last came up, so certificates in use survive a sweep over
 * many others (a crawler walking every serial) at the cost of one boolean write per hit.
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
  /** What it says about the certificate (good or revoked: unknown serials are never kept), for /metrics. */
  certStatus: "good" | "revoked" | "unknown";
  refreshing: boolean;
  /** Re-sign in the background (read the status again, sign, replace this entry). */
  refresh: () => Promise<void>;
}

export interface StatusEntry {
  status: RecordedRevocation;
  /** Epoch milliseconds of the database read. */
  readAt: number;
  /** Signed responses by CertID encoding (`CertId.raw` as latin1), oldest first. */
  responses: Map<string, CachedResponse>;
  /** Estimated bytes of this entry and its responses (see ENTRY_OVERHEAD_BYTES). */
  bytes: number;
  /** Asked for since the last eviction sweep passed it (second chance). */
  used: boolean;
}

export interface OcspCacheLimits {
  /** Certificates kept. */
  maxEntries: number;
  /** Estimated bytes kept, statuses, responses and keys included. */
  maxBytes: number;
  /** Signed responses kept per certificate, one per CertID encoding. */
  maxResponsesPerEntry: number;
}

/**
 * Bytes beyond the key, the CertID and the response DER, measured on Node 20 (x64) as growth of the
 * process's resident memory with 100,000 entries (entry ~900, response ~1,100 beyond its DER and CertID)
 * and rounded up: an entry is the Map slot, the key string, the StatusEntry, its status and its responses
 * Map; a response the CachedResponse with its dates, HTTP strings and refresh closure, its Map slot, and
 * the Buffer object with a backing store of its own (the DER is copied out of Node's shared 8 KiB
 * allocation pool, so a kept response never pins a pool slab). About 3 KiB per certificate in all.
 */
export const ENTRY_OVERHEAD_BYTES = 1024;
export const RESPONSE_OVERHEAD_BYTES = 1280;

/** What one signed response costs by the estimate; `der` must be a buffer of its own (see ownCopy). */
export const responseBytes = (certIdKey: string, r: CachedResponse): number => RESPONSE_OVERHEAD_BYTES + certIdKey.length + r.der.length;

const entryBytes = (key: string): number => ENTRY_OVERHEAD_BYTES + key.length;

/**
 * A copy with a backing store of its own. Small Buffers (Buffer.from, Buffer.concat, slices) share Node's
 * 8 KiB pool or their parent's memory, and one long-lived reference would keep all of it alive.
 */
export function ownCopy(b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length);
  out.set(b);
  return out;
}

export const statusKey = (caSerial: string, scope: string, serial: string): string => `${caSerial}/${scope}/${serial}`;

export class OcspResponseCache {
  private readonly entries = new Map<string, StatusEntry>();
  private totalBytes = 0;
  /** Incremented by every invalidation. */
  epoch = 0;

  constructor(private readonly limits: OcspCacheLimits) {
    if (!(limits.maxEntries >= 1 && limits.maxBytes >= 1 && limits.maxResponsesPerEntry >= 1))
      throw new RangeError("OCSP cache limits must be positive");
  }

  /** Certificates kept. */
  get size(): number {
    return this.entries.size;
  }

  /** Estimated bytes kept; never above `maxBytes`. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** The entry for `key`, marked as used so that the next eviction sweep passes it over once. */
  get(key: string): StatusEntry | undefined {
    const e = this.entries.get(key);
    if (e) e.used = true;
    return e;
  }

  /** Store a status read from the database at `readAt`, unless an invalidation happened since `epochAtRead`. */
  putStatus(key: string, status: RecordedRevocation, readAt: number, epochAtRead: number): StatusEntry | undefined {
    if (this.epoch !== epochAtRead) return undefined;
    const existing = this.entries.get(key);
    if (existing) {
      existing.status = status;
      existing.readAt = readAt;
      this.totalBytes -= existing.bytes - entryBytes(key);
      existing.bytes = entryBytes(key);
      existing.responses.clear();
      return existing;
    }
    while (this.entries.size >= this.limits.maxEntries) this.evictOne();
    const entry: StatusEntry = { status, readAt, responses: new Map(), bytes: entryBytes(key), used: false };
    this.entries.set(key, entry);
    this.totalBytes += entry.bytes;
    this.fit();
    return this.entries.get(key) === entry ? entry : undefined;
  }

  /**
   * Attach a signed response to `entry`, unless the entry was invalidated or evicted meanwhile. The entry's
   * oldest response makes room when it already holds `maxResponsesPerEntry`.
   */
  putResponse(key: string, entry: StatusEntry, certIdKey: string, response: CachedResponse): void {
    if (this.entries.get(key) !== entry) return;
    const old = entry.responses.get(certIdKey);
    if (old) this.dropResponse(entry, certIdKey, old);
    while (entry.responses.size >= this.limits.maxResponsesPerEntry) {
      const [oldestKey, oldest] = entry.responses.entries().next().value!;
      this.dropResponse(entry, oldestKey, oldest);
    }
    const size = responseBytes(certIdKey, response);
    entry.responses.set(certIdKey, response);
    entry.bytes += size;
    this.totalBytes += size;
    this.fit();
  }

  invalidate(key: string): void {
    this.epoch++;
    this.remove(key);
  }

  /** Drop everything about one CA (its responder key changed). */
  invalidateIssuer(caSerial: string): void {
    this.epoch++;
    const prefix = `${caSerial}/`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.remove(key);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
    this.totalBytes = 0;
  }

  private dropResponse(entry: StatusEntry, certIdKey: string, r: CachedResponse): void {
    const size = responseBytes(certIdKey, r);
    entry.responses.delete(certIdKey);
    entry.bytes -= size;
    this.totalBytes -= size;
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.totalBytes -= e.bytes;
  }

  /** Evict until the byte bound holds (the entry just written may go too: the bound is strict). */
  private fit(): void {
    while (this.totalBytes > this.limits.maxBytes && this.entries.size > 0) this.evictOne();
  }

  /**
   * Evict the oldest entry not used since the sweep last passed it; used ones lose the mark and move to the
   * back. Terminates: after one full pass every mark is cleared.
   */
  private evictOne(): void {
    for (;;) {
      const first = this.entries.entries().next();
      if (first.done) return;
      const [key, e] = first.value;
      this.entries.delete(key);
      if (e.used) {
        e.used = false;
        this.entries.set(key, e);
        continue;
      }
      this.totalBytes -= e.bytes;
      return;
    }
  }
}
