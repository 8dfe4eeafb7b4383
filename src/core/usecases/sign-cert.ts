/**
 * sign_cert: sign a CSR with a CA. The CSR proves possession of its key; subject and SANs come from the
 * command line, else from the CSR; the profile decides key usages; the CA's URLs are added; name
 * constraints and lint are enforced before the signature; the certificate is stored in one insert.
 */
import type { IssuedCertificate } from "../certificates/certificate.js";
import { caSnapshot } from "../ca/ca-snapshot.js";
import { findCa } from "../ca/find-ca.js";
import { checkCsr } from "../issuance/check-csr.js";
import type { ExtensionOverrides } from "../issuance/end-entity-extensions.js";
import { issueCertificate } from "../issuance/issue-certificate.js";
import { defaultCa, prepareIssuer, type PreparedIssuer } from "../issuance/issuer.js";
import type { Profiles } from "../issuance/profiles.js";
import { newSerial } from "../issuance/serial.js";
import type { CertificateRepository } from "../ports/certificate-repository.js";
import { parseCsr, type ParsedCsr } from "../x509/csr.js";
import { subjectAltName } from "../x509/extensions/alternative-names.js";
import { findExtension } from "../x509/extensions/registry.js";
import type { GeneralName } from "../x509/general-name.js";
import type { Name } from "../x509/name.js";
import type { CaDeps } from "./deps.js";
import type { Defaults } from "./defaults.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import type { UseCaseContext } from "../access/context.js";
import { auditEvent, guardChange } from "../access/guard.js";

export interface SignCertDeps extends CaDeps {
  certs: CertificateRepository;
  profiles: Profiles;
  defaults: Pick<Defaults, "ca" | "certExpiresDays">;
  uow: UnitOfWork;
}

export interface SignCertRequest {
  csr: Buffer;
  ca?: string;
  password?: string;
  subject?: Name;
  sans: GeneralName[];
  profile?: string;
  expiresDays?: number;
  overrides: ExtensionOverrides;
  watchers: string[];
}

export interface SignCertResult {
  certificate: IssuedCertificate;
  issuer: PreparedIssuer;
}

/** Verify a CSR and decide the names it asks for. */
export function readCsr(der: Buffer): { csr: ParsedCsr; keyType: ReturnType<typeof checkCsr>; requestedSans: GeneralName[] } {
  const csr = parseCsr(der);
  const keyType = checkCsr(csr);
  return { csr, keyType, requestedSans: findExtension(csr.requestedExtensions, subjectAltName) ?? [] };
}

/**
 * Everything sign_cert does but storing: permission, CSR, profile, CA, lint and name constraints, the
 * signature. The signing worker stores what this returns in its own batch transaction.
 */
export async function issueFromCsr(ctx: UseCaseContext, deps: Omit<SignCertDeps, "uow">, req: SignCertRequest): Promise<SignCertResult> {
  const { csr, keyType, requestedSans } = readCsr(req.csr);
  const now = ctx.clock.now();
  const cas = await caSnapshot(deps.cas);
  const ca = req.ca !== undefined ? await findCa(cas, req.ca) : await defaultCa(cas, deps.defaults.ca, now);
  await guardChange(ctx, "sign", ca, "cert.issue", `ca:${ca.serial}`);
  // What the request names wins; then the CA's own defaults (edit_ca --default-profile/--default-expires);
  // then the profile's validity and the installation's defaults.
  const profile = deps.profiles.get(req.profile ?? ca.defaultProfile ?? undefined);
  const issuer = await prepareIssuer({ ...deps, cas }, ca, req.password, now);
  const certificate = await issueCertificate(issuer, {
    serial: newSerial(ctx.random),
    spki: csr.spki,
    keyType,
    subject: req.subject ?? csr.subject,
    sans: req.sans.length ? req.sans : requestedSans,
    profile,
    expiresDays: req.expiresDays ?? ca.defaultExpiresDays ?? profile.expiresDays ?? deps.defaults.certExpiresDays,
    overrides: req.overrides,
    now,
    csrDer: csr.der,
    watchers: req.watchers,
  });
  return { certificate, issuer };
}

/** The audit event of a new certificate (sign_cert, resign_cert, the signing worker). */
export const certificateIssued = (ctx: UseCaseContext, c: IssuedCertificate, detail: Record<string, unknown> = {}) =>
  auditEvent(ctx, "cert.issue", `cert:${c.serial}`, { ca: c.caSerial, profile: c.profile, ...detail });

export async function signCert(ctx: UseCaseContext, deps: SignCertDeps, req: SignCertRequest): Promise<SignCertResult> {
  const result = await issueFromCsr(ctx, deps, req);
  await deps.uow.run(async (tx) => {
    await tx.certs.insert([result.certificate]);
    await tx.audit.append(certificateIssued(ctx, result.certificate), ctx.clock.now());
  });
  return result;
}
