/**
 * Authorization reads and deactivation (RFC 8555 §7.5, §7.5.2): POST-as-GET returns the authorization
 * with its current status; {"status": "deactivated"} deactivates a pending or valid one for good.
 */
import type { AcmeAccount } from "../../acme/model.js";
import { AcmeProblem } from "../../acme/problem.js";
import type { AcmeDeps } from "./deps.js";
import { refreshAuthorization } from "./order-state.js";
import type { AcmeAuthorization, AcmeChallenge } from "../../acme/model.js";

export interface AuthorizationView {
  authz: AcmeAuthorization;
  challenges: AcmeChallenge[];
}

export async function authorizationOfAccount(
  deps: AcmeDeps,
  account: AcmeAccount,
  id: string,
  payload: unknown,
): Promise<AuthorizationView> {
  const stored = await deps.acme.getAuthorization(id);
  if (!stored || stored.accountId !== account.id)
    throw new AcmeProblem("malformed", "No such authorization for this account.", { status: 404 });
  const challenges = await deps.acme.challengesOfAuthorization(id);
  let authz = await refreshAuthorization(deps, stored, challenges);
  if (payload !== undefined) {
    const status = (payload as { status?: unknown } | null)?.status;
    if (status !== undefined) {
      if (status !== "deactivated") throw new AcmeProblem("malformed", 'An authorization\'s status can only be changed to "deactivated".');
      const now = deps.clock.now();
      if (!(await deps.uow.run((tx) => tx.acme.updateAuthorization(id, ["pending", "valid"], "deactivated", now))))
        throw new AcmeProblem("malformed", `The authorization is ${authz.status} and cannot be deactivated.`);
      authz = { ...authz, status: "deactivated", updatedAt: now };
    }
  }
  return { authz, challenges };
}
