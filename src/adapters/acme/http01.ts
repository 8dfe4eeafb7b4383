/**
 * http-01 (RFC 8555 §8.3): GET http://NAME/.well-known/acme-challenge/TOKEN must answer 200 with the key
 * authorization. For an "ip" identifier NAME is the address, in brackets for IPv6 (RFC 8738 §3).
 *
 * node:http/node:https directly (not fetch): every hop connects to an address the policy has just checked
 * and sends the name in Host (and SNI for https), which fetch cannot pin. Bounds: the validation's
 * deadline (AbortSignal), at most 10 redirects, at most 8 KiB of body.
 *
 * Redirects (§8.3 "the server SHOULD follow redirects"; §10.2 asks to limit where): only to http on port
 * 80 or TSCA_ACME_HTTP01_PORT, or https on 443 or TSCA_ACME_TLSALPN01_PORT. A redirect to https does not
 * check the certificate — the point of the challenge is that the name has no trusted certificate yet —
 * but a TLS handshake that fails is a "tls" problem.
 */
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { ChallengeValidation } from "../../core/ports/acme-validator.js";
import { reachableAddresses, timedOut, type ValidationContext } from "./context.js";
import { ChallengeFailure, excerpt } from "./failure.js";

export const MAX_REDIRECTS = 10;
export const MAX_BODY_BYTES = 8 * 1024;

const REDIRECT = new Set([301, 302, 303, 307, 308]);

interface HttpAnswer {
  status: number;
  location: string | undefined;
  body: Buffer;
  tooLong: boolean;
}

/** The URL host part of an identifier: a name, an IPv4 address, or [IPv6]. */
const urlHost = (value: string): string => (isIP(value) === 6 ? `[${value}]` : value);

/** The host of a URL as a name or bare address (URL keeps IPv6 in brackets). */
const bareHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, "$1");

const defaultPort = (url: URL): number => (url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80);

function isTlsError(e: NodeJS.ErrnoException): boolean {
  return e.code === "EPROTO" || /^ERR_SSL_|^ERR_TLS_/.test(e.code ?? "") || /SSL|TLS|handshake/i.test(e.message);
}

/** One GET to one address. Throws the node error as is; the caller turns it into a problem. */
function getOnce(address: string, url: URL, signal: AbortSignal): Promise<HttpAnswer> {
  const secure = url.protocol === "https:";
  const host = bareHost(url);
  return new Promise<HttpAnswer>((resolve, reject) => {
    const options: https.RequestOptions = {
      host: address,
      port: defaultPort(url),
      path: url.pathname + url.search,
      method: "GET",
      // url.host leaves the port out when it is the scheme's default (RFC 9110 §7.2).
      headers: { Host: url.host, "User-Agent": "tsca ACME validator", Accept: "*/*", Connection: "close" },
      agent: false,
      signal,
    };
    if (secure) {
      options.rejectUnauthorized = false;
      // SNI carries names only (RFC 6066 §3), never an address.
      if (!isIP(host)) options.servername = host;
    }
    const req = (secure ? https : http).request(options, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status !== 200) {
        res.destroy();
        resolve({ status, location, body: Buffer.alloc(0), tooLong: false });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          res.destroy();
          resolve({ status, location, body: Buffer.alloc(0), tooLong: true });
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => resolve({ status, location, body: Buffer.concat(chunks), tooLong: false }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** GET from the first reachable address of the URL's host; a connection failure tries the next address. */
async function get(ctx: ValidationContext, url: URL): Promise<HttpAnswer> {
  const host = bareHost(url);
  const addresses = await reachableAddresses(ctx, host);
  let first: ChallengeFailure | undefined;
  for (const address of addresses) {
    try {
      return await getOnce(address, url, ctx.signal);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const at = address === host ? "" : ` (${address})`;
      if (ctx.signal.aborted) throw new ChallengeFailure("connection", `Fetching ${url.href}${at} failed: ${timedOut(ctx)}.`);
      if (/^HPE_/.test(err.code ?? ""))
        throw new ChallengeFailure("incorrectResponse", `${url.href}${at} did not send a valid HTTP response.`);
      const failure =
        url.protocol === "https:" && isTlsError(err)
          ? new ChallengeFailure("tls", `The TLS handshake with ${url.href}${at} failed: ${err.message}.`)
          : new ChallengeFailure("connection", `Fetching ${url.href}${at} failed: ${err.code ?? err.message}.`);
      first ??= failure;
    }
  }
  throw first!;
}

/** §8.3 and §10.2: where a redirect may lead. */
function checkRedirect(ctx: ValidationContext, from: URL, location: string): URL {
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new ChallengeFailure("incorrectResponse", `${from.href} redirected to ${excerpt(location)}, which is not a URL.`);
  }
  const port = defaultPort(to);
  const ok =
    (to.protocol === "http:" && (port === 80 || port === ctx.http01Port)) ||
    (to.protocol === "https:" && (port === 443 || port === ctx.tlsAlpn01Port));
  if (!ok) {
    const allowed = `http on port ${[...new Set([80, ctx.http01Port])].join(" or ")} or https on port ${[...new Set([443, ctx.tlsAlpn01Port])].join(" or ")}`;
    throw new ChallengeFailure("connection", `${from.href} redirected to ${to.href}, but redirects may only lead to ${allowed}.`);
  }
  to.hash = "";
  return to;
}

export async function validateHttp01(ctx: ValidationContext, v: ChallengeValidation): Promise<void> {
  let url = new URL(`http://${urlHost(v.identifier.value)}:${ctx.http01Port}/.well-known/acme-challenge/${v.token}`);
  for (let hop = 0; ; hop++) {
    const answer = await get(ctx, url);
    if (REDIRECT.has(answer.status) && answer.location !== undefined) {
      if (hop === MAX_REDIRECTS) throw new ChallengeFailure("connection", `${url.href} led to more than ${MAX_REDIRECTS} redirects.`);
      url = checkRedirect(ctx, url, answer.location);
      continue;
    }
    if (answer.status !== 200) throw new ChallengeFailure("incorrectResponse", `${url.href} answered HTTP ${answer.status}, not 200.`);
    if (answer.tooLong)
      throw new ChallengeFailure("incorrectResponse", `The response from ${url.href} is longer than ${MAX_BODY_BYTES} bytes.`);
    // §8.3: "The server SHOULD ignore whitespace characters at the end of the body."
    const body = answer.body.toString("utf8").replace(/\s+$/, "");
    if (body !== v.keyAuthorization)
      throw new ChallengeFailure(
        "incorrectResponse",
        `The response from ${url.href} is not the key authorization (it begins ${excerpt(body)}).`,
      );
    return;
  }
}
