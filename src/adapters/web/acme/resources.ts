/**
 * The JSON of ACME resources (RFC 8555 §7.1.2–§7.1.5): what a client reads after every request. Times
 * are RFC 3339 (§7.1); URLs are the CA's (urls.ts).
 */
import type { AcmeAccount, AcmeAuthorization, AcmeChallenge, AcmeOrder } from "../../../core/acme/model.js";
import type { AcmeUrls } from "../../../core/usecases/acme/urls.js";

export const accountJson = (urls: AcmeUrls, a: AcmeAccount): Record<string, unknown> => ({
  status: a.status,
  contact: a.contact,
  termsOfServiceAgreed: a.termsOfServiceAgreed,
  orders: urls.orders(a.id),
});

export const orderJson = (urls: AcmeUrls, o: AcmeOrder, authzs: AcmeAuthorization[]): Record<string, unknown> => ({
  status: o.status,
  expires: o.expires.toISOString(),
  identifiers: o.identifiers,
  ...(o.notBefore ? { notBefore: o.notBefore.toISOString() } : {}),
  ...(o.notAfter ? { notAfter: o.notAfter.toISOString() } : {}),
  ...(o.error ? { error: o.error } : {}),
  authorizations: authzs.map((a) => urls.authz(a.id)),
  finalize: urls.finalize(o.id),
  ...(o.status === "valid" ? { certificate: urls.certificate(o.id) } : {}),
  ...(o.replaces ? { replaces: o.replaces } : {}),
});

export const challengeJson = (urls: AcmeUrls, c: AcmeChallenge): Record<string, unknown> => ({
  type: c.type,
  url: urls.challenge(c.id),
  status: c.status,
  token: c.token,
  ...(c.validated ? { validated: c.validated.toISOString() } : {}),
  ...(c.error ? { error: c.error } : {}),
});

export const authorizationJson = (urls: AcmeUrls, a: AcmeAuthorization, challenges: AcmeChallenge[]): Record<string, unknown> => ({
  identifier: a.identifier,
  status: a.status,
  expires: a.expires.toISOString(),
  // §7.1.4: a valid or invalid authorization lists the challenge that decided it; a pending one every challenge.
  challenges: (a.status === "valid" || a.status === "invalid" ? challenges.filter((c) => c.status === a.status) : challenges).map((c) =>
    challengeJson(urls, c),
  ),
  ...(a.wildcard ? { wildcard: true } : {}),
});
