/**
 * The OCSP responder, bytes in and bytes out (RFC 6960, profiled by RFC 5019 for high volume):
 *
 * - A request with one CertID and no nonce — what browsers and RFC 5019 clients send — is answered from
 *   memory with a response signed earlier (no signature, no database round trip). It is signed on the
 *   first request and re-signed in the background once `refreshFraction` of its validity has passed.
 * - A request with a nonce (RFC 8954) or several CertIDs is signed live, with statuses from memory when
 *   known, so it costs one signature and never slows the cached path down with database work.
 * - Statuses in memory are dropped the moment the revocation change feed reports a change (`sync`), and
 *   memory is not trusted at all when the feed has not been read for `staleAfterMs`: a revocation recorded
 *   in the database is visible after at most one poll interval, and never later than `staleAfterMs`.
 *
 * Status per CertID: good, revoked (time, reason, invalidityDate) or unknown — unknown for a serial the CA
 * never issued and for a CertID of another issuer (§2.2). A request that names no certificate of this CA
 * at all, or a CA tsca does not know, gets unauthorized (§2.3).
 */
import { createHash } from "node:crypto";
import { sanitizeSerial } from "../issuance/serial.js";
import type { Clock } from "../ports/clock.js";
import type { OcspScope, OcspStatusRepository, RecordedRevocation } from "../ports/ocsp-status-repository.js";
import type { RevocationChange, RevocationChangeFeed } from "../ports/revocation-change-feed.js";
import { REASONS, type RevocationReason } from "./reasons.js";
import type { CertId } from "./ocsp-cert-id.js";
import type { OcspIssuer, OcspIssuers } from "./ocsp-issuers.js";
import { MAX_OCSP_REQUEST_BYTES, parseOcspRequest, type OcspRequest } from "./ocsp-request.js";
import { OcspResponseCache, statusKey, type CachedResponse, type StatusEntry } from "./ocsp-response-cache.js";
import {
  encodeSingleResponse,
  OCSP_ERROR_RESPONSES,
  signOcspResponse,
  type OcspErrorStatus,
  type OcspResponseStatus,
  type SingleStatus,
} from "./ocsp-response.js";

export interface OcspAnswer {
  der: Buffer;
  status: OcspResponseStatus;
  /** How it was made: from memory, signed for this request, or an unsigned error status. */
  source: "cache" | "signed" | "error";
  /** For HTTP caching of cacheable answers (one CertID, no nonce; RFC 5019 §6.2). */
  http?: { thisUpdate: Date; nextUpdate: Date; etag: string; maxAge: number; lastModified: string; expires: string };
  /** Why an error status was returned; for the server log only, never sent. */
  detail?: string;
}

export interface OcspResponderOptions {
  /** Re-sign a cached response once this fraction of its validity has passed (RFC 5019 §6.2 pre-production). */
  refreshFraction: number;
  /** Trust memory only while the change feed was read successfully within this many milliseconds. */
  staleAfterMs: number;
  /** Re-read a status from the database after this long even without a reported change (defence in depth). */
  statusMaxAgeMs: number;
  cacheSize: number;
  /** Changes fetched per query while catching up. */
  changeBatch: number;
}

export const DEFAULT_RESPONDER_OPTIONS: OcspResponderOptions = {
  refreshFraction: 0.5,
  staleAfterMs: 5_000,
  statusMaxAgeMs: 3_600_000,
  cacheSize: 100_000,
  changeBatch: 1_000,
};

const error = (status: OcspErrorStatus, detail: string): OcspAnswer => ({
  der: OCSP_ERROR_RESPONSES[status],
  status,
  source: "error",
  detail,
});

function singleStatus(r: RecordedRevocation | undefined): SingleStatus {
  if (!r) return { kind: "unknown" };
  if (!r.revokedAt) return { kind: "good" };
  const code = r.reason ? REASONS[r.reason as RevocationReason] : undefined;
  return { kind: "revoked", revokedAt: r.revokedAt, reason: code === 0 ? undefined : code, invalidityDate: r.compromisedAt ?? undefined };
}

const wholeSeconds = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000);

/** What a cacheable request (one CertID, no nonce) resolved to, kept by its exact bytes. */
interface ParsedCacheable {
  caSerial: string;
  key: string;
  certIdKey: string;
}

export class OcspResponder {
  readonly cache: OcspResponseCache;
  /**
   * Cacheable requests by their exact bytes: a client asks with the same bytes again and again (RFC 5019
   * §2.1.1 exists to make GET requests cacheable), so the steady state skips parsing and CertID matching.
   * What bytes mean never changes, so entries need no invalidation; the size is bounded like the cache.
   */
  private readonly parsed = new Map<string, ParsedCacheable>();
  private cursor: number | undefined;
  /** Epoch milliseconds at which the last successful read of the change feed started. */
  private syncedAt = -Infinity;
  private readonly inflight = new Map<string, Promise<OcspAnswer>>();

  constructor(
    private readonly deps: { clock: Clock; statuses: OcspStatusRepository; changes: RevocationChangeFeed; issuers: OcspIssuers },
    private readonly opts: OcspResponderOptions = DEFAULT_RESPONDER_OPTIONS,
  ) {
    this.cache = new OcspResponseCache(opts.cacheSize);
  }

  /** Milliseconds since the last successful read of the change feed began (Infinity before the first). */
  syncAge(now = this.deps.clock.now().getTime()): number {
    return now - this.syncedAt;
  }

  /** Whether the change feed was read recently enough for memory to be trusted. */
  fresh(now = this.deps.clock.now().getTime()): boolean {
    return now - this.syncedAt <= this.opts.staleAfterMs;
  }

  /** Read the change feed and drop what changed. Call every poll interval; errors propagate (memory then goes stale). */
  async sync(): Promise<number> {
    const started = this.deps.clock.now().getTime();
    if (this.cursor === undefined) {
      this.cursor = await this.deps.changes.latest();
      this.cache.clear();
      this.syncedAt = started;
      return 0;
    }
    let applied = 0;
    for (;;) {
      const batch = await this.deps.changes.since(this.cursor, this.opts.changeBatch);
      if (batch.length === 0) break;
      // Sequence numbers have no gaps; a gap means changes were pruned before we saw them.
      if (batch[0]!.seq !== this.cursor + 1) {
        this.cache.clear();
        this.deps.issuers.forgetAll();
      }
      for (const c of batch) this.apply(c);
      this.cursor = batch[batch.length - 1]!.seq;
      applied += batch.length;
      if (batch.length < this.opts.changeBatch) break;
    }
    this.syncedAt = started;
    return applied;
  }

  private apply(c: RevocationChange): void {
    if (c.scope === "responder") {
      if (c.caSerial) {
        this.deps.issuers.forget(c.caSerial);
        this.cache.invalidateIssuer(c.caSerial);
      }
    } else if (c.caSerial && c.serial) this.cache.invalidate(statusKey(c.caSerial, c.scope, c.serial));
    else this.cache.clear();
  }

  /**
   * The answer from memory for a request seen before, found by its exact encoding (`requestKey`: the DER as
   * latin1, or for GET the base64 text) without decoding or parsing it; undefined when it must take the
   * full path. Synchronous, so the hot path costs no promise either.
   */
  cached(caHex: string, scope: OcspScope, requestKey: string): OcspAnswer | undefined {
    const memo = this.parsed.get(`${scope}/${caHex}/${requestKey}`);
    if (!memo) return undefined;
    const now = this.deps.clock.now().getTime();
    if (!this.fresh(now)) return undefined;
    const key = this.deps.issuers.peek(memo.caSerial, now)?.key;
    const hit = key ? this.cache.get(memo.key)?.responses.get(memo.certIdKey) : undefined;
    return hit && now < hit.expiresAt && hit.signedBy === key ? this.fromCache(hit, now) : undefined;
  }

  /** Answer a DER request; `requestKey` (see `cached`) defaults to the DER itself. */
  async respond(caHex: string, scope: OcspScope, body: Buffer, requestKey?: string): Promise<OcspAnswer> {
    // Only request-sized bodies are worth a key; anything larger is refused by the parser anyway.
    const key = requestKey ?? (body.length <= MAX_OCSP_REQUEST_BYTES ? body.toString("latin1") : undefined);
    const hit = key !== undefined ? this.cached(caHex, scope, key) : undefined;
    if (hit) return hit;
    return this.respondSlow(caHex, scope, body, key !== undefined ? `${scope}/${caHex}/${key}` : "", this.deps.clock.now().getTime());
  }

  private fromCache(hit: CachedResponse, now: number): OcspAnswer {
    if (now >= hit.refreshAt && !hit.refreshing) {
      hit.refreshing = true;
      void hit.refresh().catch(() => (hit.refreshing = false));
    }
    return { der: hit.der, status: "successful", source: "cache", http: httpValidity(hit, now) };
  }

  private async respondSlow(caHex: string, scope: OcspScope, body: Buffer, memoKey: string, now: number): Promise<OcspAnswer> {
    let req: OcspRequest;
    try {
      req = parseOcspRequest(body);
    } catch (e) {
      return error("malformedRequest", (e as Error).message);
    }
    const caSerial = sanitizeSerial(caHex);
    if (!caSerial) return error("unauthorized", `${caHex}: not a CA serial`);
    let issuer: OcspIssuer | undefined;
    try {
      issuer = this.deps.issuers.peek(caSerial, now) ?? (await this.deps.issuers.load(caSerial));
    } catch (e) {
      return error("tryLater", `cannot load CA ${caSerial}: ${(e as Error).message}`);
    }
    if (!issuer) return error("unauthorized", `no CA with serial ${caSerial}`);
    if (!issuer.key) return error("internalError", issuer.problem ?? "no OCSP responder key");
    const matches = req.certIds.map((id) => issuer.identity.matches(id));
    if (!matches.some(Boolean)) return error("unauthorized", `the request names no certificate issued by CA ${caSerial}`);

    if (req.certIds.length === 1 && !req.nonceExtension) {
      const id = req.certIds[0]!;
      const key = statusKey(caSerial, scope, id.serial);
      const certIdKey = id.raw.toString("latin1");
      if (matches[0] && memoKey) {
        if (this.parsed.size >= this.opts.cacheSize) this.parsed.delete(this.parsed.keys().next().value!);
        this.parsed.set(memoKey, { caSerial, key, certIdKey });
      }
      if (this.fresh(now)) {
        const hit = this.cache.get(key)?.responses.get(certIdKey);
        if (hit && now < hit.expiresAt && hit.signedBy === issuer.key) return this.fromCache(hit, now);
      }
      // Concurrent misses for the same certificate share one lookup and one signature.
      const flight = `${key}/${certIdKey}`;
      let p = this.inflight.get(flight);
      if (!p) {
        p = this.signOne(issuer, scope, id, key, certIdKey, false).finally(() => this.inflight.delete(flight));
        this.inflight.set(flight, p);
      }
      return p;
    }
    return this.signLive(issuer, scope, req, matches);
  }

  /** Statuses for `serials`, from memory when trusted and young enough, else from the database (stored back). */
  private async statuses(
    caSerial: string,
    scope: OcspScope,
    serials: string[],
    forceRead: boolean,
  ): Promise<Map<string, { status: RecordedRevocation; entry: StatusEntry | undefined }>> {
    const now = this.deps.clock.now().getTime();
    const fresh = this.fresh(now);
    const out = new Map<string, { status: RecordedRevocation; entry: StatusEntry | undefined }>();
    const missing: string[] = [];
    for (const serial of new Set(serials)) {
      const entry = fresh && !forceRead ? this.cache.get(statusKey(caSerial, scope, serial)) : undefined;
      if (entry && now - entry.readAt < this.opts.statusMaxAgeMs) out.set(serial, { status: entry.status, entry });
      else missing.push(serial);
    }
    if (missing.length) {
      const epoch = this.cache.epoch;
      const found = await this.deps.statuses.statuses(scope, caSerial, missing);
      for (const [serial, status] of found) {
        // Only certificates that exist are kept: unknown serials could be anything and would flood memory.
        const entry = fresh ? this.cache.putStatus(statusKey(caSerial, scope, serial), status, now, epoch) : undefined;
        out.set(serial, { status, entry });
      }
    }
    return out;
  }

  private validity(issuer: OcspIssuer, nowMs: number): { thisUpdate: Date; nextUpdate: Date } {
    const thisUpdate = wholeSeconds(nowMs);
    const next = thisUpdate.getTime() + issuer.responseValidity * 1000;
    // A response never claims to be good for longer than the certificate of the key that signed it.
    return { thisUpdate, nextUpdate: wholeSeconds(Math.min(next, issuer.key!.notAfter.getTime())) };
  }

  private async signOne(
    issuer: OcspIssuer,
    scope: OcspScope,
    id: CertId,
    key: string,
    certIdKey: string,
    refresh: boolean,
  ): Promise<OcspAnswer> {
    const signingKey = issuer.key!;
    let statuses;
    try {
      statuses = await this.statuses(issuer.ca.serial, scope, [id.serial], refresh);
    } catch (e) {
      return error("tryLater", `status lookup failed: ${(e as Error).message}`);
    }
    const found = statuses.get(id.serial);
    const now = this.deps.clock.now().getTime();
    const { thisUpdate, nextUpdate } = this.validity(issuer, now);
    const single = encodeSingleResponse(id.raw, singleStatus(found?.status), thisUpdate, nextUpdate);
    const der = await signOcspResponse(signingKey, thisUpdate, [single]);
    const span = nextUpdate.getTime() - thisUpdate.getTime();
    const cached: CachedResponse = {
      der,
      thisUpdate,
      nextUpdate,
      refreshAt: thisUpdate.getTime() + span * this.opts.refreshFraction,
      expiresAt: nextUpdate.getTime() - Math.min(60_000, span * 0.1),
      etag: `"${createHash("sha1").update(der).digest("base64url")}"`,
      lastModified: thisUpdate.toUTCString(),
      expires: nextUpdate.toUTCString(),
      signedBy: signingKey,
      refreshing: false,
      refresh: () => this.signOne(issuer, scope, id, key, certIdKey, true).then(() => undefined),
    };
    if (found?.entry) this.cache.putResponse(key, found.entry, certIdKey, cached);
    // "unknown" is not kept (see statuses) and not offered to HTTP caches either.
    return { der, status: "successful", source: "signed", ...(found ? { http: httpValidity(cached, now) } : {}) };
  }

  private async signLive(issuer: OcspIssuer, scope: OcspScope, req: OcspRequest, matches: boolean[]): Promise<OcspAnswer> {
    const mine = req.certIds.filter((_, i) => matches[i]).map((id) => id.serial);
    let statuses;
    try {
      statuses = await this.statuses(issuer.ca.serial, scope, mine, false);
    } catch (e) {
      return error("tryLater", `status lookup failed: ${(e as Error).message}`);
    }
    const now = this.deps.clock.now().getTime();
    const { thisUpdate, nextUpdate } = this.validity(issuer, now);
    const singles = req.certIds.map((id, i) =>
      encodeSingleResponse(
        id.raw,
        matches[i] ? singleStatus(statuses.get(id.serial)?.status) : { kind: "unknown" },
        thisUpdate,
        nextUpdate,
      ),
    );
    const der = await signOcspResponse(issuer.key!, thisUpdate, singles, req.nonceExtension);
    return { der, status: "successful", source: "signed" };
  }
}

function httpValidity(r: CachedResponse, now: number): OcspAnswer["http"] {
  // max-age ends when the response would be re-signed, so HTTP caches never keep it past its refresh.
  return {
    thisUpdate: r.thisUpdate,
    nextUpdate: r.nextUpdate,
    etag: r.etag,
    lastModified: r.lastModified,
    expires: r.expires,
    maxAge: Math.max(0, Math.floor((r.refreshAt - now) / 1000)),
  };
}
