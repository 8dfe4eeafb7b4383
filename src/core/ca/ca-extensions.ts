/**
 * The extensions of a CA certificate (RFC 5280 §4.2): basicConstraints and keyUsage critical, SKI from the
 * key, AKI from the issuer's SKI, plus what the operator asked for. Constraints that RFC 5280 says MUST
 * be critical (name constraints §4.2.1.10, policy constraints §4.2.1.11, inhibitAnyPolicy §4.2.1.14) are.
 */
import type { KeyUsageName } from "../x509/oids.js";
import type { GeneralName } from "../x509/general-name.js";
import { makeExtension, type Extension } from "../x509/extensions/extension.js";
import { basicConstraints } from "../x509/extensions/basic-constraints.js";
import { keyUsage } from "../x509/extensions/key-usage.js";
import { authorityKeyIdentifier, subjectKeyIdentifier } from "../x509/extensions/key-identifiers.js";
import { crlDistributionPoints } from "../x509/extensions/distribution-points.js";
import { authorityInformationAccess } from "../x509/extensions/authority-information-access.js";
import { nameConstraints, type NameConstraints } from "../x509/extensions/name-constraints.js";
import { certificatePolicies, type PolicyInformation } from "../x509/extensions/certificate-policies.js";
import { inhibitAnyPolicy, policyConstraints } from "../x509/extensions/policy-constraints.js";
import { extendedKeyUsage } from "../x509/extensions/extended-key-usage.js";
import { issuerAltName, subjectAltName } from "../x509/extensions/alternative-names.js";

export interface CaCertificateOptions {
  pathLength: number | null;
  keyUsage?: KeyUsageName[];
  keyUsageCritical?: boolean;
  extendedKeyUsage?: string[];
  extendedKeyUsageCritical?: boolean;
  /** Into the CA's own certificate (intermediates only): where its status is published by its parent. */
  crlUrls: GeneralName[];
  ocspUrls: GeneralName[];
  issuerUrls: GeneralName[];
  nameConstraints: NameConstraints;
  policies: PolicyInformation[];
  policiesCritical?: boolean;
  inhibitAnyPolicy?: number;
  inhibitPolicyMapping?: number;
  requireExplicitPolicy?: number;
  subjectAltNames: GeneralName[];
  /** The issuer's alternative names (RFC 5280 §4.2.1.7), copied from what the parent adds to what it signs. */
  issuerAltNames: GeneralName[];
}

export const DEFAULT_CA_KEY_USAGE: KeyUsageName[] = ["keyCertSign", "cRLSign"];

export function caExtensions(o: CaCertificateOptions, subjectKeyId: Buffer, issuerKeyId: Buffer): Extension[] {
  const exts: Extension[] = [
    makeExtension(basicConstraints, { ca: true, ...(o.pathLength !== null ? { pathLength: o.pathLength } : {}) }),
    makeExtension(keyUsage, o.keyUsage ?? DEFAULT_CA_KEY_USAGE, o.keyUsageCritical ?? true),
    makeExtension(subjectKeyIdentifier, subjectKeyId),
    makeExtension(authorityKeyIdentifier, issuerKeyId),
  ];
  if (o.extendedKeyUsage?.length) exts.push(makeExtension(extendedKeyUsage, o.extendedKeyUsage, o.extendedKeyUsageCritical ?? false));
  if (o.crlUrls.length) exts.push(makeExtension(crlDistributionPoints, [o.crlUrls]));
  if (o.ocspUrls.length || o.issuerUrls.length)
    exts.push(makeExtension(authorityInformationAccess, { ocsp: o.ocspUrls, caIssuers: o.issuerUrls }));
  if (o.nameConstraints.permitted.length || o.nameConstraints.excluded.length) exts.push(makeExtension(nameConstraints, o.nameConstraints));
  if (o.policies.length) exts.push(makeExtension(certificatePolicies, o.policies, o.policiesCritical ?? false));
  if (o.inhibitPolicyMapping !== undefined || o.requireExplicitPolicy !== undefined)
    exts.push(
      makeExtension(policyConstraints, {
        ...(o.requireExplicitPolicy !== undefined ? { requireExplicitPolicy: o.requireExplicitPolicy } : {}),
        ...(o.inhibitPolicyMapping !== undefined ? { inhibitPolicyMapping: o.inhibitPolicyMapping } : {}),
      }),
    );
  if (o.inhibitAnyPolicy !== undefined) exts.push(makeExtension(inhibitAnyPolicy, o.inhibitAnyPolicy));
  if (o.subjectAltNames.length) exts.push(makeExtension(subjectAltName, o.subjectAltNames));
  if (o.issuerAltNames.length) exts.push(makeExtension(issuerAltName, o.issuerAltNames));
  return exts;
}
