/** view_cert: everything about a certificate, with its chain for bundles. */
import type { UseCaseContext } from "../access/context.js";
import { authorize } from "../access/permissions.js";
import { certificateStatus, type CertificateStatus, type IssuedCertificate } from "../certificates/certificate.js";
import { findCertificate } from "../certificates/find-certificate.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { ancestry } from "../ca/hierarchy.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { CertificateRepository } from "../ports/certificate-repository.js";
import { fingerprint, parseCertificate, type ParsedCertificate } from "../x509/certificate.js";
import { describeExtension, type DescribedExtension } from "../x509/extensions/registry.js";
import { signatureAlgorithmName } from "../x509/algorithms.js";

export interface CertificateView {
  certificate: IssuedCertificate;
  cert: ParsedCertificate;
  ca: CertificateAuthority | undefined;
  status: CertificateStatus;
  signatureAlgorithm: string;
  extensions: DescribedExtension[];
  fingerprints: { "SHA-256": string; "SHA-512": string };
  /** The certificate, then its CA and the CA's ancestors up to the root. */
  chain: Buffer[];
}

export async function describeCertificate(cas: CaRepository, certificate: IssuedCertificate, now: Date): Promise<CertificateView> {
  const all = new Map((await cas.list()).map((c) => [c.serial, c]));
  const ca = all.get(certificate.caSerial);
  const cert = parseCertificate(certificate.der);
  return {
    certificate,
    cert,
    ca,
    status: certificateStatus(certificate, now),
    signatureAlgorithm: signatureAlgorithmName(cert.signatureAlgorithmOid),
    extensions: cert.extensions.map(describeExtension).sort((a, b) => a.name.localeCompare(b.name)),
    fingerprints: { "SHA-256": fingerprint(certificate.der, "sha256"), "SHA-512": fingerprint(certificate.der, "sha512") },
    chain: [certificate.der, ...(ca ? ancestry(ca, (s) => all.get(s)).map((c) => c.der) : [])],
  };
}

export async function viewCert(
  ctx: UseCaseContext,
  deps: { cas: CaRepository; certs: CertificateRepository },
  identifier: string,
): Promise<CertificateView> {
  const cert = await findCertificate(deps.certs, identifier);
  authorize(ctx, "view", cert.caSerial);
  return describeCertificate(deps.cas, cert, ctx.clock.now());
}
