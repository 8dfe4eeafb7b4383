/**
 * resign_cert through the signing queue, for a host without the CA key (`POST
 * /api/v1/certificates/{serial}/resign`, the web admin): records a signing request whose CSR is the old
 * certificate's stored one and whose parameters name the certificate it renews (`resigns`). The worker on
 * the key host signs it with exactly what resign_cert does (issueRenewal: same subject, SANs, profile and
 * carried-over extensions). What can be checked without the key is checked now, as resign_cert would: the
 * certificate exists and has a stored CSR that still proves possession of its key (RFC 2986 §3), its
 * profile is defined, and the actor may sign with its CA.
 */
import { actorLabel } from "../access/actor.js";
import type { UseCaseContext } from "../access/context.js";
import { auditEvent, guardChange } from "../access/guard.js";
import { findCa } from "../ca/find-ca.js";
import { findCertificate } from "../certificates/find-certificate.js";
import type { CertificateRepository } from "../ports/certificate-repository.js";
import type { SigningRequestParameters } from "../ports/signing-requests.js";
import { storedCsr } from "./resign-cert.js";
import { readCsr } from "./sign-cert.js";
import type { SubmitSigningRequestDeps, SubmittedSigningRequest } from "./submit-signing-request.js";

export interface SubmitResignRequest {
  /** The certificate to renew: a unique serial prefix (colons and case ignored) or its exact common name. */
  cert: string;
  expiresDays?: number;
}

export async function submitResignRequest(
  ctx: UseCaseContext,
  deps: SubmitSigningRequestDeps & { certs: CertificateRepository },
  req: SubmitResignRequest,
): Promise<SubmittedSigningRequest> {
  const old = await findCertificate(deps.certs, req.cert);
  const csr = storedCsr(old);
  readCsr(csr);
  deps.profiles.get(old.profile ?? undefined);
  const ca = await findCa(deps.cas, old.caSerial);
  const id = ctx.random.bytes(16).toString("hex");
  await guardChange(ctx, "sign", ca, "request.submit", `request:${id}`);
  const parameters: SigningRequestParameters = {
    sans: [],
    ...(old.profile !== null ? { profile: old.profile } : {}),
    ...(req.expiresDays !== undefined ? { expiresDays: req.expiresDays } : {}),
    watchers: old.watchers,
    resigns: old.serial,
  };
  const now = ctx.clock.now();
  await deps.uow.run(async (tx) => {
    await tx.signingRequests.insert(
      { id, caSerial: ca.serial, csr, parameters, requestedBy: actorLabel(ctx.actor), requestId: ctx.requestId },
      now,
    );
    await tx.audit.append(
      auditEvent(ctx, "request.submit", `request:${id}`, { ca: ca.serial, profile: parameters.profile ?? null, resigns: old.serial }),
      now,
    );
  });
  return { id, caSerial: ca.serial };
}
