/**
 * A unit of work: the writes of one use case commit together or not at all, on SQLite and PostgreSQL.
 * The ports handed to `work` are bound to the transaction; the audit event of the change is appended
 * through `tx.audit` so that it commits with the change (a change never lands unrecorded, and a
 * recorded change never fails to land). Nested units of work are not supported: a use case opens one.
 */
import type { AcmeRepository } from "./acme-repository.js";
import type { AuditLog } from "./audit-log.js";
import type { CaRepository } from "./ca-repository.js";
import type { CertificateRepository } from "./certificate-repository.js";
import type { OcspResponderRepository } from "./ocsp-responder-repository.js";
import type { SigningRequestRepository } from "./signing-requests.js";
import type { UserRepository } from "./user-repository.js";
import type { TokenRepository } from "./token-repository.js";
import type { ExpiryNoticeRepository } from "./expiry-notices.js";

export interface TransactionPorts {
  cas: CaRepository;
  certs: CertificateRepository;
  responders: OcspResponderRepository;
  users: UserRepository;
  tokens: TokenRepository;
  signingRequests: SigningRequestRepository;
  expiryNotices: ExpiryNoticeRepository;
  acme: AcmeRepository;
  audit: AuditLog;
}

export interface UnitOfWork {
  run<T>(work: (tx: TransactionPorts) => Promise<T>): Promise<T>;
}
