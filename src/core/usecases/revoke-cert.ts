/**
 * revoke_cert / unrevoke_cert (RFC 5280 §5.3.1). The compromise time becomes the CRL invalidityDate
 * (§5.3.2), so it must be an unambiguous instant in the past. Only a certificate on hold
 * (certificateHold) can be released; after release it is valid again and delta CRLs list it with
 * removeFromCRL (§5.3.1).
 */
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { TscaError } from "../errors.js";
import type { IssuedCertificate } from "../certificates/certificate.js";
import { findCertificate } from "../certificates/find-certificate.js";
import { formatSerial } from "../issuance/serial.js";
import type { CertificateRepository } from "../ports/certificate-repository.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import type { UseCaseContext } from "../access/context.js";
import { auditEvent, guardChange } from "../access/guard.js";
import { reasonCode, type RevocationReason } from "../revocation/reasons.js";
import type { CaRepository } from "../ports/ca-repository.js";
import { assertCrlReasonAllowed } from "../issuance/lint.js";

/** ISO 8601 with an explicit zone (Z or ±hh:mm), in the past. */
export function parseCompromised(input: string, now: Date): Date {
  const m = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.exec(input.trim());
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(input.trim()))
    throw new TscaError("ERR_TIMESTAMP", `${input}: Not an ISO 8601 timestamp (example: 2026-11-26T12:00:00+01:00).`);
  if (!m) throw new TscaError("ERR_TIMESTAMP", `${input}: Timestamp requires a time zone (Z or +hh:mm).`);
  const d = new Date(input.trim().replace(" ", "T"));
  if (Number.isNaN(d.getTime())) throw new TscaError("ERR_TIMESTAMP", `${input}: Not a valid timestamp.`);
  if (d > now) throw new TscaError("ERR_TIMESTAMP", `${input}: Timestamp must be in the past.`);
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

/** The reasonCode a CRL entry carries for a reason: none for unspecified (RFC 5280 §5.3.1, CA/B BR §7.2.2). */
export const crlReasonCodeOf = (r: RevocationReason): number | null => (r === "unspecified" ? null : reasonCode(r));

/** The revoke and release use cases act on a certificate through its CA's grants. */
async function certificateOfCa(
  ctx: UseCaseContext,
  deps: { certs: CertificateRepository; cas: CaRepository },
  identifier: string,
  action: string,
): Promise<{ cert: IssuedCertificate; ca: CertificateAuthority | undefined }> {
  const cert = await findCertificate(deps.certs, identifier);
  const ca = await deps.cas.get(cert.caSerial);
  await guardChange(ctx, "revoke", { serial: cert.caSerial, ...(ca ? { name: ca.name } : {}) }, action, `cert:${cert.serial}`);
  return { cert, ca };
}

export async function revokeCert(
  ctx: UseCaseContext,
  deps: { certs: CertificateRepository; cas: CaRepository; uow: UnitOfWork },
  req: { cert: string; reason: RevocationReason; compromised?: string },
): Promise<IssuedCertificate> {
  const now = ctx.clock.now();
  const compromisedAt = req.compromised !== undefined ? parseCompromised(req.compromised, now) : null;
  const { cert, ca } = await certificateOfCa(ctx, deps, req.cert, "cert.revoke");
  if (cert.revokedAt) throw new TscaError("ERR_ALREADY_REVOKED", `${formatSerial(cert.serial)}: Certificate is already revoked.`);
  // A CA that follows a CA/B Forum rule set may publish only the reasons its Baseline Requirements allow.
  if (ca) assertCrlReasonAllowed(ca.lintRuleSets ?? [], crlReasonCodeOf(req.reason), "subscriber");
  await deps.uow.run(async (tx) => {
    await tx.certs.revoke(
      cert.serial,
      { revokedAt: new Date(Math.floor(now.getTime() / 1000) * 1000), reason: req.reason, compromisedAt },
      now,
    );
    await tx.audit.append(
      auditEvent(ctx, "cert.revoke", `cert:${cert.serial}`, {
        ca: cert.caSerial,
        reason: req.reason,
        ...(compromisedAt ? { compromised: compromisedAt.toISOString() } : {}),
      }),
      now,
    );
  });
  return (await deps.certs.get(cert.serial))!;
}

export async function unrevokeCert(
  ctx: UseCaseContext,
  deps: { certs: CertificateRepository; cas: CaRepository; uow: UnitOfWork },
  identifier: string,
): Promise<IssuedCertificate> {
  const { cert } = await certificateOfCa(ctx, deps, identifier, "cert.unrevoke");
  if (!cert.revokedAt || cert.revokedReason !== "certificate_hold")
    throw new TscaError(
      "ERR_NOT_ON_HOLD",
      `${formatSerial(cert.serial)}: Only a certificate on hold (revoked with reason certificate_hold) can be released.`,
    );
  const now = ctx.clock.now();
  await deps.uow.run(async (tx) => {
    await tx.certs.unrevoke(cert.serial, now);
    await tx.audit.append(auditEvent(ctx, "cert.unrevoke", `cert:${cert.serial}`, { ca: cert.caSerial }), now);
  });
  return (await deps.certs.get(cert.serial))!;
}
