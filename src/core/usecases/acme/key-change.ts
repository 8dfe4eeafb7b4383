/**
 * Account key rollover (RFC 8555 §7.3.5): the outer JWS is signed by the account's current key, the inner
 * one (its payload) by the new key, with the same url and the payload {account, oldKey}. A new key that
 * already belongs to another account of the CA is refused with a 409 naming that account.
 */
import { auditEvent } from "../../access/guard.js";
import { verifyInnerJws } from "../../acme/jws.js";
import { jwkThumbprint } from "../../acme/key-authorization.js";
import type { AcmeAccount } from "../../acme/model.js";
import { AcmeProblem } from "../../acme/problem.js";
import { isTscaError } from "../../errors.js";
import { acmeContext, type AcmeDeps, type AcmeRequest } from "./deps.js";

export async function changeAccountKey(deps: AcmeDeps, r: AcmeRequest, account: AcmeAccount, payload: unknown): Promise<AcmeAccount> {
  const inner = await verifyInnerJws(payload, r.urls.keyChange);
  const p = inner.payload as Record<string, unknown> | null;
  if (typeof p !== "object" || p === null) throw new AcmeProblem("malformed", "The inner JWS payload must be {account, oldKey}.");
  if (p["account"] !== r.urls.account(account.id)) throw new AcmeProblem("malformed", "The inner JWS names another account.");
  const oldKey = p["oldKey"];
  if (typeof oldKey !== "object" || oldKey === null || jwkThumbprint(oldKey as Record<string, unknown>) !== account.thumbprint)
    throw new AcmeProblem("malformed", 'The inner JWS "oldKey" is not the account\'s current key.');
  const thumbprint = jwkThumbprint(inner.jwk);
  const other = await deps.acme.findAccountByThumbprint(r.ca.serial, thumbprint);
  if (other && other.id !== account.id)
    throw new AcmeProblem("malformed", `The new key belongs to another account: ${r.urls.account(other.id)}.`, { status: 409 });
  const ctx = acmeContext(deps, r, r.urls.account(account.id));
  const now = deps.clock.now();
  try {
    await deps.uow.run(async (tx) => {
      await tx.acme.updateAccount(account.id, { jwk: inner.jwk, thumbprint }, now);
      await tx.audit.append(auditEvent(ctx, "account.key_change", `acme-account:${account.id}`, { ca: r.ca.serial, thumbprint }), now);
    });
  } catch (e) {
    if (isTscaError(e) && e.code === "ERR_ACME_KEY_IN_USE")
      throw new AcmeProblem("malformed", "The new key belongs to another account of this CA.", { status: 409 });
    throw e;
  }
  return { ...account, jwk: inner.jwk, thumbprint, updatedAt: now };
}
