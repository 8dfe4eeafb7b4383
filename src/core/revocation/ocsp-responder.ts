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
 * When the database fails or does not answer within `deadlineMs`, a response signed earlier for the same
 * CertID is served while it is still valid (it is a signed statement good until its nextUpdate, which
 * clients and HTTP caches rely on anyway, RFC 5019 §6.2); without one the answer is tryLater (RFC 6960
 * §2.3). After a failed status lookup, memory is used without asking the database again until the change
 * feed is read successfully, so an outage neither delays nor multiplies requests.
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
import type { OcspIssuer, OcspIssuers } from "./ocsp-issuers.js";
import { plainCertId } from "./ocsp-plain-request.js";
import { MAX_OCSP_REQUEST_BYTES, parseOcspRequest, type OcspRequest } from "./ocsp-request.js";
import { OcspResponseCache, ownCopy, statusKey, type CachedResponse, type StatusEntry } from "./ocsp-response-cache.js";
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
  /** The certificate status of a one-CertID answer (for /metrics); undefined for errors and several CertIDs. */
  certStatus?: SingleStatus["kind"];
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
  /** Certificates kept in memory. */
  cacheSize: number;
  /** Estimated bytes kept in memory (see OcspResponseCache); the bound that hostile traffic meets first. */
  cacheBytes: number;
  /** Signed responses kept per certificate, one per CertID encoding (hash algorithm, serial spelling). */
  responsesPerCertificate: number;
  /** Changes fetched per query while catching up. */
  changeBatch: number;
  /** The longest an answer waits for the database in all (0: no limit); then tryLater (RFC 6960 §2.3). */
  deadlineMs: number;
}

export const DEFAULT_RESPONDER_OPTIONS: OcspResponderOptions = {
  refreshFraction: 0.5,
  staleAfterMs: 5_000,
  statusMaxAgeMs: 3_600_000,
  cacheSize: 100_000,
  cacheBytes: 64 * 1024 * 1024,
  // SHA-1 and SHA-256 CertIDs, each with and without NULL parameters: what real clients send.
  responsesPerCertificate: 4,
  changeBatch: 1_000,
  deadlineMs: 5_000,
};

/** What `within` returns for work that missed its deadline. */
const LATE = Symbol("late");

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

export class OcspResponder {
  readonly cache: OcspResponseCache;
  private cursor: number | undefined;
  /** Epoch milliseconds at which the last successful read of the change feed started. */
  private syncedAt = -Infinity;
  private readonly inflight = new Map<string, Promise<OcspAnswer>>();
  /** The CA of the last cached() call, whose serial spelling (any case, colons) is normalised once. */
  private lastCaHex = "";
  private lastCaSerial: string | undefined;
  /** Set when a status lookup failed; cleared by the next successful read of the change feed. */
  private databaseDown = false;

  constructor(
    private readonly deps: { clock: Clock; statuses: OcspStatusRepository; changes: RevocationChangeFeed; issuers: OcspIssuers },
    private readonly opts: OcspResponderOptions = DEFAULT_RESPONDER_OPTIONS,
  ) {
    this.cache = new OcspResponseCache({
      maxEntries: opts.cacheSize,
      maxBytes: opts.cacheBytes,
      maxResponsesPerEntry: opts.responsesPerCertificate,
    });
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
    this.databaseDown = false;
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
   * The answer from memory for a cacheable request (one CertID, no nonce) whose response is kept; undefined
   * when it must take the full path (`respond`). Synchronous, so the hot path costs no promise either.
   *
   * Found by what the request asks — CA, scope, serial, CertID encoding — never by the request's bytes:
   * padding (an unknown non-critical extension, an oversized nonce that RFC 8954 §2.1 says to ignore) makes
   * any number of distinct requests for one certificate, and keying by bytes let them fill memory (issue 14).
   * No CertID match is needed here: a response is kept under the exact CertID encoding it was signed for,
   * which matched this CA's name and key hashes then (RFC 6960 §4.1.1).
   */
  cached(caHex: string, scope: OcspScope, der: Buffer): OcspAnswer | undefined {
    // Plain requests only (see plainCertId); padded, nonce and multi-CertID ones take the full path, which
    // parses them once and still finds a kept response for a padded one.
    const id = der.length <= MAX_OCSP_REQUEST_BYTES ? plainCertId(der) : undefined;
    if (!id) return undefined;
    const now = this.deps.clock.now().getTime();
    if (!this.usable(now)) return undefined;
    if (caHex !== this.lastCaHex) {
      this.lastCaHex = caHex;
      this.lastCaSerial = sanitizeSerial(caHex);
    }
    const caSerial = this.lastCaSerial;
    const key = caSerial ? this.deps.issuers.peek(caSerial, now)?.key : undefined;
    if (!key) return undefined;
    const hit = this.cache.get(statusKey(caSerial!, scope, id.serial))?.responses.get(id.certIdKey);
    return hit && now < hit.expiresAt && hit.signedBy === key ? this.fromCache(hit, now) : undefined;
  }

  /** Answer a DER request, from memory when possible (the full path looks there too, after parsing once). */
  respond(caHex: string, scope: OcspScope, body: Buffer): Promise<OcspAnswer> {
    return this.respondSlow(caHex, scope, body, this.deps.clock.now().getTime());
  }

  /** Whether signed responses in memory may be served: the feed is fresh, or the database is down. */
  private usable(now: number): boolean {
    return this.fresh(now) || this.databaseDown;
  }

  /** `work`, or LATE when it has not settled by `deadline` (epoch ms); the work itself goes on. */
  private async within<T>(deadline: number, work: Promise<T>): Promise<T | typeof LATE> {
    if (!this.opts.deadlineMs) return work;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<typeof LATE>((resolve) => {
      timer = setTimeout(() => resolve(LATE), Math.max(0, deadline - this.deps.clock.now().getTime()));
    });
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private late(): OcspAnswer {
    return error("tryLater", `the database did not answer within ${this.opts.deadlineMs} ms`);
  }

  private fromCache(hit: CachedResponse, now: number): OcspAnswer {
    if (now >= hit.refreshAt && !hit.refreshing) {
      hit.refreshing = true;
      void hit.refresh().catch(() => (hit.refreshing = false));
    }
    return { der: hit.der, status: "successful", source: "cache", certStatus: hit.certStatus, http: httpValidity(hit, now) };
  }

  private async respondSlow(caHex: string, scope: OcspScope, body: Buffer, now: number): Promise<OcspAnswer> {
    let req: OcspRequest;
    try {
      req = parseOcspRequest(body);
    } catch (e) {
      return error("malformedRequest", (e as Error).message);
    }
    const caSerial = sanitizeSerial(caHex);
    if (!caSerial) return error("unauthorized", `${caHex}: not a CA serial`);
    const deadline = now + this.opts.deadlineMs;
    let issuer: OcspIssuer | undefined;
    try {
      const found = this.deps.issuers.peek(caSerial, now) ?? (await this.within(deadline, this.deps.issuers.load(caSerial)));
      if (found === LATE) return this.late();
      issuer = found;
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
      if (this.usable(now)) {
        const hit = this.cache.get(key)?.responses.get(certIdKey);
        if (hit && now < hit.expiresAt && hit.signedBy === issuer.key) return this.fromCache(hit, now);
      }
      // Concurrent misses for the same certificate share one lookup and one signature.
      const flight = `${key}/${certIdKey}`;
      let p = this.inflight.get(flight);
      if (!p) {
        // Only strings are kept for the refresh (see signOne), never the request buffer the CertID came from.
        p = this.signOne(issuer, scope, certIdKey, id.serial, key, false).finally(() => this.inflight.delete(flight));
        this.inflight.set(flight, p);
      }
      const answer = await this.within(deadline, p);
      if (answer !== LATE && answer.status === "successful") return answer;
      // The database failed or is slow: an earlier response that is still valid beats tryLater.
      const t = this.deps.clock.now().getTime();
      const prior = this.cache.get(key)?.responses.get(certIdKey);
      if (prior && t < prior.expiresAt && prior.signedBy === issuer.key) return this.fromCache(prior, t);
      return answer === LATE ? this.late() : answer;
    }
    const live = await this.within(deadline, this.signLive(issuer, scope, req, matches));
    return live === LATE ? this.late() : live;
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
    certIdKey: string,
    serial: string,
    key: string,
    refresh: boolean,
  ): Promise<OcspAnswer> {
    const signingKey = issuer.key!;
    let statuses;
    try {
      statuses = await this.statuses(issuer.ca.serial, scope, [serial], refresh);
    } catch (e) {
      this.databaseDown = true;
      return error("tryLater", `status lookup failed: ${(e as Error).message}`);
    }
    const found = statuses.get(serial);
    const now = this.deps.clock.now().getTime();
    const { thisUpdate, nextUpdate } = this.validity(issuer, now);
    // The CertID exactly as the client encoded it (§4.2.1), from the latin1 string the cache is keyed by.
    const certStatus = singleStatus(found?.status);
    const single = encodeSingleResponse(Buffer.from(certIdKey, "latin1"), certStatus, thisUpdate, nextUpdate);
    const signed = await signOcspResponse(signingKey, thisUpdate, [single]);
    // A response that is kept gets memory of its own (see ownCopy); one that is not is sent as is.
    const der = found?.entry ? ownCopy(signed) : signed;
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
      certStatus: certStatus.kind,
      refreshing: false,
      // A refresh that could not read the status rejects, so that a later request tries again (fromCache).
      refresh: () =>
        this.signOne(issuer, scope, certIdKey, serial, key, true).then((a) => {
          if (a.status !== "successful") throw new Error(a.detail);
        }),
    };
    if (found?.entry) this.cache.putResponse(key, found.entry, certIdKey, cached);
    // "unknown" is not kept (see statuses) and not offered to HTTP caches either.
    return {
      der,
      status: "successful",
      source: "signed",
      certStatus: certStatus.kind,
      ...(found ? { http: httpValidity(cached, now) } : {}),
    };
  }

  private async signLive(issuer: OcspIssuer, scope: OcspScope, req: OcspRequest, matches: boolean[]): Promise<OcspAnswer> {
    const mine = req.certIds.filter((_, i) => matches[i]).map((id) => id.serial);
    let statuses;
    try {
      statuses = await this.statuses(issuer.ca.serial, scope, mine, false);
    } catch (e) {
      this.databaseDown = true;
      return error("tryLater", `status lookup failed: ${(e as Error).message}`);
    }
    const now = this.deps.clock.now().getTime();
    const { thisUpdate, nextUpdate } = this.validity(issuer, now);
    const kinds: SingleStatus[] = req.certIds.map((id, i) =>
      matches[i] ? singleStatus(statuses.get(id.serial)?.status) : { kind: "unknown" },
    );
    const singles = req.certIds.map((id, i) => encodeSingleResponse(id.raw, kinds[i]!, thisUpdate, nextUpdate));
    const der = await signOcspResponse(issuer.key!, thisUpdate, singles, req.nonceExtension);
    return { der, status: "successful", source: "signed", ...(kinds.length === 1 ? { certStatus: kinds[0]!.kind } : {}) };
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
