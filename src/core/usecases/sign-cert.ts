/**
 * sign_cert: sign a CSR with a CA. The CSR proves possession of its key; subject and SANs come from the
 * command line, else from the CSR; the profile decides key usages; the CA's URLs are added; name
 * constraints and lint are enforced before the signature; the certificate is stored in one insert.
 */
import type { IssuedCertificate } from "../certificates/certificate.js";
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

export interface SignCertDeps extends CaDeps {
  certs: CertificateRepository;
  profiles: Profiles;
  defaultCa?: string;
  defaultExpires: number;
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

export async function signCert(deps: SignCertDeps, req: SignCertRequest): Promise<SignCertResult> {
  const { csr, keyType, requestedSans } = readCsr(req.csr);
  const profile = deps.profiles.get(req.profile);
  const now = deps.clock.now();
  const ca = req.ca !== undefined ? await findCa(deps.cas, req.ca) : await defaultCa(deps.cas, deps.defaultCa, now);
  const issuer = await prepareIssuer(deps, ca, req.password, now);
  const certificate = await issueCertificate(issuer, {
    serial: newSerial(deps.random),
    spki: csr.spki,
    keyType,
    subject: req.subject ?? csr.subject,
    sans: req.sans.length ? req.sans : requestedSans,
    profile,
    expiresDays: req.expiresDays ?? profile.expiresDays ?? deps.defaultExpires,
    overrides: req.overrides,
    now,
    csrDer: csr.der,
    watchers: req.watchers,
  });
  await deps.certs.insert([certificate]);
  return { certificate, issuer };
}
