/**
 * Schema migrations, applied automatically at start. Each migration runs once, in order, inside one
 * transaction that first takes a lock (SQLite: BEGIN IMMEDIATE, the database write lock; PostgreSQL: a
 * transaction-scoped advisory lock), so two processes starting at once serialize instead of racing.
 */
export type Dialect = "sqlite" | "postgres";

export interface Migration {
  id: string;
  up(dialect: Dialect): string[];
}

const blob = (d: Dialect): string => (d === "postgres" ? "BYTEA" : "BLOB");

export const MIGRATIONS: Migration[] = [
  {
    id: "0001-certificate-authority",
    up: (d) => [
      `CREATE TABLE certificate_authority (
        serial TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        parent_serial TEXT REFERENCES certificate_authority(serial),
        enabled INTEGER NOT NULL,
        common_name TEXT NOT NULL,
        subject TEXT NOT NULL,
        not_before TEXT NOT NULL,
        not_after TEXT NOT NULL,
        path_length INTEGER,
        key_type TEXT NOT NULL,
        signature_hash TEXT,
        key_backend TEXT NOT NULL,
        key_ref TEXT NOT NULL,
        key_encrypted INTEGER NOT NULL,
        der ${blob(d)} NOT NULL,
        sign_crl_urls TEXT NOT NULL,
        sign_ocsp_urls TEXT NOT NULL,
        sign_issuer_urls TEXT NOT NULL,
        sign_issuer_alt_names TEXT NOT NULL,
        website TEXT,
        terms_of_service TEXT,
        caa_identity TEXT,
        revoked_at TEXT,
        revoked_reason TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CONSTRAINT certificate_authority_name_unique UNIQUE (name)
      )`,
      `CREATE INDEX certificate_authority_parent ON certificate_authority (parent_serial)`,
    ],
  },
];

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS tsca_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`;
