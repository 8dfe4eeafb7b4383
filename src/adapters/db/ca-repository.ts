/** CAs in SQL through Kysely; the same queries serve SQLite and PostgreSQL. */
import type { PolicyInformation } from "../../core/x509/extensions/certificate-policies.js";
import type { KeyOptions } from "../../core/ports/key-store-registry.js";
import type { Kysely, Selectable } from "kysely";
import { TscaError } from "../../core/errors.js";
import { ACME_DISABLED, type CaAcmeSettings } from "../../core/acme/model.js";
import type { CertificateAuthority } from "../../core/ca/certificate-authority.js";
import type { CaRepository, CaUpdate } from "../../core/ports/ca-repository.js";
import type { HashAlgorithm, KeyType } from "../../core/x509/algorithms.js";
import type { ExtraRuleSet } from "../../core/issuance/lint-rule-sets.js";
import { databaseError, isUniqueViolation } from "./database-errors.js";
import type { CertificateAuthorityTable, Database } from "./schema.js";

const iso = (d: Date): string => d.toISOString();
const date = (s: string): Date => new Date(s);

function toRow(ca: CertificateAuthority): CertificateAuthorityTable {
  return {
    serial: ca.serial,
    name: ca.name,
    parent_serial: ca.parentSerial,
    enabled: ca.enabled ? 1 : 0,
    common_name: ca.commonName,
    subject: ca.subject,
    not_before: iso(ca.notBefore),
    not_after: iso(ca.notAfter),
    path_length: ca.pathLength,
    key_type: ca.keyType,
    signature_hash: ca.signatureHash,
    key_backend: ca.keyBackend,
    key_options: JSON.stringify(ca.keyOptions),
    key_ref: ca.keyRef,
    key_encrypted: ca.keyEncrypted ? 1 : 0,
    der: ca.der,
    sign_crl_urls: JSON.stringify(ca.signCrlUrls),
    sign_ocsp_urls: JSON.stringify(ca.signOcspUrls),
    sign_issuer_urls: JSON.stringify(ca.signIssuerUrls),
    sign_issuer_alt_names: JSON.stringify(ca.signIssuerAltNames),
    sign_freshest_crl_urls: JSON.stringify(ca.signFreshestCrlUrls),
    website: ca.website,
    terms_of_service: ca.termsOfService,
    caa_identity: ca.caaIdentity,
    revoked_at: ca.revokedAt ? iso(ca.revokedAt) : null,
    revoked_reason: ca.revokedReason,
    lint_rule_sets: JSON.stringify(ca.lintRuleSets ?? []),
    sign_certificate_policies: ca.signCertificatePolicies?.length ? JSON.stringify(ca.signCertificatePolicies) : null,
    default_profile: ca.defaultProfile ?? null,
    default_expires_days: ca.defaultExpiresDays ?? null,
    ...acmeColumns(ca.acme ?? ACME_DISABLED),
    created_at: iso(ca.createdAt),
    updated_at: iso(ca.updatedAt),
  };
}

/** The ACME settings as columns (migration 0015). */
function acmeColumns(a: CaAcmeSettings) {
  return {
    acme_enabled: a.enabled ? 1 : 0,
    acme_profile: a.profile,
    acme_requires_contact: a.requiresContact ? 1 : 0,
    acme_eab_required: a.eabRequired ? 1 : 0,
    acme_allow: JSON.stringify(a.allowIdentifiers),
    acme_deny: JSON.stringify(a.denyIdentifiers),
  };
}

function fromRow(r: Selectable<CertificateAuthorityTable>): CertificateAuthority {
  return {
    serial: r.serial,
    name: r.name,
    parentSerial: r.parent_serial,
    enabled: Boolean(r.enabled),
    commonName: r.common_name,
    subject: r.subject,
    notBefore: date(r.not_before),
    notAfter: date(r.not_after),
    pathLength: r.path_length,
    keyType: r.key_type as KeyType,
    signatureHash: r.signature_hash as HashAlgorithm | null,
    keyBackend: r.key_backend,
    keyOptions: JSON.parse(r.key_options) as KeyOptions,
    keyRef: r.key_ref,
    keyEncrypted: Boolean(r.key_encrypted),
    der: Buffer.from(r.der),
    signCrlUrls: JSON.parse(r.sign_crl_urls) as string[],
    signOcspUrls: JSON.parse(r.sign_ocsp_urls) as string[],
    signIssuerUrls: JSON.parse(r.sign_issuer_urls) as string[],
    signIssuerAltNames: JSON.parse(r.sign_issuer_alt_names) as string[],
    signFreshestCrlUrls: JSON.parse(r.sign_freshest_crl_urls) as string[],
    website: r.website,
    termsOfService: r.terms_of_service,
    caaIdentity: r.caa_identity,
    revokedAt: r.revoked_at ? date(r.revoked_at) : null,
    revokedReason: r.revoked_reason,
    lintRuleSets: JSON.parse(r.lint_rule_sets) as ExtraRuleSet[],
    signCertificatePolicies: r.sign_certificate_policies ? (JSON.parse(r.sign_certificate_policies) as PolicyInformation[]) : [],
    defaultProfile: r.default_profile,
    // PostgreSQL INTEGER comes back as a number; SQLite too; null stays null.
    defaultExpiresDays: r.default_expires_days === null ? null : Number(r.default_expires_days),
    acme: {
      enabled: Boolean(r.acme_enabled),
      profile: r.acme_profile,
      requiresContact: Boolean(r.acme_requires_contact),
      eabRequired: Boolean(r.acme_eab_required),
      allowIdentifiers: JSON.parse(r.acme_allow) as string[],
      denyIdentifiers: JSON.parse(r.acme_deny) as string[],
    },
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

function nameTaken(name: string): TscaError {
  return new TscaError("ERR_CA_NAME_TAKEN", `${name}: A certificate authority with this name already exists.`);
}

export class SqlCaRepository implements CaRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<CertificateAuthority[]> {
    try {
      const rows = await this.db.selectFrom("certificate_authority").selectAll().orderBy("not_after").orderBy("name").execute();
      return rows.map(fromRow);
    } catch (e) {
      throw databaseError(e);
    }
  }

  async get(serial: string): Promise<CertificateAuthority | undefined> {
    try {
      const row = await this.db.selectFrom("certificate_authority").selectAll().where("serial", "=", serial).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    } catch (e) {
      throw databaseError(e);
    }
  }

  async search(prefix: string, name: string): Promise<CertificateAuthority[]> {
    try {
      const rows = await this.db
        .selectFrom("certificate_authority")
        .selectAll()
        // Serials are upper-case hex, so a LIKE prefix needs no wildcard escaping; a non-hex prefix matches no serial.
        .where((eb) =>
          /^[0-9A-F]+$/.test(prefix) ? eb.or([eb("serial", "like", `${prefix}%`), eb("name", "=", name)]) : eb("name", "=", name),
        )
        .orderBy("not_after")
        .execute();
      return rows.map(fromRow);
    } catch (e) {
      throw databaseError(e);
    }
  }

  async insert(ca: CertificateAuthority): Promise<void> {
    try {
      await this.db.insertInto("certificate_authority").values(toRow(ca)).execute();
    } catch (e) {
      if (isUniqueViolation(e, "name")) throw nameTaken(ca.name);
      if (isUniqueViolation(e, "serial") || isUniqueViolation(e, "pkey"))
        throw new TscaError("ERR_CA_SERIAL_TAKEN", `${ca.serial}: A certificate authority with this serial already exists.`);
      throw databaseError(e);
    }
  }

  async update(serial: string, patch: CaUpdate, now: Date): Promise<void> {
    const row: Partial<CertificateAuthorityTable> = { updated_at: iso(now) };
    if (patch.name !== undefined) row.name = patch.name;
    if (patch.enabled !== undefined) row.enabled = patch.enabled ? 1 : 0;
    if (patch.signCrlUrls !== undefined) row.sign_crl_urls = JSON.stringify(patch.signCrlUrls);
    if (patch.signOcspUrls !== undefined) row.sign_ocsp_urls = JSON.stringify(patch.signOcspUrls);
    if (patch.signIssuerUrls !== undefined) row.sign_issuer_urls = JSON.stringify(patch.signIssuerUrls);
    if (patch.signFreshestCrlUrls !== undefined) row.sign_freshest_crl_urls = JSON.stringify(patch.signFreshestCrlUrls);
    if (patch.signIssuerAltNames !== undefined) row.sign_issuer_alt_names = JSON.stringify(patch.signIssuerAltNames);
    if (patch.website !== undefined) row.website = patch.website;
    if (patch.termsOfService !== undefined) row.terms_of_service = patch.termsOfService;
    if (patch.caaIdentity !== undefined) row.caa_identity = patch.caaIdentity;
    if (patch.revokedAt !== undefined) row.revoked_at = patch.revokedAt ? iso(patch.revokedAt) : null;
    if (patch.revokedReason !== undefined) row.revoked_reason = patch.revokedReason;
    if (patch.lintRuleSets !== undefined) row.lint_rule_sets = JSON.stringify(patch.lintRuleSets);
    if (patch.signCertificatePolicies !== undefined)
      row.sign_certificate_policies = patch.signCertificatePolicies.length ? JSON.stringify(patch.signCertificatePolicies) : null;
    if (patch.defaultProfile !== undefined) row.default_profile = patch.defaultProfile;
    if (patch.defaultExpiresDays !== undefined) row.default_expires_days = patch.defaultExpiresDays;
    if (patch.acme !== undefined) Object.assign(row, acmeColumns(patch.acme));
    try {
      await this.db.updateTable("certificate_authority").set(row).where("serial", "=", serial).execute();
    } catch (e) {
      if (patch.name !== undefined && isUniqueViolation(e, "name")) throw nameTaken(patch.name);
      throw databaseError(e);
    }
  }
}
