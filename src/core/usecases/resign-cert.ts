/**
 * resign_cert: renew a certificate — a new serial and validity from the same CA, for the same CSR key,
 * subject, profile and extensions; the CA's URLs (CRL, OCSP, issuer, IAN) are taken fresh from the CA.
 */
import type { UseCaseContext } from "../access/context.js";
import { guardChange } from "../access/guard.js";
import { TscaError } from "../errors.js";
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

export async function resignCert(
  ctx: UseCaseContext,
  deps: SignCertDeps,
  req: { cert: string; expiresDays?: number; password?: string; watchers?: string[] },
): Promise<SignCertResult> {
  const old = await findCertificate(deps.certs, req.cert);
  if (!old.csrDer)
    throw new TscaError("ERR_CSR_INVALID", "The certificate has no stored CSR (it was imported), so it cannot be re-signed.");
  const { csr, keyType } = readCsr(old.csrDer);
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
  await deps.uow.run(async (tx) => {
    await tx.certs.insert([certificate]);
    await tx.audit.append(certificateIssued(ctx, certificate, { resigned: old.serial }), now);
  });
  return { certificate, issuer };
}
