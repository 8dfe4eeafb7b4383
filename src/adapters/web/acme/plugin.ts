/**
 * The ACME server (RFC 8555) under /acme, one encapsulated Fastify plugin: every CA with ACME enabled
 * answers at /acme/{serial-hex}/directory, and /acme/directory is the default CA's. Handlers are thin:
 * resolve the CA, verify the JWS (core/acme/jws.ts through verifyRequest), call one use case, render.
 *
 * Transport rules (§6): POST bodies are application/jose+json (else 415 malformed), at most 64 KiB;
 * only the directory, new-nonce and renewal-info are GET (everything else is POST-as-GET, §6.3, so GET
 * there is 405); every response carries a fresh Replay-Nonce (§6.5) and Link rel="index" (§7.1), and is
 * never cached. Errors are ACME problem documents (§6.7), not the API's problem types: this plugin has
 * its own error and not-found handlers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CertificateAuthority } from "../../../core/ca/certificate-authority.js";
import { caStatus } from "../../../core/ca/certificate-authority.js";
import { AcmeProblem, isAcmeProblem } from "../../../core/acme/problem.js";
import { isTscaError, type TscaError } from "../../../core/errors.js";
import { sanitizeSerial } from "../../../core/issuance/serial.js";
import { certificateChain } from "../../../core/usecases/acme/certificate.js";
import { authorizationOfAccount } from "../../../core/usecases/acme/deactivate-authorization.js";
import type { AcmeDeps, AcmeRequest } from "../../../core/usecases/acme/deps.js";
import { finalizeOrder, orderOfAccount } from "../../../core/usecases/acme/finalize-order.js";
import { listAccountOrders } from "../../../core/usecases/acme/list-orders.js";
import { changeAccountKey } from "../../../core/usecases/acme/key-change.js";
import { newAccount } from "../../../core/usecases/acme/new-account.js";
import { newOrder } from "../../../core/usecases/acme/new-order.js";
import { orderState } from "../../../core/usecases/acme/order-state.js";
import { renewalInfo } from "../../../core/usecases/acme/renewal-info.js";
import { respondChallenge } from "../../../core/usecases/acme/respond-challenge.js";
import { revokeByAcme } from "../../../core/usecases/acme/revoke-cert.js";
import { updateAccount } from "../../../core/usecases/acme/update-account.js";
import { AcmeUrls } from "../../../core/usecases/acme/urls.js";
import { newNonce, verifyRequest } from "../../../core/usecases/acme/verify-request.js";
import { accountJson, authorizationJson, challengeJson, orderJson } from "./resources.js";

export const ACME_PREFIX = "/acme";
export const ACME_BODY_LIMIT = 64 * 1024;
const JOSE = "application/jose+json";
/** Seconds a client is asked to wait before polling a processing order or challenge again (§7.4, §8.2). */
const RETRY_AFTER = 1;
/** RFC 9773 §4.2: how often to ask for renewal information again. */
const ARI_RETRY_AFTER = 6 * 60 * 60;

export interface AcmeWebDeps extends AcmeDeps {
  /** TSCA_EXTERNAL_URL: the base of every ACME URL; unset: the request's scheme and Host. */
  externalUrl?: string | undefined;
  /** TSCA_DEFAULT_CA (name or serial) for /acme/directory. */
  defaultCa?: string | undefined;
  /** How often used nonces and long-expired orders are purged (AcmeRepository.purgeExpired); 0: never. */
  purgeIntervalMs?: number;
  /** Orders per page of an account's orders list (§7.1.2.1); default 100. */
  ordersPage?: number;
}

type Params = { ca?: string; id?: string; certId?: string };

const acmeEnabled = (ca: CertificateAuthority | undefined): ca is CertificateAuthority => !!ca?.acme?.enabled && ca.enabled;

/** TscaErrors from reused use cases in ACME terms (11-common "Errors"). */
function fromTsca(e: TscaError): AcmeProblem {
  if (e.code === "ERR_FORBIDDEN") return new AcmeProblem("unauthorized", e.message);
  switch (e.kind) {
    case "not-found":
      return new AcmeProblem("malformed", e.message, { status: 404 });
    case "invalid":
    case "usage":
      return new AcmeProblem("malformed", e.message);
    case "conflict":
      return new AcmeProblem("malformed", e.message, { status: 409 });
    case "rate-limited":
      return new AcmeProblem("rateLimited", e.message);
    case "unavailable":
      return new AcmeProblem("serverInternal", "The service is unavailable; try again shortly.", { status: 503 });
    default:
      return new AcmeProblem("serverInternal", "An internal error occurred.");
  }
}

/** Fastify's own client errors (body too large, wrong content type, bad JSON) as malformed with their status. */
function fromFramework(err: unknown): AcmeProblem | undefined {
  const e = err as { code?: string; statusCode?: number };
  if (e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || e.statusCode === 415)
    return new AcmeProblem("malformed", `ACME requests must be sent as ${JOSE} (RFC 8555 §6.2).`, { status: 415 });
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE" || e.statusCode === 413)
    return new AcmeProblem("malformed", "The request body is larger than 64 KiB.", { status: 413 });
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500)
    return new AcmeProblem("malformed", "The request is malformed.");
  return undefined;
}

export async function acmePlugin(app: FastifyInstance, deps: AcmeWebDeps): Promise<void> {
  // Used nonces are only needed until they would be refused anyway (one hour); every host purges, the
  // deletes are idempotent.
  if (deps.purgeIntervalMs) {
    const timer = setInterval(() => {
      deps.acme.purgeExpired(deps.clock.now()).catch((err: unknown) => app.log.warn({ err }, "ACME purge failed"));
    }, deps.purgeIntervalMs);
    timer.unref();
    app.addHook("onClose", async () => clearInterval(timer));
  }
  await app.register(async (scope) => routes(scope, deps), { prefix: ACME_PREFIX });
}

async function routes(app: FastifyInstance, deps: AcmeWebDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JOSE, { parseAs: "string", bodyLimit: ACME_BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new AcmeProblem("malformed", "The request body is not JSON."), undefined);
    }
  });
  app.addHook("onRoute", (route) => {
    route.bodyLimit = ACME_BODY_LIMIT;
  });

  const base = (request: FastifyRequest): string => deps.externalUrl ?? `${request.protocol}://${request.host}`;

  async function defaultCa(): Promise<CertificateAuthority | undefined> {
    const all = await deps.cas.list();
    const now = deps.clock.now();
    if (deps.defaultCa) {
      const serial = sanitizeSerial(deps.defaultCa);
      const named = all.find((c) => c.name === deps.defaultCa || (serial !== undefined && c.serial === serial));
      if (acmeEnabled(named)) return named;
    }
    return all.filter((c) => acmeEnabled(c) && caStatus(c, now) === "valid").sort((a, b) => b.notAfter.getTime() - a.notAfter.getTime())[0];
  }

  /** The CA and URLs of a request; malformed 404 for a CA that does not exist or does not serve ACME. */
  async function acmeRequest(request: FastifyRequest): Promise<AcmeRequest> {
    const hex = (request.params as Params).ca;
    const serial = hex === undefined ? undefined : sanitizeSerial(hex);
    const ca = hex === undefined ? await defaultCa() : serial ? await deps.cas.get(serial) : undefined;
    if (!acmeEnabled(ca))
      throw new AcmeProblem("malformed", "No ACME server is at this URL (the CA does not exist or has ACME disabled).", { status: 404 });
    const r: AcmeRequest = { ca, urls: new AcmeUrls(base(request), ca.serial), requestId: request.id };
    (request as { acme?: AcmeRequest }).acme = r;
    return r;
  }

  // The CA first: a URL of a CA that does not serve ACME is 404 before its body is judged (type, size).
  app.addHook("onRequest", async (request) => {
    if (!request.is404) await acmeRequest(request);
  });
  const requestOf = (request: FastifyRequest): Promise<AcmeRequest> =>
    Promise.resolve((request as { acme?: AcmeRequest }).acme ?? acmeRequest(request));

  /** The headers every ACME response carries (§6.5, §7.1). */
  async function common(reply: FastifyReply, r: AcmeRequest | undefined): Promise<void> {
    reply.header("cache-control", "no-store");
    reply.header("replay-nonce", await newNonce(deps));
    if (r) reply.header("link", `<${r.urls.directory}>;rel="index"`);
  }

  app.setErrorHandler(async (err: unknown, request, reply) => {
    let problem: AcmeProblem;
    if (isAcmeProblem(err)) problem = err;
    else if (isTscaError(err)) problem = fromTsca(err);
    else problem = fromFramework(err) ?? new AcmeProblem("serverInternal", "An internal error occurred.");
    if (problem.status >= 500) request.log.error({ err }, "ACME request failed");
    let r = (request as { acme?: AcmeRequest }).acme;
    if (!r) r = await acmeRequest(request).catch(() => undefined);
    try {
      await common(reply, r);
    } catch {
      // No nonce without the database: the problem is still sent.
    }
    if (problem.status === 503) reply.header("retry-after", "5");
    return reply
      .code(problem.status)
      .header("content-type", "application/problem+json")
      .send(Buffer.from(JSON.stringify(problem.toJSON())));
  });
  app.setNotFoundHandler(async () => {
    throw new AcmeProblem("malformed", "Nothing is served at this ACME URL.", { status: 404 });
  });

  const json = async (reply: FastifyReply, r: AcmeRequest, status: number, body: unknown, location?: string): Promise<FastifyReply> => {
    await common(reply, r);
    if (location) reply.header("location", location);
    return reply
      .code(status)
      .header("content-type", "application/json")
      .send(Buffer.from(JSON.stringify(body)));
  };

  // Directory (§7.1.1).
  const directory = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const r = await requestOf(request);
    const ca = r.ca;
    return json(reply, r, 200, {
      newNonce: r.urls.newNonce,
      newAccount: r.urls.newAccount,
      newOrder: r.urls.newOrder,
      revokeCert: r.urls.revokeCert,
      keyChange: r.urls.keyChange,
      renewalInfo: r.urls.renewalInfo,
      meta: {
        ...(ca.termsOfService ? { termsOfService: ca.termsOfService } : {}),
        ...(ca.website ? { website: ca.website } : {}),
        caaIdentities: ca.caaIdentity ? [ca.caaIdentity] : [],
        externalAccountRequired: ca.acme!.eabRequired,
      },
    });
  };
  app.get("/directory", directory);
  app.get("/:ca/directory", directory);

  // new-nonce (§7.2): HEAD 200, GET 204.
  const nonce = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const r = await requestOf(request);
    await common(reply, r);
    return reply.code(request.method === "HEAD" ? 200 : 204).send();
  };
  app.get("/:ca/new-nonce", { exposeHeadRoute: false }, nonce);
  app.head("/:ca/new-nonce", nonce);

  // renewal-info (RFC 9773 §4): unauthenticated GET.
  app.get("/:ca/renewal-info/:certId", async (request, reply) => {
    const r = await requestOf(request);
    const w = await renewalInfo(deps, r, (request.params as Params).certId!);
    reply.header("retry-after", String(ARI_RETRY_AFTER));
    return json(reply, r, 200, { suggestedWindow: { start: w.start.toISOString(), end: w.end.toISOString() } });
  });

  /** A POST route, plus GET answering 405 (§6.3: resources are read with POST-as-GET). */
  const post = (path: string, handler: (request: FastifyRequest, reply: FastifyReply, r: AcmeRequest) => Promise<FastifyReply>): void => {
    app.post(path, async (request, reply) => handler(request, reply, await requestOf(request)));
    app.get(path, async (request, reply) => {
      reply.header("allow", "POST");
      throw new AcmeProblem("malformed", "This resource is read with POST-as-GET (RFC 8555 §6.3), not GET.", { status: 405 });
    });
  };
  const id = (request: FastifyRequest): string => (request.params as Params).id!;

  post("/:ca/new-account", async (request, reply, r) => {
    const v = await verifyRequest(deps, r, request.body, r.urls.newAccount, "jwk");
    const { account, created } = await newAccount(deps, r, v.jwk!, v.payload);
    return json(reply, r, created ? 201 : 200, accountJson(r.urls, account), r.urls.account(account.id));
  });
  post("/:ca/acct/:id", async (request, reply, r) => {
    const v = await verifyRequest(deps, r, request.body, r.urls.account(id(request)), "kid");
    if (v.account!.id !== id(request)) throw new AcmeProblem("unauthorized", "The JWS is signed by another account.");
    const account = await updateAccount(deps, r, v.account!, v.payload);
    return json(reply, r, 200, accountJson(r.urls, account), r.urls.account(account.id));
  });
  // The orders list (§7.1.2.1), a page at a time (ordersPage); a Link rel="next" names the next page by
  // its cursor, and the JWS "url" of a page is its whole URL, query included (§6.4).
  post("/:ca/acct/:id/orders", async (request, reply, r) => {
    const cursor = (request.query as { cursor?: unknown }).cursor;
    if (cursor !== undefined && (typeof cursor !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(cursor)))
      throw new AcmeProblem("malformed", "The cursor of the orders list is not an order id.");
    const page = (after?: string): string => `${r.urls.orders(id(request))}${after ? `?cursor=${after}` : ""}`;
    const v = await verifyRequest(deps, r, request.body, page(cursor), "kid");
    if (v.account!.id !== id(request)) throw new AcmeProblem("unauthorized", "The JWS is signed by another account.");
    const { orders, next } = await listAccountOrders(deps, v.account!, deps.ordersPage ?? 100, cursor);
    await common(reply, r);
    if (next) reply.header("link", [`<${r.urls.directory}>;rel="index"`, `<${page(next)}>;rel="next"`]);
    return reply
      .code(200)
      .header("content-type", "application/json")
      .send(Buffer.from(JSON.stringify({ orders: orders.map((o) => r.urls.order(o.id)) })));
  });
  post("/:ca/key-change", async (request, reply, r) => {
    const v = await verifyRequest(deps, r, request.body, r.urls.keyChange, "kid");
    const account = await changeAccountKey(deps, r, v.account!, v.payload);
    return json(reply, r, 200, accountJson(r.urls, account), r.urls.account(account.id));
  });
  post("/:ca/new-order", async (request, reply, r) => {
    const v = await verifyRequest(deps, r, request.body, r.urls.newOrder, "kid");
    const { order, authorizations } = await newOrder(deps, r, v.account!, v.payload);
    return json(reply, r, 201, orderJson(r.urls, order, authorizations), r.urls.order(order.id));
  });
  post("/:ca/order/:id", async (request, reply, r) => {
    const v = await verifyRequest(deps, r, request.body, r.urls.order(id(request)), "kid");
    const s = await orderState(deps, await orderOfAccount(deps, v.account!, id(request)));
    if (s.order.status === "processing") reply.header("retry-after", String(RETRY_AFTER));
    return json(reply, r, 200, orderJson(r.urls, s.order, s.authorizations), r.urls.order(s.order.id));
  });
  post("/:ca/order/:id/finalize", async (request, reply, r) => {
    const v = await verifyRequest(deps, r, request.body, r.urls.finalize(id(request)), "kid");
    const s = await finalizeOrder(deps, r, v.account!, id(request), v.payload);
    if (s.order.status === "processing") reply.header("retry-after", String(RETRY_AFTER));
    return json(reply, r, 200, orderJson(r.urls, s.order, s.authorizations), r.urls.order(s.order.id));
  });
  post("/:ca/authz/:id", async (request, reply, r) => {
    const v = await verifyRequest(deps, r, request.body, r.urls.authz(id(request)), "kid");
    const a = await authorizationOfAccount(deps, v.account!, id(request), v.payload);
    return json(reply, r, 200, authorizationJson(r.urls, a.authz, a.challenges), r.urls.authz(a.authz.id));
  });
  post("/:ca/chall/:id", async (request, reply, r) => {
    const v = await verifyRequest(deps, r, request.body, r.urls.challenge(id(request)), "kid");
    const c = await respondChallenge(deps, r, v.account!, id(request), v.payload);
    await common(reply, r);
    reply.header("link", [`<${r.urls.directory}>;rel="index"`, `<${r.urls.authz(c.authz.id)}>;rel="up"`]);
    if (c.challenge.status === "processing") reply.header("retry-after", String(RETRY_AFTER));
    return reply
      .code(200)
      .header("content-type", "application/json")
      .send(Buffer.from(JSON.stringify(challengeJson(r.urls, c.challenge))));
  });
  post("/:ca/cert/:id", async (request, reply, r) => {
    const v = await verifyRequest(deps, r, request.body, r.urls.certificate(id(request)), "kid");
    const pem = await certificateChain(deps, r, v.account!, id(request));
    await common(reply, r);
    return reply.code(200).header("content-type", "application/pem-certificate-chain").send(pem);
  });
  post("/:ca/revoke-cert", async (request, reply, r) => {
    const v = await verifyRequest(deps, r, request.body, r.urls.revokeCert, "either");
    await revokeByAcme(deps, r, v, v.payload);
    await common(reply, r);
    return reply.code(200).send();
  });
}
