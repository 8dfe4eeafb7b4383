/**
 * CAs as JSON for scripts: stable keys, ISO-8601 UTC times, serials in colon hex. Never key material.
 * One shape for every surface: `view_ca`/`list_cas --output-format json` and the REST API (which leaves
 * out key_location, a path on the key host).
 */
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { formatSerial } from "../issuance/serial.js";
import type { CaView } from "../usecases/view-ca.js";
import { toPem } from "../x509/pem.js";
import { formatName } from "../x509/name.js";
import { formatSigningPolicy } from "../ca/signing-policies.js";
import { ACME_DISABLED } from "../acme/model.js";

/** Where `tsca serve` answers ACME for this CA: /acme/{serial in upper-case hex, no colons}/directory. */
export const acmeDirectoryPath = (caSerial: string): string => `/acme/${caSerial.replace(/:/g, "").toUpperCase()}/directory`;

/**
 * The CA's ACME settings (edit_ca --acme-*). The directory URL needs the server's external URL
 * (TSCA_EXTERNAL_URL); without it only the path is known, the host being whatever clients reach.
 */
export function caAcmeJson(ca: CertificateAuthority, externalUrl?: string): Record<string, unknown> {
  const a = ca.acme ?? ACME_DISABLED;
  const path = acmeDirectoryPath(ca.serial);
  return {
    enabled: a.enabled,
    profile: a.profile,
    requires_contact: a.requiresContact,
    eab_required: a.eabRequired,
    allow: a.allowIdentifiers,
    deny: a.denyIdentifiers,
    directory_path: path,
    directory_url: externalUrl ? `${externalUrl}${path}` : null,
  };
}

export function caSummaryJson(ca: CertificateAuthority): Record<string, unknown> {
  return {
    serial: formatSerial(ca.serial),
    name: ca.name,
    enabled: ca.enabled,
    parent: ca.parentSerial ? formatSerial(ca.parentSerial) : null,
    subject: ca.subject,
    common_name: ca.commonName,
    not_before: ca.notBefore.toISOString(),
    not_after: ca.notAfter.toISOString(),
    path_length: ca.pathLength,
    key_type: ca.keyType,
    revoked: ca.revokedAt !== null,
  };
}

export function caViewJson(v: CaView, opts: { externalUrl?: string | undefined } = {}): Record<string, unknown> {
  const { ca } = v;
  return {
    ...caSummaryJson(ca),
    status: v.status,
    usable: v.blocker === undefined,
    // What keeps it from signing: itself or the first ancestor that is revoked, disabled, expired or not yet valid.
    unusable_because: v.blocker ? { serial: formatSerial(v.blocker.ca.serial), name: v.blocker.ca.name, status: v.blocker.why } : null,
    issuer: formatName(v.cert.issuer),
    signature_algorithm: v.signatureAlgorithm,
    signature_hash: ca.signatureHash,
    lint_rule_sets: ["rfc5280", ...(ca.lintRuleSets ?? [])],
    max_sub_ca_levels: v.maxSubCaLevels,
    children: v.children.map((c) => ({ serial: formatSerial(c.serial), name: c.name })),
    key_backend: ca.keyBackend,
    key_location: v.keyLocation,
    key_encrypted: ca.keyEncrypted,
    extensions: v.extensions.map((e) => ({ oid: e.oid, name: e.name, critical: e.critical, value: e.lines })),
    sign: {
      crl_urls: ca.signCrlUrls,
      ocsp_urls: ca.signOcspUrls,
      issuer_urls: ca.signIssuerUrls,
      issuer_alternative_names: ca.signIssuerAltNames,
      freshest_crl_urls: ca.signFreshestCrlUrls,
      certificate_policies: (ca.signCertificatePolicies ?? []).map(formatSigningPolicy),
    },
    // For requests that name none (edit_ca --default-profile, --default-expires); null: the installation's.
    default_profile: ca.defaultProfile ?? null,
    default_expires_days: ca.defaultExpiresDays ?? null,
    website: ca.website,
    terms_of_service: ca.termsOfService,
    caa_identity: ca.caaIdentity,
    acme: caAcmeJson(ca, opts.externalUrl),
    revoked_at: ca.revokedAt?.toISOString() ?? null,
    revoked_reason: ca.revokedReason,
    fingerprints: v.fingerprints,
    pem: toPem(ca.der, "CERTIFICATE"),
  };
}
