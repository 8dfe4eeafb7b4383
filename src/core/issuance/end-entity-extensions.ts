/**
 * The extensions of an end-entity certificate (RFC 5280 §4.2), in a fixed order: basicConstraints
 * (critical, cA FALSE), keyUsage, extendedKeyUsage, SKI, AKI, SAN, then what the CA adds (CRL DP, AIA,
 * IAN, policies) unless overridden, then TLS feature and OCSP no-check when asked.
 */
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { makeExtension, type Extension } from "../x509/extensions/extension.js";
import { authorityInformationAccess } from "../x509/extensions/authority-information-access.js";
import { basicConstraints } from "../x509/extensions/basic-constraints.js";
import { certificatePolicies, type PolicyInformation } from "../x509/extensions/certificate-policies.js";
import { crlDistributionPoints, freshestCrl } from "../x509/extensions/distribution-points.js";
import { extendedKeyUsage } from "../x509/extensions/extended-key-usage.js";
import { subjectKeyIdentifier } from "../x509/extensions/key-identifiers.js";
import { keyUsage } from "../x509/extensions/key-usage.js";
import { issuerAltName, subjectAltName } from "../x509/extensions/alternative-names.js";
import { ocspNoCheck, tlsFeature } from "../x509/extensions/tls-feature.js";
import { parseGeneralName, type GeneralName } from "../x509/general-name.js";
import type { KeyUsageName } from "../x509/oids.js";
import type { Profile } from "./profiles.js";

/** Extension choices that differ from the profile / CA defaults; undefined keeps the default. */
export interface ExtensionOverrides {
  keyUsage?: KeyUsageName[];
  keyUsageCritical?: boolean;
  extendedKeyUsage?: string[];
  extendedKeyUsageCritical?: boolean;
  tlsFeatures?: number[];
  tlsFeatureCritical?: boolean;
  ocspNoCheck?: boolean;
  ocspNoCheckCritical?: boolean;
  policies?: PolicyInformation[];
  policiesCritical?: boolean;
  issuerAltNames?: GeneralName[];
  crlFullNames?: GeneralName[];
  freshestCrlUrls?: GeneralName[];
  crlCritical?: boolean;
  ocspResponders?: GeneralName[];
  caIssuers?: GeneralName[];
  sanCritical?: boolean;
}

/** A constant extension is encoded once and shared by every certificate (DER is immutable here). */
const BC_END_ENTITY = makeExtension(basicConstraints, { ca: false });

const names = (stored: string[]): GeneralName[] => stored.map((g) => parseGeneralName(g));

export function endEntityExtensions(args: {
  ca: CertificateAuthority;
  profile: Profile;
  keyUsage: KeyUsageName[];
  spkiKeyId: Buffer;
  aki: Extension;
  sans: GeneralName[];
  o: ExtensionOverrides;
}): Extension[] {
  const { ca, profile, o } = args;
  const exts: Extension[] = [BC_END_ENTITY];
  if (args.keyUsage.length) exts.push(makeExtension(keyUsage, args.keyUsage, o.keyUsageCritical ?? profile.keyUsageCritical));
  const eku = o.extendedKeyUsage ?? profile.extendedKeyUsage;
  if (eku.length) exts.push(makeExtension(extendedKeyUsage, eku, o.extendedKeyUsageCritical ?? profile.extendedKeyUsageCritical));
  exts.push(makeExtension(subjectKeyIdentifier, args.spkiKeyId), args.aki);
  if (args.sans.length) exts.push(makeExtension(subjectAltName, args.sans, o.sanCritical ?? false));
  const crl = o.crlFullNames ?? (profile.addCrlUrl ? names(ca.signCrlUrls) : []);
  if (crl.length) exts.push(makeExtension(crlDistributionPoints, [crl], o.crlCritical ?? false));
  // RFC 5280 §4.2.1.15: Freshest CRL MUST be non-critical; it tells clients where delta CRLs are.
  const freshest = o.freshestCrlUrls ?? (profile.addCrlUrl ? names(ca.signFreshestCrlUrls) : []);
  if (freshest.length) exts.push(makeExtension(freshestCrl, [freshest], false));
  const ocsp = o.ocspResponders ?? (profile.addOcspUrl ? names(ca.signOcspUrls) : []);
  const issuers = o.caIssuers ?? (profile.addIssuerUrl ? names(ca.signIssuerUrls) : []);
  // RFC 5280 §4.2.2.1: AIA MUST be non-critical.
  if (ocsp.length || issuers.length) exts.push(makeExtension(authorityInformationAccess, { ocsp, caIssuers: issuers }, false));
  const ian = o.issuerAltNames ?? (profile.addIssuerAltName ? names(ca.signIssuerAltNames) : []);
  if (ian.length) exts.push(makeExtension(issuerAltName, ian, false));
  // The request's policies replace the CA's (edit_ca --sign-certificate-policies), as its URLs do.
  const policies = o.policies ?? ca.signCertificatePolicies ?? [];
  if (policies.length) exts.push(makeExtension(certificatePolicies, policies, o.policiesCritical ?? false));
  if (o.tlsFeatures?.length) exts.push(makeExtension(tlsFeature, o.tlsFeatures, o.tlsFeatureCritical ?? false));
  if (o.ocspNoCheck ?? profile.ocspNoCheck) exts.push(makeExtension(ocspNoCheck, true, o.ocspNoCheckCritical ?? false));
  return exts;
}
