/**
 * CRLs and CA certificates over HTTP, for the URLs put into certificates (RFC 5280 §4.2.1.13 CRL
 * distribution points, §4.2.2.1 caIssuers):
 *
 *   GET /crl/<CAHEX>            newest complete full CRL of the CA: no IDP, every certificate it issued
 *                               (the default CRL DP of its certificates; NSS refuses a critical IDP)
 *   GET /crl/delta/<CAHEX>      newest full-scope delta CRL (RFC 5280 §5.2.4; the Freshest CRL target)
 *   GET /crl/<CAHEX>/user       newest complete user-scope CRL (end-entity certificates only)
 *   GET /crl/<CAHEX>/user/delta newest user-scope delta CRL (dump_crl --delta --only-contains-user-certs)
 *   GET /crl/ca/<CAHEX>         newest complete CA-scope CRL (revoked child CAs)
 *   GET /issuer/<CAHEX>.der     the CA certificate (also .pem)
 *
 * Certificates issued before the full CRL existed name /crl/<CAHEX> for their user-scope CRL; the full CRL
 * serves them as well, since a complete CRL without IDP covers every certificate of its issuer (§6.3.3).
 *
 * CRLs are served as stored by generate_crls / dump_crl on the key host, so this needs no CA key. DER by
 * default (application/pkix-crl, RFC 2585 §4.2), PEM with `?encoding=PEM`. Responses are cached in
 * memory for `cacheSeconds` (never beyond the CRL's nextUpdate), so a steady stream of requests costs no
 * database round trip, and dropped as soon as `generation` changes: the server's poll bumps it when it
 * sees a new CRL stored, so a new CRL is served within one poll interval, as OCSP answers are. Clients
 * may cache until nextUpdate (Cache-Control max-age) and revalidate with the ETag, which names the CA,
 * scope and CRL number.
 *
 * When the database fails or times out, a CRL or CA certificate looked up before is still served: a CRL
 * until its nextUpdate (it is signed and says how long it may be used, RFC 5280 §5.1.2.5), a CA certificate
 * as long as the process runs. Anything else is 503 problem+json (RFC 9457) with Retry-After
 * (RFC 9110 §10.2.3), and nothing about the failure is cached, so the first request after the database
 * returns reads it again.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CertificateAuthority } from "../../core/ca/certificate-authority.js";
import { TscaError, isTscaError } from "../../core/errors.js";
import type { CaRepository } from "../../core/ports/ca-repository.js";
import type { CrlRepository, StoredCrl } from "../../core/ports/crl-repository.js";
import { crlScope, type CrlScope } from "../../core/revocation/crl-scope.js";
import { sanitizeSerial } from "../../core/issuance/serial.js";
import { toPem } from "../../core/x509/pem.js";
import { sendProblem, toTscaError } from "./problem.js";

export interface CrlRoutesOptions {
  crls: CrlRepository;
  cas: CaRepository;
  /** How long a looked-up CRL (or its absence) is kept in memory; default 30 s. */
  cacheSeconds?: number;
  /** Changes whenever a new CRL may have been stored; a CRL looked up under another value is read again. */
  generation?: () => number;
  /** Injected time, for tests. */
  now?: () => Date;
}

interface Served {
  der: Buffer;
  pem: Buffer;
  etag: string;
  nextUpdate: Date | null;
  lastModified: Date | null;
}

interface CacheEntry {
  until: number;
  /** `generation()` when the value was read (CRLs only). */
  generation?: number;
  value: Promise<Lookup>;
  /** The last value actually read, kept to answer while the database is unavailable. */
  read?: Lookup;
}

/** How long a stale value served during a database failure is kept before the database is asked again. */
const STALE_RETRY_MS = 1_000;

type ScopeName = "full" | "user" | "ca";

const SCOPES: Record<ScopeName, CrlScope> = { full: crlScope("all"), user: crlScope("user"), ca: crlScope("ca") };

/** How the 404 names a scope, and what makes its CRLs on the key host. */
const MISSING: Record<ScopeName, { complete: string; delta: string }> = {
  full: { complete: "full", delta: "generate_crls with --freshest-crl-url set on the CA, or dump_crl --delta" },
  user: { complete: "user", delta: "dump_crl --delta --only-contains-user-certs" },
  ca: { complete: "CA", delta: "dump_crl --delta --only-contains-ca-certs" },
};

/** What a lookup found: a CRL or CA certificate, no CA of that serial, or a CA without such a CRL. */
const NO_CA = "no-ca";
type Lookup = Served | typeof NO_CA | undefined;

const unknownCa = (hex: string): TscaError => new TscaError("ERR_CA_NOT_FOUND", `No CA has the serial ${hex}.`, { fields: { ca: hex } });

/** `?encoding=` other than PEM or DER. */
const badEncoding = (): TscaError =>
  new TscaError("ERR_INVALID_ARGUMENT", "The encoding must be PEM or DER.", { fields: { parameter: "encoding" } });

function fromCrl(ca: CertificateAuthority, scopeName: string, crl: StoredCrl): Served {
  return {
    der: crl.der,
    pem: Buffer.from(toPem(crl.der, "X509 CRL")),
    etag: `"crl-${ca.serial}-${scopeName}-${crl.number}"`,
    nextUpdate: crl.nextUpdate,
    lastModified: crl.thisUpdate,
  };
}

function fromCa(ca: CertificateAuthority): Served {
  return {
    der: ca.der,
    pem: Buffer.from(toPem(ca.der, "CERTIFICATE")),
    etag: `"ca-${ca.serial}"`,
    nextUpdate: null,
    lastModified: ca.createdAt,
  };
}

export async function crlRoutes(app: FastifyInstance, opts: CrlRoutesOptions): Promise<void> {
  const ttl = (opts.cacheSeconds ?? 30) * 1000;
  const now = opts.now ?? (() => new Date());
  const cache = new Map<string, CacheEntry>();

  /**
   * Single-flight cached lookup: concurrent misses share one query; failures are not cached, but while the
   * database is unavailable the value read last is served as long as it is still valid.
   */
  function cached(key: string, load: () => Promise<Lookup>, crl = false): Promise<Lookup> {
    const t = now().getTime();
    const generation = crl ? opts.generation?.() : undefined;
    const hit = cache.get(key);
    if (hit && hit.until > t && hit.generation === generation) return hit.value;
    const previous = hit?.read;
    const entry: CacheEntry = { until: t + ttl, generation, value: Promise.resolve(undefined), read: previous };
    entry.value = load().then(
      (v) => {
        entry.read = v;
        // Never keep a CRL in memory past its nextUpdate: a newer one is (or should be) stored by then.
        if (typeof v === "object" && v.nextUpdate) entry.until = Math.min(entry.until, Math.max(v.nextUpdate.getTime(), t + 1000));
        return v;
      },
      (e: unknown) => {
        const stillValid =
          previous && (typeof previous !== "object" || !previous.nextUpdate || previous.nextUpdate.getTime() > now().getTime());
        if (stillValid && isTscaError(e) && e.kind === "unavailable") {
          entry.until = t + STALE_RETRY_MS;
          return previous;
        }
        if (previous) entry.until = 0;
        else if (cache.get(key) === entry) cache.delete(key);
        throw e;
      },
    );
    cache.set(key, entry);
    return entry.value;
  }

  /**
   * A failed lookup as problem+json (problem.ts: 503 with Retry-After for an outage); the detail is the
   * error's one sentence, never a driver message, which goes to the log.
   */
  function failed(request: FastifyRequest, reply: FastifyReply, e: unknown): FastifyReply {
    const error = toTscaError(e);
    if (error.code === "ERR_INTERNAL") request.log.error({ err: e }, "CRL route failed");
    else request.log.debug({ code: error.code, err: (error.cause as Error | undefined)?.message }, "CRL route: lookup failed");
    return sendProblem(reply, error);
  }

  const caBySerial = async (hex: string): Promise<CertificateAuthority | undefined> => {
    const serial = sanitizeSerial(hex);
    return serial ? opts.cas.get(serial) : undefined;
  };

  function send(request: FastifyRequest, reply: FastifyReply, served: Served, pem: boolean, derType: string): FastifyReply {
    const etag = pem ? served.etag.replace(/"$/, '-pem"') : served.etag;
    const maxAge = served.nextUpdate ? Math.max(0, Math.floor((served.nextUpdate.getTime() - now().getTime()) / 1000)) : 86_400;
    reply.header("cache-control", `public, max-age=${maxAge}`).header("etag", etag);
    if (served.lastModified) reply.header("last-modified", served.lastModified.toUTCString());
    if (served.nextUpdate) reply.header("expires", served.nextUpdate.toUTCString());
    const inm = request.headers["if-none-match"];
    if (inm && inm.split(",").some((t) => t.trim() === etag || t.trim() === "*")) return reply.code(304).send();
    return reply.header("content-type", pem ? "application/x-pem-file" : derType).send(pem ? served.pem : served.der);
  }

  /** `?encoding=PEM|DER` (case-insensitive); undefined when invalid. */
  function wantsPem(request: FastifyRequest): boolean | undefined {
    const enc = (request.query as Record<string, unknown> | undefined)?.encoding;
    if (enc === undefined) return false;
    if (typeof enc !== "string" || !/^(pem|der)$/i.test(enc)) return undefined;
    return enc.toUpperCase() === "PEM";
  }

  const crlHandler =
    (scopeName: ScopeName, kind: "complete" | "delta") =>
    async (request: FastifyRequest<{ Params: { ca: string } }>, reply: FastifyReply) => {
      const pem = wantsPem(request);
      if (pem === undefined) return sendProblem(reply, badEncoding());
      const hex = request.params.ca;
      let served: Lookup;
      try {
        served = await cached(
          `crl:${scopeName}:${kind}:${hex.toUpperCase()}`,
          async () => {
            const ca = await caBySerial(hex);
            if (!ca) return NO_CA;
            const crl = await opts.crls.latest(ca.serial, SCOPES[scopeName], kind);
            return crl ? fromCrl(ca, kind === "delta" ? `${scopeName}-delta` : scopeName, crl) : undefined;
          },
          true,
        );
      } catch (e) {
        return failed(request, reply, e);
      }
      if (served === NO_CA) return sendProblem(reply, unknownCa(hex));
      if (!served)
        return sendProblem(
          reply,
          new TscaError(
            "ERR_CRL_NOT_FOUND",
            kind === "delta"
              ? `No ${MISSING[scopeName].complete} delta CRL has been generated for CA ${hex} (${MISSING[scopeName].delta} on the key host).`
              : `No ${MISSING[scopeName].complete} CRL has been generated for CA ${hex} (run generate_crls on the key host).`,
            { fields: { ca: hex, scope: scopeName, crl: kind } },
          ),
        );
      return send(request, reply, served, pem, "application/pkix-crl");
    };

  for (const suffix of ["", "/"]) {
    app.get(`/crl/:ca${suffix}`, crlHandler("full", "complete"));
    app.get(`/crl/delta/:ca${suffix}`, crlHandler("full", "delta"));
    app.get(`/crl/:ca/user${suffix}`, crlHandler("user", "complete"));
    app.get(`/crl/:ca/user/delta${suffix}`, crlHandler("user", "delta"));
    app.get(`/crl/ca/:ca${suffix}`, crlHandler("ca", "complete"));
  }

  app.get("/issuer/:file", async (request: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const m = /^([0-9A-Fa-f:]+)\.(der|pem|crt|cer)$/.exec(request.params.file);
    if (!m) return sendProblem(reply, new TscaError("ERR_CA_NOT_FOUND", "CA certificates are served at /issuer/<CA serial in hex>.der."));
    const pem = m[2] === "pem" || wantsPem(request);
    if (pem === undefined) return sendProblem(reply, badEncoding());
    let served: Lookup;
    try {
      served = await cached(`ca:${m[1]!.toUpperCase()}`, async () => {
        const ca = await caBySerial(m[1]!);
        return ca ? fromCa(ca) : undefined;
      });
    } catch (e) {
      return failed(request, reply, e);
    }
    if (!served || served === NO_CA) return sendProblem(reply, unknownCa(m[1]!));
    return send(request, reply, served, pem, "application/pkix-cert");
  });
}
