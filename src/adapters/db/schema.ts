/** Table types for Kysely. Times are ISO-8601 UTC strings, booleans 0/1, lists JSON: identical on SQLite and PostgreSQL. */
export interface CertificateAuthorityTable {
  serial: string;
  name: string;
  parent_serial: string | null;
  enabled: number;
  common_name: string;
  subject: string;
  not_before: string;
  not_after: string;
  path_length: number | null;
  key_type: string;
  signature_hash: string | null;
  key_backend: string;
  key_ref: string;
  key_encrypted: number;
  der: Buffer;
  sign_crl_urls: string;
  sign_ocsp_urls: string;
  sign_issuer_urls: string;
  sign_issuer_alt_names: string;
  website: string | null;
  terms_of_service: string | null;
  caa_identity: string | null;
  revoked_at: string | null;
  revoked_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface Database {
  certificate_authority: CertificateAuthorityTable;
}
