/**
 * Account update and deactivation (RFC 8555 §7.3.2, §7.3.6). A POST with an empty object (or POST-as-GET)
 * only reads; "contact" replaces the list; status "deactivated" deactivates the account for good, its
 * pending orders become invalid and its authorizations deactivated.
 */
import { auditEvent } from "../../access/guard.js";
import { parseContacts } from "../../acme/contact.js";
import type { AcmeAccount } from "../../acme/model.js";
import { AcmeProblem } from "../../acme/problem.js";
import { acmeContext, type AcmeDeps, type AcmeRequest } from "./deps.js";

export async function updateAccount(deps: AcmeDeps, r: AcmeRequest, account: AcmeAccount, payload: unknown): Promise<AcmeAccount> {
  if (payload === undefined) return account;
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    throw new AcmeProblem("malformed", "The request payload must be a JSON object.");
  const p = payload as Record<string, unknown>;
  const ctx = acmeContext(deps, r, r.urls.account(account.id));
  const now = deps.clock.now();
  if (p["status"] !== undefined) {
    if (p["status"] !== "deactivated") throw new AcmeProblem("malformed", 'An account\'s status can only be changed to "deactivated".');
    await deps.uow.run(async (tx) => {
      await tx.acme.updateAccount(account.id, { status: "deactivated" }, now);
      await tx.acme.deactivateAccountResources(account.id, now);
      await tx.audit.append(auditEvent(ctx, "account.deactivate", `acme-account:${account.id}`, { ca: r.ca.serial }), now);
    });
    return { ...account, status: "deactivated", updatedAt: now };
  }
  if (p["contact"] === undefined) return account;
  const contact = parseContacts(p["contact"], r.ca.acme?.requiresContact ?? false);
  await deps.uow.run(async (tx) => {
    await tx.acme.updateAccount(account.id, { contact }, now);
    await tx.audit.append(auditEvent(ctx, "account.update", `acme-account:${account.id}`, { ca: r.ca.serial, contact }), now);
  });
  return { ...account, contact, updatedAt: now };
}
