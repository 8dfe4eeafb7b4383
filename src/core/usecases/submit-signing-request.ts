/**
 * submit_request: record a signing request for the worker on the key host (DESIGN.md "Who signs, where").
 * Everything that can be checked without the CA key is checked now, so a surface answers a bad request at
 * once: the CSR parses and proves possession of its key (RFC 2986 §3), the subject, names and profile are
 * valid, the CA exists and the actor may sign with it. Lint and name constraints need the prepared issuer
 * and run in the worker, which records a refusal as the request's outcome.
 */
import type { CaRepository } from "../ports/ca-repository.js";
import { actorLabel } from "../access/actor.js";
import type { UseCaseContext } from "../access/context.js";
import { auditEvent, guardChange } from "../access/guard.js";
import { findCa } from "../ca/find-ca.js";
import type { Profiles } from "../issuance/profiles.js";
import type { SigningRequestParameters } from "../ports/signing-requests.js";
import type { TransactionPorts, UnitOfWork } from "../ports/unit-of-work.js";
import { parseGeneralName } from "../x509/general-name.js";
import { parseName } from "../x509/name.js";
import { parseWatcher } from "./cert-watchers.js";
import { readCsr } from "./sign-cert.js";

export interface SubmitSigningRequestDeps {
  cas: CaRepository;
  uow: UnitOfWork;
  profiles: Profiles;
}

export interface SubmitSigningRequest {
  /** The CA: serial prefix or name. */
  ca: string;
  csr: Buffer;
  parameters: SigningRequestParameters;
}

export interface SubmittedSigningRequest {
  id: string;
  caSerial: string;
}

/** Check a request's parameters as the worker will read them; throws the same errors sign_cert would. */
export function checkSigningParameters(p: SigningRequestParameters, profiles: Profiles): void {
  if (p.subject !== undefined) parseName(p.subject);
  for (const san of p.sans) parseGeneralName(san);
  profiles.get(p.profile);
  for (const w of p.watchers) parseWatcher(w);
}

/** A checked request, ready to be recorded in a transaction of the caller's (ACME finalize records it with the order's change). */
export interface PreparedSigningRequest extends SubmittedSigningRequest {
  record(tx: TransactionPorts, now: Date): Promise<void>;
}

/** Every check of submit_request; writes nothing. */
export async function prepareSigningRequest(
  ctx: UseCaseContext,
  deps: Pick<SubmitSigningRequestDeps, "cas" | "profiles">,
  req: SubmitSigningRequest,
): Promise<PreparedSigningRequest> {
  readCsr(req.csr);
  checkSigningParameters(req.parameters, deps.profiles);
  const ca = await findCa(deps.cas, req.ca);
  const id = ctx.random.bytes(16).toString("hex");
  await guardChange(ctx, "sign", ca, "request.submit", `request:${id}`);
  return {
    id,
    caSerial: ca.serial,
    record: async (tx, now) => {
      await tx.signingRequests.insert(
        { id, caSerial: ca.serial, csr: req.csr, parameters: req.parameters, requestedBy: actorLabel(ctx.actor), requestId: ctx.requestId },
        now,
      );
      await tx.audit.append(
        auditEvent(ctx, "request.submit", `request:${id}`, { ca: ca.serial, profile: req.parameters.profile ?? null }),
        now,
      );
    },
  };
}

export async function submitSigningRequest(
  ctx: UseCaseContext,
  deps: SubmitSigningRequestDeps,
  req: SubmitSigningRequest,
): Promise<SubmittedSigningRequest> {
  const prepared = await prepareSigningRequest(ctx, deps, req);
  const now = ctx.clock.now();
  await deps.uow.run((tx) => prepared.record(tx, now));
  return { id: prepared.id, caSerial: prepared.caSerial };
}
