/**
 * ACME problem documents (RFC 8555 §6.7, RFC 7807): every error an ACME client sees is one of these, with
 * a type in the urn:ietf:params:acme:error: namespace, one sentence of detail and, for an order or a
 * request about several identifiers, subproblems naming each identifier (§6.7.1).
 */

export const ACME_ERROR_NAMESPACE = "urn:ietf:params:acme:error:";

/** The error types of RFC 8555 §6.7 (plus alreadyReplaced of RFC 9773 §5). */
export type AcmeErrorType =
  | "accountDoesNotExist"
  | "alreadyReplaced"
  | "alreadyRevoked"
  | "badCSR"
  | "badNonce"
  | "badPublicKey"
  | "badRevocationReason"
  | "badSignatureAlgorithm"
  | "caa"
  | "compound"
  | "connection"
  | "dns"
  | "externalAccountRequired"
  | "incorrectResponse"
  | "invalidContact"
  | "malformed"
  | "orderNotReady"
  | "rateLimited"
  | "rejectedIdentifier"
  | "serverInternal"
  | "tls"
  | "unauthorized"
  | "unsupportedContact"
  | "unsupportedIdentifier"
  | "userActionRequired";

/** A problem as JSON (what is stored for a failed challenge or order, and what is sent). */
export interface AcmeProblemJson {
  type: string;
  detail: string;
  status?: number;
  /** §6.7.1: one per identifier that failed, when the request concerned several. */
  subproblems?: AcmeSubproblemJson[];
  /** badSignatureAlgorithm (§6.2): the algorithms the server accepts. */
  algorithms?: string[];
}

/** A subproblem names its identifier (model.ts AcmeIdentifier; structural here to keep the two files acyclic). */
export interface AcmeSubproblemJson {
  type: string;
  detail: string;
  identifier?: { type: string; value: string };
}

/**
 * The HTTP status each type is sent with when the request itself failed. RFC 8555 fixes few of them
 * (badNonce 400 §6.5, orderNotReady 403 §7.4, rateLimited 429 §6.6); the rest follow what the
 * clients in Debian expect (certbot and lego retry on badNonce only when it is 400).
 */
const STATUS: Record<AcmeErrorType, number> = {
  accountDoesNotExist: 400,
  alreadyReplaced: 409,
  alreadyRevoked: 400,
  badCSR: 400,
  badNonce: 400,
  badPublicKey: 400,
  badRevocationReason: 400,
  badSignatureAlgorithm: 400,
  caa: 403,
  compound: 403,
  connection: 400,
  dns: 400,
  externalAccountRequired: 401,
  incorrectResponse: 403,
  invalidContact: 400,
  malformed: 400,
  orderNotReady: 403,
  rateLimited: 429,
  rejectedIdentifier: 400,
  serverInternal: 500,
  tls: 400,
  unauthorized: 403,
  unsupportedContact: 400,
  unsupportedIdentifier: 400,
  userActionRequired: 403,
};

/** A request that fails with an ACME problem; the web adapter renders it as application/problem+json. */
export class AcmeProblem extends Error {
  readonly status: number;
  constructor(
    readonly acmeType: AcmeErrorType,
    detail: string,
    readonly extra: { status?: number; subproblems?: AcmeSubproblemJson[]; algorithms?: string[] } = {},
  ) {
    super(detail);
    this.name = "AcmeProblem";
    this.status = extra.status ?? STATUS[acmeType];
  }

  toJSON(): AcmeProblemJson {
    return {
      type: ACME_ERROR_NAMESPACE + this.acmeType,
      detail: this.message,
      status: this.status,
      ...(this.extra.subproblems?.length ? { subproblems: this.extra.subproblems } : {}),
      ...(this.extra.algorithms ? { algorithms: this.extra.algorithms } : {}),
    };
  }
}

export const isAcmeProblem = (e: unknown): e is AcmeProblem => e instanceof AcmeProblem;

/** A subproblem for one identifier (§6.7.1). */
export function subproblem(type: AcmeErrorType, detail: string, identifier?: { type: string; value: string }): AcmeSubproblemJson {
  return { type: ACME_ERROR_NAMESPACE + type, detail, ...(identifier ? { identifier } : {}) };
}
