/**
 * newAccount (RFC 8555 §7.3): one account per key and CA. An existing key answers with its account (200)
 * — or, with onlyReturnExisting, accountDoesNotExist when there is none (§7.3.1). A CA that publishes terms
 * of service needs termsOfServiceAgreed; one that requires contacts or External Account Binding (§7.3.4)
 * refuses accounts without them. An EAB key binds exactly one account (bound in the account's transaction).
 */
import { auditEvent } from "../../access/guard.js";
import { parseContacts } from "../../acme/contact.js";
import { verifyEab } from "../../acme/jws.js";
import { jwkThumbprint } from "../../acme/key-authorization.js";
import type { AcmeAccount, PublicJwk } from "../../acme/model.js";
import { AcmeProblem } from "../../acme/problem.js";
import { acmeContext, newAcmeId, type AcmeDeps, type AcmeRequest } from "./deps.js";

const EAB_USED = new Error("EAB key bound already");

export interface NewAccountResult {
  account: AcmeAccount;
  created: boolean;
}

const objectPayload = (p: unknown): Record<string, unknown> => {
  if (typeof p !== "object" || p === null || Array.isArray(p))
    throw new AcmeProblem("malformed", "The request payload must be a JSON object.");
  return p as Record<string, unknown>;
};

export async function newAccount(deps: AcmeDeps, r: AcmeRequest, jwk: PublicJwk, rawPayload: unknown): Promise<NewAccountResult> {
  const payload = objectPayload(rawPayload);
  const thumbprint = jwkThumbprint(jwk);
  const existing = await deps.acme.findAccountByThumbprint(r.ca.serial, thumbprint);
  if (existing) return { account: existing, created: false };
  if (payload["onlyReturnExisting"] === true) throw new AcmeProblem("accountDoesNotExist", "No account exists for this key.");
  const settings = r.ca.acme!;
  if (r.ca.termsOfService && payload["termsOfServiceAgreed"] !== true)
    throw new AcmeProblem("malformed", `The client must agree to the terms of service at ${r.ca.termsOfService} (termsOfServiceAgreed).`);
  const contact = parseContacts(payload["contact"], settings.requiresContact);
  const eab = payload["externalAccountBinding"];
  if (settings.eabRequired && eab === undefined)
    throw new AcmeProblem("externalAccountRequired", "This CA requires an external account binding for new accounts (RFC 8555 §7.3.4).");
  let eabKid: string | null = null;
  if (eab !== undefined)
    eabKid = await verifyEab(
      eab,
      thumbprint,
      r.urls.newAccount,
      async (kid) => {
        const key = await deps.acme.getEabKey(kid);
        return key && key.caSerial === r.ca.serial ? key.key : undefined;
      },
      jwkThumbprint,
    );
  const now = deps.clock.now();
  const account: AcmeAccount = {
    id: newAcmeId(deps.random),
    caSerial: r.ca.serial,
    status: "valid",
    jwk,
    thumbprint,
    contact,
    termsOfServiceAgreed: payload["termsOfServiceAgreed"] === true,
    eabKid,
    createdAt: now,
    updatedAt: now,
  };
  const ctx = acmeContext(deps, r, r.urls.account(account.id));
  // The unit of work reports what went wrong inside it as a database error; a lost EAB binding is
  // signalled by its result instead, and the transaction is rolled back by throwing a marker.
  const bound = await deps.uow
    .run(async (tx) => {
      await tx.acme.insertAccount(account);
      if (eabKid && !(await tx.acme.bindEabKey(eabKid, account.id, now))) throw EAB_USED;
      await tx.audit.append(
        auditEvent(ctx, "account.create", `acme-account:${account.id}`, { ca: r.ca.serial, contact, ...(eabKid ? { eab: eabKid } : {}) }),
        now,
      );
      return true;
    })
    .catch(async (e: unknown) => {
      if (e === EAB_USED || (e as { cause?: unknown }).cause === EAB_USED) return false;
      // The same key registered at once on two hosts: the unique thumbprint lets one insert win (§7.3.1
      // then answers the other with that account).
      const winner = await deps.acme.findAccountByThumbprint(r.ca.serial, thumbprint);
      if (winner) return winner;
      throw e;
    });
  if (typeof bound === "object") return { account: bound, created: false };
  if (!bound) throw new AcmeProblem("unauthorized", "The external account key was used for another account already.");
  return { account, created: true };
}
