/**
 * The status of orders and authorizations as RFC 8555 §7.1.6 defines their state machines, computed from
 * what is stored plus the clock and the outcome of the finalize signing request, so that every host and
 * every read (GET order, POST-as-GET authz, the orders list) reports the same thing without a sweeper:
 *
 *   order:  pending → ready → processing → valid;  any of them → invalid
 *   authz:  pending → valid | invalid;  pending, valid → expired | deactivated | revoked
 */
import { ERROR_CODES, type ErrorCode } from "../errors.js";
import type { AcmeAuthorization, AcmeAuthorizationStatus, AcmeChallenge, AcmeOrder, AcmeOrderStatus } from "./model.js";
import { ACME_ERROR_NAMESPACE, subproblem, type AcmeProblemJson } from "./problem.js";
import type { SigningRequestStatus } from "../ports/signing-requests.js";

/** The part of the finalize signing request the order's status depends on. */
export interface OrderRequestOutcome {
  status: SigningRequestStatus;
  errorCode: string | null;
  errorMessage: string | null;
  certificateSerial: string | null;
}

export interface OrderStatus {
  status: AcmeOrderStatus;
  error?: AcmeProblemJson;
  /** The issued certificate's serial, once valid. */
  certificateSerial?: string;
}

/** Authorization states an order cannot recover from (§7.1.6: "If any of the authorizations ... is invalid"). */
const DEAD_AUTHZ: readonly AcmeAuthorizationStatus[] = ["invalid", "deactivated", "expired", "revoked"];

/**
 * An authorization's status now (§7.1.6, §7.1.4): a failed challenge makes it invalid, a successful one
 * valid; pending and valid authorizations expire at `expires`; deactivated, revoked, invalid and expired
 * are final. Only one challenge is tried per authorization by well-behaved clients, but should one be
 * invalid and another valid, invalid wins (the server told the client it failed).
 */
export function authorizationStatusFrom(authz: AcmeAuthorization, challenges: AcmeChallenge[], now: Date): AcmeAuthorizationStatus {
  if (authz.status !== "pending" && authz.status !== "valid") return authz.status;
  if (authz.status === "pending" && challenges.some((c) => c.status === "invalid")) return "invalid";
  if (now.getTime() >= authz.expires.getTime()) return "expired";
  if (authz.status === "valid" || challenges.some((c) => c.status === "valid")) return "valid";
  return "pending";
}

/**
 * Whether a failed signing request was the request's own fault (a CSR or a name the CA will not sign:
 * badCSR, RFC 8555 §7.4) or the server's (a missing key, a configuration error, an outage:
 * serverInternal, §6.7). The codes of the worker's own troubles are the ones it retries
 * (process-signing-requests.ts): keys, unavailable, internal; a profile or CA configuration problem is
 * the operator's, not the client's.
 */
function requestFaultType(code: string | null): "badCSR" | "serverInternal" {
  if (!code || !(code in ERROR_CODES)) return "serverInternal";
  const kind = ERROR_CODES[code as ErrorCode].kind;
  if (code.startsWith("ERR_KEY_") || code === "ERR_PROFILE" || code === "ERR_CONFIG") return "serverInternal";
  // Name constraints refuse a name of the order, not the server's state (its kind is "forbidden" for the CLI's sake).
  return kind === "invalid" || kind === "usage" || code === "ERR_NAME_CONSTRAINTS" ? "badCSR" : "serverInternal";
}

function problem(
  type: "badCSR" | "serverInternal" | "unauthorized",
  detail: string,
  extra: Partial<AcmeProblemJson> = {},
): AcmeProblemJson {
  return {
    type: ACME_ERROR_NAMESPACE + type,
    detail,
    status: type === "serverInternal" ? 500 : type === "unauthorized" ? 403 : 400,
    ...extra,
  };
}

/**
 * The order's status now. `authzs` are the order's authorizations with their current status
 * (authorizationStatusFrom); `request` is the finalize signing request, once there is one.
 *
 * - valid and invalid are final (§7.1.6);
 * - a finalize request decides processing / valid / invalid: issued → valid; failed → invalid with
 *   badCSR for the request's own fault, serverInternal for the server's, carrying the request's sentence;
 * - an order not finalized by `expires` is invalid; so is one with an authorization that can no longer
 *   become valid (§7.1.6), the error naming each such identifier (§6.7.1 subproblems);
 * - all authorizations valid → ready, else pending.
 */
export function orderStatusFrom(order: AcmeOrder, authzs: AcmeAuthorization[], now: Date, request?: OrderRequestOutcome): OrderStatus {
  if (order.status === "valid")
    return { status: "valid", ...(order.certificateSerial ? { certificateSerial: order.certificateSerial } : {}) };
  if (order.status === "invalid") return { status: "invalid", ...(order.error ? { error: order.error } : {}) };
  if (request) {
    if (request.status === "issued" && request.certificateSerial) return { status: "valid", certificateSerial: request.certificateSerial };
    if (request.status === "failed") {
      const type = requestFaultType(request.errorCode);
      const detail =
        type === "badCSR"
          ? (request.errorMessage ?? "The CA refused to sign the CSR.")
          : "The certificate could not be issued because of a problem on the server; try a new order later.";
      return { status: "invalid", error: problem(type, detail) };
    }
    return { status: "processing" };
  }
  if (order.status === "processing") return { status: "processing" };
  if (now.getTime() >= order.expires.getTime())
    return { status: "invalid", error: problem("unauthorized", "The order expired before it was finalized.") };
  const dead = authzs.filter((a) => DEAD_AUTHZ.includes(a.status));
  if (dead.length) {
    const name = (a: AcmeAuthorization): string => (a.wildcard ? "*." : "") + a.identifier.value;
    return {
      status: "invalid",
      error: problem(
        "unauthorized",
        dead.length === 1
          ? `The authorization for ${name(dead[0]!)} is ${dead[0]!.status}.`
          : `The authorizations for ${dead.map(name).join(", ")} are no longer valid.`,
        { subproblems: dead.map((a) => subproblem("unauthorized", `The authorization is ${a.status}.`, a.identifier)) },
      ),
    };
  }
  if (authzs.length > 0 && authzs.every((a) => a.status === "valid")) return { status: "ready" };
  return { status: "pending" };
}
