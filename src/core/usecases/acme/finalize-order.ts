/**
 * Finalizing an order (RFC 8555 §7.4): only a ready order, with a CSR whose names are exactly the order's
 * (core/acme/csr-match.ts). The web host holds no CA key, so the CSR becomes a signing request for the
 * worker on the key host (DESIGN.md "Who signs, where") and the order is processing until that request is
 * issued (valid) or failed (invalid); order-state.ts reads the outcome. ready → processing is a
 * conditional update: of two finalize requests racing, one queues a request, the other is refused.
 */
import { auditEvent } from "../../access/guard.js";
import { checkFinalizeCsr } from "../../acme/csr-match.js";
import type { AcmeAccount, AcmeOrder } from "../../acme/model.js";
import { AcmeProblem } from "../../acme/problem.js";
import { isTscaError } from "../../errors.js";
import { prepareSigningRequest, type PreparedSigningRequest } from "../submit-signing-request.js";
import { acmeContext, type AcmeDeps, type AcmeRequest } from "./deps.js";
import { orderState, type OrderState } from "./order-state.js";

const DAY_MS = 86_400_000;

/** The order, if it is one of the account's; malformed 404 otherwise. */
export async function orderOfAccount(deps: AcmeDeps, account: AcmeAccount, id: string): Promise<AcmeOrder> {
  const order = await deps.acme.getOrder(id);
  if (!order || order.accountId !== account.id) throw new AcmeProblem("malformed", "No such order for this account.", { status: 404 });
  return order;
}

function csrOf(payload: unknown): Buffer {
  const csr = (payload as { csr?: unknown } | undefined)?.csr;
  if (typeof csr !== "string" || !/^[A-Za-z0-9_-]+$/.test(csr))
    throw new AcmeProblem("malformed", 'The finalize payload must carry "csr", a base64url-encoded DER CSR (§7.4).');
  return Buffer.from(csr, "base64url");
}

export async function finalizeOrder(
  deps: AcmeDeps,
  r: AcmeRequest,
  account: AcmeAccount,
  id: string,
  payload: unknown,
): Promise<OrderState> {
  const state = await orderState(deps, await orderOfAccount(deps, account, id));
  if (state.order.status !== "ready")
    throw new AcmeProblem(
      "orderNotReady",
      `The order is ${state.order.status}, not ready; it can be finalized once all its authorizations are valid.`,
    );
  const csr = csrOf(payload);
  checkFinalizeCsr(csr, state.order);
  const ctx = acmeContext(deps, r, r.urls.account(account.id));
  const o = state.order;
  const profile = r.ca.acme?.profile ?? r.ca.defaultProfile ?? undefined;
  const now = deps.clock.now();
  const expiresDays = o.notAfter ? Math.max(1, Math.floor((o.notAfter.getTime() - now.getTime()) / DAY_MS)) : undefined;
  let prepared: PreparedSigningRequest;
  try {
    prepared = await prepareSigningRequest(
      ctx,
      { cas: deps.cas, profiles: deps.profiles },
      {
        ca: r.ca.serial,
        csr,
        parameters: {
          sans: o.identifiers.map((i) => `${i.type === "ip" ? "IP" : "DNS"}:${i.value}`),
          ...(profile ? { profile } : {}),
          ...(expiresDays !== undefined ? { expiresDays } : {}),
          watchers: [],
        },
      },
    );
  } catch (e) {
    // An outage (database busy or unreachable) is not the order's fault: it stays ready for a retry.
    if (isTscaError(e) && e.kind === "unavailable") throw e;
    const problem = isTscaError(e)
      ? new AcmeProblem(e.kind === "invalid" || e.kind === "usage" ? "badCSR" : "serverInternal", e.message)
      : new AcmeProblem("serverInternal", "The certificate request could not be queued.");
    await deps.uow.run((tx) => tx.acme.updateOrder(id, ["ready"], { status: "invalid", error: problem.toJSON() }, deps.clock.now()));
    throw problem;
  }
  // One transaction: ready → processing (conditional, so of two finalize requests racing one wins), the
  // signing request and the link to it, so no order is ever left processing without its request. A
  // failure (an outage) rolls it all back and the order stays ready for the client's retry.
  const requestId = prepared.id;
  const won = await deps.uow.run(async (tx) => {
    if (!(await tx.acme.updateOrder(id, ["ready"], { status: "processing", signingRequestId: requestId }, now))) return false;
    await prepared.record(tx, now);
    await tx.audit.append(auditEvent(ctx, "order.finalize", `acme-order:${id}`, { ca: r.ca.serial, request: requestId }), now);
    return true;
  });
  if (!won) throw new AcmeProblem("orderNotReady", "The order is being finalized by another request.");
  deps.submitted?.();
  return orderState(deps, { ...o, status: "processing", signingRequestId: requestId, updatedAt: now });
}
