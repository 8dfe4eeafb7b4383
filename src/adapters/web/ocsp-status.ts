/**
 * The OCSP surface's one error table: error kind → OCSPResponseStatus (RFC 6960 §4.2.1, §2.3). OCSP answers
 * every request with an OCSP response, never an HTTP error (clients read the OCSP status, and many do not
 * read a body of another HTTP status), so an error of any kind becomes one of the unsigned error statuses:
 *
 *   malformedRequest  the request is not a valid OCSP request (the client's fault, don't retry as is)
 *   unauthorized      the responder may not answer this client or for this CA (§2.3)
 *   tryLater          the responder cannot answer now (the database is down or slow)
 *   internalError     anything else: a bug or an inconsistent state on our side
 *
 * The responder itself (core/revocation/ocsp-responder.ts) decides these statuses for what it sees while
 * answering; this table maps errors that reach the OCSP routes from outside it (Fastify's, a thrown
 * TscaError).
 */
import type { ErrorKind } from "../../core/errors.js";
import type { OcspErrorStatus } from "../../core/revocation/ocsp-response.js";

/** OCSP status per kind; a Record, so a new kind does not compile until it has a row here. */
export const OCSP_STATUS: Readonly<Record<ErrorKind, OcspErrorStatus>> = {
  usage: "malformedRequest",
  invalid: "malformedRequest",
  // A body too large or of another media type is still a request the responder cannot parse.
  "too-large": "malformedRequest",
  "unsupported-media-type": "malformedRequest",
  unauthenticated: "unauthorized",
  forbidden: "unauthorized",
  // §2.3: "tryLater" tells the client to come back; a rate limit asks exactly that.
  "rate-limited": "tryLater",
  unavailable: "tryLater",
  // As the responder answers for a CA it does not know: it cannot respond authoritatively for it (§2.3).
  "not-found": "unauthorized",
  conflict: "internalError",
  internal: "internalError",
};

export function ocspStatusOf(kind: ErrorKind): OcspErrorStatus {
  return OCSP_STATUS[kind];
}
