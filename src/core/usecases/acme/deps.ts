/**
 * What the ACME use cases share: their ports, the per-request context (which CA, under which URLs, at
 * what time) and the actor an account acts as. Every CA that enables ACME is its own ACME server
 * (/acme/{hex}/directory), so each request first resolves its CA; an account's rights are view and sign
 * on that CA only (11-common "Actor of ACME use cases"), revoke only after the §7.6 checks.
 */
import type { UseCaseContext } from "../../access/context.js";
import { grantsOf, type AccessPolicy } from "../../access/permissions.js";
import type { CertificateAuthority } from "../../ca/certificate-authority.js";
import type { AcmeAccount } from "../../acme/model.js";
import { AcmeProblem } from "../../acme/problem.js";
import type { Profiles } from "../../issuance/profiles.js";
import type { AcmeRepository } from "../../ports/acme-repository.js";
import type { ChallengeValidator } from "../../ports/acme-validator.js";
import type { AuditLog } from "../../ports/audit-log.js";
import type { CaRepository } from "../../ports/ca-repository.js";
import type { CertificateRepository } from "../../ports/certificate-repository.js";
import type { Clock } from "../../ports/clock.js";
import type { Random } from "../../ports/random.js";
import type { SigningRequestRepository } from "../../ports/signing-requests.js";
import type { UnitOfWork } from "../../ports/unit-of-work.js";
import type { AcmeUrls } from "./urls.js";

export interface AcmeDeps {
  cas: CaRepository;
  certs: CertificateRepository;
  signingRequests: SigningRequestRepository;
  acme: AcmeRepository;
  uow: UnitOfWork;
  auditLog: AuditLog;
  profiles: Profiles;
  validator: ChallengeValidator;
  clock: Clock;
  random: Random;
  /** How long a new order (and its authorizations) may take to become valid, in seconds. */
  orderValiditySeconds: number;
  /** A challenge processing for longer than this (ms) was abandoned by its host and may be validated again. */
  staleValidationMs: number;
  /** Called after finalize queued a signing request (serve --worker signs at once). */
  submitted?: () => void;
  /** Runs a challenge validation after the response was sent (§7.5.1); errors are the task's own. */
  background(task: () => Promise<void>): void;
}

/** One ACME request: its CA, the URLs it is served under and its request id. */
export interface AcmeRequest {
  ca: CertificateAuthority;
  urls: AcmeUrls;
  requestId: string;
}

/** The policy of an account of CA `caSerial`: view and sign on that CA. */
export const accountAccess = (caSerial: string): AccessPolicy =>
  grantsOf([
    { permission: "view", caSerial },
    { permission: "sign", caSerial },
  ]);

/** The context a use case runs in for `accountUrl` (or the anonymous client before an account exists). */
export function acmeContext(deps: AcmeDeps, r: AcmeRequest, accountUrl: string, access?: AccessPolicy): UseCaseContext {
  return {
    actor: { kind: "acme", id: accountUrl },
    access: access ?? accountAccess(r.ca.serial),
    clock: deps.clock,
    random: deps.random,
    audit: deps.auditLog,
    requestId: r.requestId,
  };
}

/** A random resource id: 128 bits, base64url (ids reveal nothing, §10.2 guidance on unguessable URLs). */
export const newAcmeId = (random: Random): string => random.bytes(16).toString("base64url");

/** The account a "kid" names, if it is one of this CA's and still valid (§6.2, §7.3.6). */
export async function accountOfKid(deps: AcmeDeps, r: AcmeRequest, kid: string): Promise<AcmeAccount> {
  const id = r.urls.accountIdOf(kid);
  const account = id ? await deps.acme.getAccount(id) : undefined;
  if (!account || account.caSerial !== r.ca.serial)
    throw new AcmeProblem("accountDoesNotExist", "The account named by the JWS kid does not exist.");
  if (account.status !== "valid") throw new AcmeProblem("unauthorized", `The account is ${account.status}.`);
  return account;
}
