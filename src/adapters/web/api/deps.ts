/**
 * What the REST API needs from the composition root (src/main/server.ts): the repositories and the unit
 * of work over the database, the profiles, the authenticators, the limits, and — with `serve --worker`
 * only — a way to wait for a signing request's outcome. The API host needs no CA key (DESIGN principle 1):
 * signing and re-signing are queued for a worker, here or on the key host.
 */
import type { CaRepository } from "../../../core/ports/ca-repository.js";
import type { CertificateRepository } from "../../../core/ports/certificate-repository.js";
import type { AuditLog } from "../../../core/ports/audit-log.js";
import type { Clock } from "../../../core/ports/clock.js";
import type { Random } from "../../../core/ports/random.js";
import type { SigningRequest, SigningRequestRepository } from "../../../core/ports/signing-requests.js";
import type { UnitOfWork } from "../../../core/ports/unit-of-work.js";
import type { Profiles } from "../../../core/issuance/profiles.js";
import type { IssuedCertificate } from "../../../core/certificates/certificate.js";
import type { UseCaseContext } from "../../../core/access/context.js";
import type { Authenticator } from "./auth.js";

/** Waits for a signing request to leave `pending` (main/request-waiter.ts); resolves with its state at the timeout. */
export interface RequestWaiter {
  wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<SigningRequest>;
}

/** The certificate filter of GET /certificates (core/usecases/list-certs-page.ts). */
export interface CertificatePageQuery {
  ca?: string;
  status?: "valid" | "revoked" | "expired" | "all";
  profile?: string;
  expiresBefore?: Date;
  q?: string;
  limit: number;
  cursor?: string;
}

export interface ApiDeps {
  cas: CaRepository;
  certs: CertificateRepository;
  signingRequests: SigningRequestRepository;
  uow: UnitOfWork;
  auditLog: AuditLog;
  profiles: Profiles;
  clock: Clock;
  random: Random;
  /** Tried in order; the first that recognises the request's credentials decides (auth.ts). */
  authenticators: Authenticator[];
  /** One page of certificates the actor may view. */
  listCertificates: (
    ctx: UseCaseContext,
    query: CertificatePageQuery,
  ) => Promise<{ items: IssuedCertificate[]; nextCursor: string | null }>;
  /** Queue a re-signing of a stored certificate (same CSR key, subject and profile). */
  submitResign: (ctx: UseCaseContext, req: { cert: string; expiresDays?: number }) => Promise<{ id: string; caSerial: string }>;
  /** Present with `serve --worker`: `?wait=SECONDS` waits for the outcome; absent, requests answer 202 at once. */
  waiter?: RequestWaiter;
  /**
   * Called after a signing request is committed: with `serve --worker` it wakes the worker at once (on
   * SQLite it would otherwise find the request at its next poll, up to 200 ms later).
   */
  submitted?: () => void;
  authFailuresPerMinute: number;
  /** 0: no limit. */
  requestsPerMinute: number;
}
