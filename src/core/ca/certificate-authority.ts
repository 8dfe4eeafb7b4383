/**
 * The CA entity as stored: its certificate plus what only tsca knows about it (name, parent, key
 * location, what it adds to certificates it signs). Everything derivable from the certificate (subject,
 * validity, path length) is also kept in columns, because listing and lookup must not parse DER.
 */
import type { HashAlgorithm, KeyType } from "../x509/algorithms.js";
import type { ExtraRuleSet } from "../issuance/lint-rule-sets.js";
import type { KeyOptions } from "../ports/key-store-registry.js";
import type { CaAcmeSettings } from "../acme/model.js";
import type { PolicyInformation } from "../x509/extensions/certificate-policies.js";

export interface CertificateAuthority {
  serial: string;
  name: string;
  parentSerial: string | null;
  enabled: boolean;
  commonName: string;
  /** RFC 4514-style subject in certificate order, for display and search. */
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** pathLenConstraint of its own certificate; null = no limit. */
  pathLength: number | null;
  keyType: KeyType;
  /** Hash used when this CA signs; null for EdDSA keys. */
  signatureHash: HashAlgorithm | null;
  /** The key store that holds its key, by registry name ("file", "pkcs11"), and that store's options for it. */
  keyBackend: string;
  keyOptions: KeyOptions;
  keyRef: string;
  keyEncrypted: boolean;
  der: Buffer;
  /** General names (display form, e.g. "URI:http://…") added to certificates this CA signs. */
  signCrlUrls: string[];
  signOcspUrls: string[];
  signIssuerUrls: string[];
  signIssuerAltNames: string[];
  /** Where delta CRLs are published: the Freshest CRL extension of signed certificates (RFC 5280 §4.2.1.15). */
  signFreshestCrlUrls: string[];
  website: string | null;
  termsOfService: string | null;
  caaIdentity: string | null;
  revokedAt: Date | null;
  revokedReason: string | null;
  /** Lint rule sets beyond RFC 5280 for everything this CA signs (migration 0007); absent: none. */
  lintRuleSets?: ExtraRuleSet[];
  /**
   * Certificate policies (RFC 5280 §4.2.1.4) put into what it signs unless the request names its own, and
   * the profile and validity (days) used when a request names none (migration 0013); absent or null: none.
   */
  signCertificatePolicies?: PolicyInformation[];
  defaultProfile?: string | null;
  defaultExpiresDays?: number | null;
  /** How the CA answers ACME (migration 0015); absent: disabled. */
  acme?: CaAcmeSettings;
  createdAt: Date;
  updatedAt: Date;
}

export type CaStatus = "valid" | "revoked" | "expired" | "not yet valid";

export function caStatus(ca: CertificateAuthority, now: Date): CaStatus {
  if (ca.revokedAt) return "revoked";
  if (now < ca.notBefore) return "not yet valid";
  if (now > ca.notAfter) return "expired";
  return "valid";
}
