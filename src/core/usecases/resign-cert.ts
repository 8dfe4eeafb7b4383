/**
 * resign_cert: renew a certificate — a new serial and validity from the same CA, for the same CSR key,
 * subject, profile and extensions; the CA's URLs (CRL, OCSP, issuer, IAN) are taken fresh from the CA.
 */
import type { UseCaseContext } from "../access/context.js";
import { guardChange } from "../access/guard.js";
import { TscaError } from "../errors.js";
import type { IssuedCertificate } from "../certificates/certificate.js";
import { findCertificate } from "../certificates/find-certificate.js";
import { findCa } from "../ca/find-ca.js";
import type { ExtensionOverrides } from "../issuance/end-entity-extensions.js";
import { issueCertificate } from "../issuance/issue-certificate.js";
import { prepareIssuer } from "../issuance/issuer.js";
import { newSerial } from "../issuance/serial.js";
import { parseCertificate } from "../x509/certificate.js";
import { subjectAltName } from "../x509/extensions/alternative-names.js";
import { certificatePolicies } from "../x509/extensions/certificate-policies.js";
import { extendedKeyUsage } from "../x509/extensions/extended-key-usage.js";
import { keyUsage } from "../x509/extensions/key-usage.js";
import { ocspNoCheck, tlsFeature } from "../x509/extensions/tls-feature.js";
import type { Extension } from "../x509/extensions/extension.js";
import { OID } from "../x509/oids.js";
import { certificateIssued, readCsr, type SignCertDeps, type SignCertResult } from "./sign-cert.js";

/** The configurable extensions of the old certificate, as overrides for the new one. */
function carriedOver(exts: Extension[]): ExtensionOverrides {
  const get = (oid: string): Extension | undefined => exts.find((e) => e.oid === oid);
  const o: ExtensionOverrides = {};
  const ku = get(OID.keyUsage);
  if (ku) Object.assign(o, { keyUsage: keyUsage.decode(ku.value), keyUsageCritical: ku.critical });
  else o.keyUsage = [];
  const eku = get(OID.extKeyUsage);
  Object.assign(
    o,
    eku ? { extendedKeyUsage: extendedKeyUsage.decode(eku.value), extendedKeyUsageCritical: eku.critical } : { extendedKeyUsage: [] },
  );
  const tls = get(OID.tlsFeature);
  if (tls) Object.assign(o, { tlsFeatures: tlsFeature.decode(tls.value), tlsFeatureCritical: tls.critical });
  const noCheck = get(OID.ocspNoCheck);
  Object.assign(
    o,
    noCheck ? { ocspNoCheck: ocspNoCheck.decode(noCheck.value), ocspNoCheckCritical: noCheck.critical } : { ocspNoCheck: false },
  );
  const pol = get(OID.certificatePolicies);
  if (pol) Object.assign(o, { policies: certificatePolicies.decode(pol.value), policiesCritical: pol.critical });
  const san = get(OID.subjectAltName);
  if (san) o.sanCritical = san.critical;
  return o;
}

export interface RenewalRequest {
  /** The CSR to sign again: the old certificate's stored CSR (the signing worker passes the request's copy). */
  csrDer: Buffer;
  expiresDays?: number;
  password?: string;
  /** Replaces the old certificate's watchers when not empty. */
  watchers?: string[];
}

/**
 * Everything resign_cert does but finding and storing: the same subject, SANs, profile and carried-over
 * extensions as `old`, with a new serial and validity, after the `sign` permission on its CA. resign_cert
 * and the signing worker (a request with `resigns`) both sign through this, so a queued renewal is exactly
 * a resign_cert.
 */
export async function issueRenewal(
  ctx: UseCaseContext,
  deps: Omit<SignCertDeps, "uow">,
  old: IssuedCertificate,
  req: RenewalRequest,
): Promise<SignCertResult> {
  const { csr, keyType } = readCsr(req.csrDer);
  const parsed = parseCertificate(old.der);
  const now = ctx.clock.now();
  const ca = await findCa(deps.cas, old.caSerial);
  await guardChange(ctx, "sign", ca, "cert.issue", `cert:${old.serial}`);
  const profile = deps.profiles.get(old.profile ?? undefined);
  const issuer = await prepareIssuer(deps, ca, req.password, now);
  const sanExt = parsed.extensions.find((e) => e.oid === OID.subjectAltName);
  const certificate = await issueCertificate(issuer, {
    serial: newSerial(ctx.random),
    spki: csr.spki,
    keyType,
    subject: parsed.subject,
    sans: sanExt ? subjectAltName.decode(sanExt.value) : [],
    profile,
    expiresDays: req.expiresDays ?? profile.expiresDays ?? deps.defaults.certExpiresDays,
    overrides: carriedOver(parsed.extensions),
    now,
    csrDer: csr.der,
    watchers: req.watchers?.length ? req.watchers : old.watchers,
  });
  return { certificate, issuer };
}

/** The stored CSR of a certificate to renew; one without (imported) cannot be re-signed. */
export function storedCsr(old: IssuedCertificate): Buffer {
  if (!old.csrDer)
    throw new TscaError("ERR_CSR_INVALID", "The certificate has no stored CSR (it was imported), so it cannot be re-signed.");
  return old.csrDer;
}

export async function resignCert(
  ctx: UseCaseContext,
  deps: SignCertDeps,
  req: { cert: string; expiresDays?: number; password?: string; watchers?: string[] },
): Promise<SignCertResult> {
  const old = await findCertificate(deps.certs, req.cert);
  const result = await issueRenewal(ctx, deps, old, { ...req, csrDer: storedCsr(old) });
  const now = ctx.clock.now();
  await deps.uow.run(async (tx) => {
    await tx.certs.insert([result.certificate]);
    await tx.audit.append(certificateIssued(ctx, result.certificate, { resigned: old.serial }), now);
  });
  return result;
}
