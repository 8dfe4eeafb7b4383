/**
 * OCSP over HTTP (RFC 6960 Appendix A.1, RFC 5019 §5): per CA, `/ocsp/<CAHEX>/cert/` answers for the
 * end-entity certificates it issued and `/ocsp/<CAHEX>/ca/` for the CAs it signed.
 *
 * - POST: the DER request is the body (any content type; openssl and browsers send application/ocsp-request).
 * - GET: `/ocsp/<CAHEX>/cert/<base64 of the DER request>`, URL-encoded or not: a `/` of the base64
 *   alphabet may stand in the path as is (the rest of the path is the request), `+` and `=` likewise.
 *   Cacheable answers carry Cache-Control/Expires/Last-Modified/ETag (RFC 5019 §6.2).
 *
 * Every answer, error statuses included, is HTTP 200 with `application/ocsp-response`: clients read the OCSP
 * status, and many do not read a body of any other HTTP status. Bad input of any kind — too large, not
 * base64, not DER — is malformedRequest, never a crash or an HTML error page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { OcspAnswer } from "../../core/revocation/ocsp-responder.js";
import { OCSP_ERROR_RESPONSES } from "../../core/revocation/ocsp-response.js";
import { MAX_OCSP_REQUEST_BYTES } from "../../core/revocation/ocsp-request.js";
import type { OcspScope } from "../../core/ports/ocsp-status-repository.js";
import { ocspStatusOf } from "./ocsp-status.js";
import { toTscaError } from "./problem.js";
import type { OcspObserver } from "./metrics/tsca-metrics.js";

export interface OcspService {
  /** The answer from memory for a cacheable DER request, synchronously; undefined when not there. */
  cached(caHex: string, scope: OcspScope, request: Buffer): OcspAnswer | undefined;
  respond(caHex: string, scope: OcspScope, request: Buffer): Promise<OcspAnswer>;
}

export interface OcspRoutesOptions {
  ocsp: OcspService;
  /** Told of every answer with the handler's time (Prometheus /metrics); must only count, never wait. */
  observer?: OcspObserver;
}

const CONTENT_TYPE = "application/ocsp-response";
/**
 * GET: base64 text up to this length is decoded (the parser refuses anything over MAX_OCSP_REQUEST_BYTES).
 * POST bodies over MAX_OCSP_REQUEST_BYTES are cut off unread, so a connection never buffers more than that.
 */
const BODY_LIMIT = MAX_OCSP_REQUEST_BYTES * 4;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** The same problem (a CA without responder key, say) is logged once per interval, not once per request. */
class LogThrottle {
  private readonly last = new Map<string, number>();
  constructor(private readonly intervalMs: number) {}
  allow(key: string, now = Date.now()): boolean {
    const t = this.last.get(key);
    if (t !== undefined && now - t < this.intervalMs) return false;
    if (this.last.size > 1000) this.last.clear();
    this.last.set(key, now);
    return true;
  }
}

const POST_HEADERS = { "content-type": CONTENT_TYPE, "cache-control": "no-store" };

function send(reply: FastifyReply, answer: OcspAnswer, get: boolean): FastifyReply {
  const h = get ? answer.http : undefined;
  // One headers() call with a literal is cheaper on this hot path than five header() calls.
  reply.headers(
    h
      ? {
          "content-type": CONTENT_TYPE,
          "cache-control": `max-age=${h.maxAge}, public, no-transform, must-revalidate`,
          "last-modified": h.lastModified,
          expires: h.expires,
          etag: h.etag,
        }
      : POST_HEADERS,
  );
  return reply.send(answer.der);
}

export async function ocspRoutes(app: FastifyInstance, opts: OcspRoutesOptions): Promise<void> {
  const throttle = new LogThrottle(10_000);
  const observer = opts.observer;
  // Encapsulated in this plugin: OCSP bodies are raw DER whatever the content type says.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: MAX_OCSP_REQUEST_BYTES }, (_req, body, done) => done(null, body));

  const logStatus = (req: FastifyRequest, ca: string, scope: OcspScope, result: OcspAnswer): void => {
    if (result.status === "successful") return;
    const serious = result.status === "internalError" || result.status === "tryLater";
    if (serious && throttle.allow(`${result.status}:${result.detail ?? ""}`))
      req.log.warn({ ca, scope, status: result.status, detail: result.detail }, "OCSP error status");
    else req.log.debug({ ca, scope, status: result.status, detail: result.detail }, "OCSP error status");
  };

  for (const scope of ["cert", "ca"] as const) {
    const post = (req: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply> => {
      const started = observer ? performance.now() : 0;
      const ca = (req.params as { ca: string }).ca;
      const der = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      // The steady state: answered from memory, synchronously.
      const hit = opts.ocsp.cached(ca, scope, der);
      if (hit) {
        observer?.answered(ca, hit, performance.now() - started);
        return send(reply, hit, false);
      }
      return opts.ocsp.respond(ca, scope, der).then((result) => {
        observer?.answered(ca, result, performance.now() - started);
        logStatus(req, ca, scope, result);
        return send(reply, result, false);
      });
    };
    app.post(`/ocsp/:ca/${scope}/`, post);
    app.post(`/ocsp/:ca/${scope}`, post);
    app.get(`/ocsp/:ca/${scope}/*`, (req, reply) => {
      const started = observer ? performance.now() : 0;
      const ca = (req.params as { ca: string }).ca;
      // Fastify has percent-decoded the wildcard once; a `/` inside the base64 is simply part of it.
      const raw = (req.params as { "*": string })["*"];
      const encoded = raw.includes(" ") ? raw.replace(/ /g, "+") : raw;
      const valid = encoded.length > 0 && encoded.length <= BODY_LIMIT && BASE64.test(encoded);
      const der = valid ? Buffer.from(encoded, "base64") : Buffer.alloc(0);
      const hit = opts.ocsp.cached(ca, scope, der);
      if (hit) {
        observer?.answered(ca, hit, performance.now() - started);
        return send(reply, hit, true);
      }
      return opts.ocsp.respond(ca, scope, der).then((result) => {
        observer?.answered(ca, result, performance.now() - started);
        logStatus(req, ca, scope, result);
        return send(reply, result, true);
      });
    });
  }

  // Anything that goes wrong before or inside a handler (body too large, a broken connection, a bug) is
  // still an OCSP answer, through the one kind → OCSP status table (ocsp-status.ts): malformedRequest for
  // the client's fault, tryLater for an outage, internalError for ours. This plugin's own handler, so the
  // application's problem+json handler (problem.ts) never answers an OCSP client.
  app.setErrorHandler((err: unknown, req, reply) => {
    const e = toTscaError(err);
    if (e.code === "ERR_INTERNAL") req.log.error({ err }, "OCSP handler failed");
    reply.code(200).header("content-type", CONTENT_TYPE).header("cache-control", "no-store");
    const status = ocspStatusOf(e.kind);
    observer?.answered("", { der: OCSP_ERROR_RESPONSES[status], status, source: "error" }, 0);
    return reply.send(OCSP_ERROR_RESPONSES[status]);
  });
}
