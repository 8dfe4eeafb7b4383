/**
 * What the web admin needs from the composition root (src/main/admin.ts): the repositories over the shared
 * database, the password hasher, the clock, the session lifetime and limits from settings, and where its
 * static assets are. It needs no CA key and no CA_DIR (DESIGN principle 1): what needs a signature is queued
 * for a worker on the key host.
 */
import type { SessionLifetime } from "../../../core/access/session-lifetime.js";
import type { Profiles } from "../../../core/issuance/profiles.js";
import type { AdminSessionRepository } from "../../../core/ports/admin-sessions.js";
import type { AuditLog } from "../../../core/ports/audit-log.js";
import type { CaRepository } from "../../../core/ports/ca-repository.js";
import type { CertificateRepository } from "../../../core/ports/certificate-repository.js";
import type { Clock } from "../../../core/ports/clock.js";
import type { CrlRepository } from "../../../core/ports/crl-repository.js";
import type { OcspResponderRepository } from "../../../core/ports/ocsp-responder-repository.js";
import type { PasswordHasher } from "../../../core/ports/password-hasher.js";
import type { Random } from "../../../core/ports/random.js";
import type { SigningRequestRepository } from "../../../core/ports/signing-requests.js";
import type { UnitOfWork } from "../../../core/ports/unit-of-work.js";
import type { UserRepository } from "../../../core/ports/user-repository.js";

export interface AdminDeps {
  cas: CaRepository;
  certs: CertificateRepository;
  crls: CrlRepository;
  responders: OcspResponderRepository;
  signingRequests: SigningRequestRepository;
  users: UserRepository;
  sessions: AdminSessionRepository;
  uow: UnitOfWork;
  auditLog: AuditLog;
  profiles: Profiles;
  passwords: PasswordHasher;
  clock: Clock;
  random: Random;
  lifetime: SessionLifetime;
  /** Login attempts per client address and minute, and failed ones per user name and minute, before 429. */
  loginAttemptsPerMinute: number;
  /** The directory served at /admin/static/ (admin.css). */
  staticDir: string;
  /**
   * Called after a signing request is committed: with `serve --worker` it wakes the worker at once (as the
   * REST API does, api/deps.ts).
   */
  submitted?: () => void;
}
