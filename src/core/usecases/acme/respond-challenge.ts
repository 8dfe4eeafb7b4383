/**
 * Responding to a challenge (RFC 8555 §7.5.1): the client's POST of {} moves a pending challenge to
 * processing and the server validates in the background (§8.2), then records valid or invalid on the
 * challenge and its authorization. Every step is a conditional update, so when two hosts receive the
 * same POST only one validates, and a second POST while processing just reads the challenge.
 */
import { auditEvent } from "../../access/guard.js";
import { keyAuthorization } from "../../acme/key-authorization.js";
import type { AcmeAccount, AcmeAuthorization, AcmeChallenge } from "../../acme/model.js";
import { AcmeProblem, type AcmeProblemJson } from "../../acme/problem.js";
import { acmeContext, type AcmeDeps, type AcmeRequest } from "./deps.js";
import { refreshAuthorization } from "./order-state.js";

export interface ChallengeView {
  challenge: AcmeChallenge;
  authz: AcmeAuthorization;
}

/** A challenge of the account, with its authorization; malformed 404 for anything else. */
export async function challengeOfAccount(deps: AcmeDeps, account: AcmeAccount, id: string): Promise<ChallengeView> {
  const challenge = await deps.acme.getChallenge(id);
  const authz = challenge ? await deps.acme.getAuthorization(challenge.authzId) : undefined;
  if (!challenge || !authz || authz.accountId !== account.id)
    throw new AcmeProblem("malformed", "No such challenge for this account.", { status: 404 });
  return { challenge, authz };
}

async function validate(deps: AcmeDeps, r: AcmeRequest, account: AcmeAccount, v: ChallengeView): Promise<void> {
  const accountUrl = r.urls.account(account.id);
  let problem: AcmeProblemJson | undefined;
  try {
    const result = await deps.validator.validate({
      type: v.challenge.type,
      identifier: v.authz.identifier,
      wildcard: v.authz.wildcard,
      token: v.challenge.token,
      keyAuthorization: keyAuthorization(v.challenge.token, account.thumbprint),
      caaIdentities: r.ca.caaIdentity ? [r.ca.caaIdentity] : [],
      accountUri: accountUrl,
    });
    if (!result.ok) problem = result.problem;
  } catch {
    problem = new AcmeProblem("serverInternal", "The validation could not be carried out.").toJSON();
  }
  const now = deps.clock.now();
  const ctx = acmeContext(deps, r, accountUrl);
  await deps.uow.run(async (tx) => {
    const won = await tx.acme.updateChallenge(
      v.challenge.id,
      ["processing"],
      problem ? { status: "invalid", error: problem } : { status: "valid", validated: now },
      now,
    );
    if (!won) return;
    await tx.acme.updateAuthorization(v.authz.id, ["pending"], problem ? "invalid" : "valid", now);
    await tx.audit.append(
      auditEvent(
        ctx,
        problem ? "challenge.failed" : "challenge.validated",
        `acme-challenge:${v.challenge.id}`,
        {
          ca: r.ca.serial,
          type: v.challenge.type,
          identifier: `${v.authz.identifier.type}:${v.authz.wildcard ? "*." : ""}${v.authz.identifier.value}`,
          ...(problem ? { problem: problem.type } : {}),
        },
        problem ? "failure" : "success",
      ),
      now,
    );
  });
}

export async function respondChallenge(
  deps: AcmeDeps,
  r: AcmeRequest,
  account: AcmeAccount,
  id: string,
  payload: unknown,
  onDone?: () => void,
): Promise<ChallengeView> {
  const v = await challengeOfAccount(deps, account, id);
  // POST-as-GET reads the challenge (§7.5.1: the response to {} is what starts validation).
  if (payload === undefined) return v;
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    throw new AcmeProblem("malformed", "A challenge response must be the empty JSON object {}.");
  const now0 = deps.clock.now();
  // A host that stopped mid-validation leaves the challenge processing; a client's retry after the stale
  // bound validates again. Should two hosts both do so, the outcome is still recorded once (the
  // processing → valid/invalid update is conditional).
  if (v.challenge.status === "processing" && now0.getTime() - v.challenge.updatedAt.getTime() > deps.staleValidationMs) {
    await deps.uow.run((tx) => tx.acme.updateChallenge(v.challenge.id, ["processing"], { status: "processing" }, now0));
    const restarted: ChallengeView = { challenge: { ...v.challenge, updatedAt: now0 }, authz: v.authz };
    deps.background(() => validate(deps, r, account, restarted).finally(() => onDone?.()));
    return restarted;
  }
  if (v.challenge.status !== "pending") return v;
  const authz = await refreshAuthorization(deps, v.authz, await deps.acme.challengesOfAuthorization(v.authz.id));
  if (authz.status !== "pending")
    throw new AcmeProblem("malformed", `The authorization is ${authz.status}; its challenges can no longer be answered.`);
  const now = deps.clock.now();
  if (!(await deps.uow.run((tx) => tx.acme.updateChallenge(v.challenge.id, ["pending"], { status: "processing" }, now))))
    return challengeOfAccount(deps, account, id);
  const started: ChallengeView = { challenge: { ...v.challenge, status: "processing", updatedAt: now }, authz };
  deps.background(() => validate(deps, r, account, started).finally(() => onDone?.()));
  return started;
}
