/**
 * The wiring both composition roots share (src/main/cli.ts, src/main/server.ts, the signing worker): the
 * settings-derived defaults, bound once; the repositories over one database; the unit of work that binds
 * them to a transaction; and the use-case context of the key host's CLI and of the system's own timers.
 * Only this module and its callers know every adapter.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import type { Kysely } from "kysely";
import { SqlAcmeRepository } from "../adapters/db/acme-repository.js";
import { SqlAdminSessionRepository } from "../adapters/db/admin-session-repository.js";
import { SqlAuditLog } from "../adapters/db/audit-log.js";
import { SqlCaRepository } from "../adapters/db/ca-repository.js";
import { SqlCertificateRepository } from "../adapters/db/certificate-repository.js";
import { SqlCrlRepository } from "../adapters/db/crl-repository.js";
import { SqlOcspResponderRepository } from "../adapters/db/ocsp-responder-repository.js";
import { SqlRevocationChangeFeed } from "../adapters/db/revocation-change-feed.js";
import type { Dialect } from "../adapters/db/migrations.js";
import type { Database } from "../adapters/db/schema.js";
import { SqlSigningRequestRepository } from "../adapters/db/signing-request-repository.js";
import { SqlUnitOfWork } from "../adapters/db/unit-of-work.js";
import { SqlExpiryNoticeRepository } from "../adapters/db/expiry-notice-repository.js";
import { SqlUserRepository } from "../adapters/db/user-repository.js";
import { SqlTokenRepository } from "../adapters/db/token-repository.js";
import type { Settings } from "../config/settings.js";
import type { Actor } from "../core/access/actor.js";
import type { UseCaseContext } from "../core/access/context.js";
import { FULL_ACCESS } from "../core/access/permissions.js";
import type { Clock } from "../core/ports/clock.js";
import type { Random } from "../core/ports/random.js";
import type { TransactionPorts } from "../core/ports/unit-of-work.js";
import type { Defaults } from "../core/usecases/defaults.js";

/** Settings → the defaults every surface applies through the use cases (core/usecases/defaults.ts). */
export function defaultsFromSettings(s: Settings): Defaults {
  return {
    ca: s.defaultCa,
    certExpiresDays: s.defaultExpires,
    caExpiresDays: s.defaultCaExpires,
    keyType: s.defaultKeyType,
    key: { keySize: s.defaultKeySize, minKeySize: s.minKeySize, curve: s.defaultEllipticCurve, hash: s.defaultSignatureHash },
    hostname: s.defaultHostname,
    crlExpiresSeconds: s.crlExpires,
    crlRenewalSeconds: s.crlRenewal,
    ocspResponderValidityDays: s.ocspResponderValidity,
    ocspResponderRenewalHours: s.ocspResponderRenewal,
    ocspResponseValiditySeconds: s.ocspResponseValidity,
  };
}

/** The ports a unit of work hands to a use case, bound to one transaction. */
export const transactionPorts =
  (dialect: Dialect) =>
  (trx: Kysely<Database>): TransactionPorts => ({
    cas: new SqlCaRepository(trx),
    certs: new SqlCertificateRepository(trx),
    responders: new SqlOcspResponderRepository(trx),
    users: new SqlUserRepository(trx),
    tokens: new SqlTokenRepository(trx),
    signingRequests: new SqlSigningRequestRepository(trx, dialect),
    expiryNotices: new SqlExpiryNoticeRepository(trx),
    acme: new SqlAcmeRepository(trx),
    audit: new SqlAuditLog(trx, dialect),
  });

/** Repositories over the database, outside any transaction, plus the unit of work and the audit log. */
export function databasePorts({ db, dialect }: { db: Kysely<Database>; dialect: Dialect }) {
  return {
    cas: new SqlCaRepository(db),
    certs: new SqlCertificateRepository(db),
    crls: new SqlCrlRepository(db),
    responders: new SqlOcspResponderRepository(db),
    changes: new SqlRevocationChangeFeed(db),
    users: new SqlUserRepository(db),
    tokens: new SqlTokenRepository(db),
    adminSessions: new SqlAdminSessionRepository(db),
    signingRequests: new SqlSigningRequestRepository(db, dialect),
    expiryNotices: new SqlExpiryNoticeRepository(db),
    acme: new SqlAcmeRepository(db),
    auditLog: new SqlAuditLog(db, dialect),
    uow: new SqlUnitOfWork(db, transactionPorts(dialect)),
  };
}

export const realClock: Clock = { now: () => new Date() };
export const realRandom: Random = { bytes: (n: number) => randomBytes(n) };

/** The OS user running the CLI, for the audit log (`cli:alice`); never a secret. */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? "unknown");
  }
}

/**
 * The context of an actor with full rights on the key host: the CLI (one request id per invocation) or the
 * system's own timers and workers.
 */
export function keyHostContext(
  kind: "cli" | "system",
  ports: { auditLog: SqlAuditLog },
  clock: Clock = realClock,
  random: Random = realRandom,
  id: string = kind === "cli" ? osUser() : "timer",
): UseCaseContext {
  const actor: Actor = { kind, id };
  return { actor, access: FULL_ACCESS, clock, random, audit: ports.auditLog, requestId: randomUUID() };
}
