/**
 * The current state of an order and its authorizations (RFC 8555 §7.1.6), computed by the pure state
 * machines of core/acme/order-status.ts from what is stored, the clock and the finalize signing request,
 * and written back when it moved on (conditional updates: two hosts reading at once write it once).
 * Every read of an order or authorization goes through here, so no sweeper is needed.
 */
import type { AcmeAuthorization, AcmeChallenge, AcmeOrder } from "../../acme/model.js";
import { authorizationStatusFrom, orderStatusFrom } from "../../acme/order-status.js";
import type { AcmeDeps } from "./deps.js";

export interface OrderState {
  order: AcmeOrder;
  authorizations: AcmeAuthorization[];
  challenges: AcmeChallenge[];
}

/** An authorization's status now, written back when it changed. */
export async function refreshAuthorization(
  deps: AcmeDeps,
  authz: AcmeAuthorization,
  challenges: AcmeChallenge[],
): Promise<AcmeAuthorization> {
  const now = deps.clock.now();
  const status = authorizationStatusFrom(authz, challenges, now);
  if (status === authz.status) return authz;
  await deps.uow.run((tx) => tx.acme.updateAuthorization(authz.id, [authz.status], status, now));
  return { ...authz, status, updatedAt: now };
}

export async function orderState(deps: AcmeDeps, stored: AcmeOrder): Promise<OrderState> {
  const now = deps.clock.now();
  const challenges = await deps.acme.challengesOfOrder(stored.id);
  const authorizations = await Promise.all(
    (await deps.acme.authorizationsOfOrder(stored.id)).map((a) =>
      refreshAuthorization(
        deps,
        a,
        challenges.filter((c) => c.authzId === a.id),
      ),
    ),
  );
  const request = stored.signingRequestId ? await deps.signingRequests.get(stored.signingRequestId) : undefined;
  const s = orderStatusFrom(stored, authorizations, now, request);
  let order = stored;
  if (s.status !== stored.status || (s.certificateSerial && s.certificateSerial !== stored.certificateSerial)) {
    const patch = {
      status: s.status,
      ...(s.error ? { error: s.error } : {}),
      ...(s.certificateSerial ? { certificateSerial: s.certificateSerial } : {}),
    };
    await deps.uow.run((tx) => tx.acme.updateOrder(stored.id, [stored.status], patch, now));
    order = { ...stored, ...patch, updatedAt: now };
  }
  return { order, authorizations, challenges };
}
