/**
 * The signing worker's batch (DESIGN.md "Who signs, where"): claim pending requests, sign each through
 * the same path as sign_cert (issueFromCsr: CSR proof of possession, profile, CA usable, name constraints,
 * lint before sign), then store the certificates, the requests' outcomes and the audit events in the
 * claim's transaction — one commit per batch, so a request is issued exactly once or stays pending. A
 * request that renews a certificate (`resigns`, from submitResignRequest) is signed through issueRenewal,
 * the resign_cert path, instead.
 *
 * Outcomes per request:
 *   issued  the certificate is stored, `cert.issue` audited (actor system:worker, detail: request id and
 *           who asked);
 *   failed  the request's own fault, final: a TscaError such as a lint refusal or name constraints, with
 *           its code and sentence; audited as a failed `cert.issue`;
 *   retry   the worker's trouble (CA key missing or locked here, a bug): stays pending and its attempts are
 *           counted; after MAX_ATTEMPTS such tries it fails, so one bad request cannot hold the queue.
 * A database error aborts the whole batch: nothing of it is kept and every request stays pending.
 */
import type { UseCaseContext } from "../access/context.js";
import { auditEvent } from "../access/guard.js";
import { isTscaError, TscaError } from "../errors.js";
import type { IssuedCertificate } from "../certificates/certificate.js";
import type { Profiles } from "../issuance/profiles.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { KeyStoreRegistry } from "../ports/key-store-registry.js";
import type { SigningQueue } from "../ports/signing-queue.js";
import type { SigningRequest, SigningRequestOutcome } from "../ports/signing-requests.js";
import type { TransactionPorts } from "../ports/unit-of-work.js";
import { parseGeneralName } from "../x509/general-name.js";
import { parseName } from "../x509/name.js";
import type { Defaults } from "./defaults.js";
import { formatSerial } from "../issuance/serial.js";
import { issueRenewal } from "./resign-cert.js";
import { certificateIssued, issueFromCsr, type SignCertDeps } from "./sign-cert.js";

/** Tries for a request the worker cannot sign for its own reasons, before the request is failed. */
export const MAX_ATTEMPTS = 5;

export interface ProcessSigningRequestsDeps {
  queue: SigningQueue;
  /** The key stores; wrap them in CachedKeyStoreRegistry so a key is opened (and decrypted) once per worker. */
  keys: KeyStoreRegistry;
  profiles: Profiles;
  defaults: Pick<Defaults, "ca" | "certExpiresDays">;
  /** The password of an encrypted CA key, by CA serial (the worker's --password-file); undefined: none. */
  password: (caSerial: string) => string | undefined;
}

export interface SigningBatchReport {
  claimed: number;
  issued: number;
  failed: number;
  retried: number;
  /** Why requests were retried or failed (code → count), for the worker's log line. */
  errors: Record<string, number>;
}

const EMPTY: SigningBatchReport = { claimed: 0, issued: 0, failed: 0, retried: 0, errors: {} };

/** Not the request's fault: the CA key is not usable on this host, the database, or a bug. */
function isWorkersTrouble(e: unknown): boolean {
  if (!isTscaError(e)) return true;
  return e.kind === "unavailable" || (e.kind as string) === "internal" || e.code.startsWith("ERR_KEY_");
}

/** The CA lookups of one batch, answered once per batch (CAs change rarely; a batch takes milliseconds). */
function batchCas(cas: CaRepository): CaRepository {
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, f: () => Promise<T>): Promise<T> => {
    if (!memo.has(key)) memo.set(key, f());
    return memo.get(key) as Promise<T>;
  };
  return {
    list: () => once("list", () => cas.list()),
    get: (serial) => once(`get\0${serial}`, () => cas.get(serial)),
    search: (prefix, name) => once(`search\0${prefix}\0${name}`, () => cas.search(prefix, name)),
    insert: (ca) => cas.insert(ca),
    update: (serial, patch, now) => cas.update(serial, patch, now),
  };
}

/** Process up to `batch` pending requests in one transaction; an empty report when none was pending. */
export async function processSigningRequests(
  ctx: UseCaseContext,
  deps: ProcessSigningRequestsDeps,
  batch: number,
): Promise<SigningBatchReport> {
  let ids: string[] = [];
  try {
    const report = await deps.queue.claim(batch, (requests, tx) => {
      ids = requests.map((r) => r.id);
      return signBatch(ctx, deps, requests, tx);
    });
    return report ?? EMPTY;
  } catch (e) {
    // Rolled back: the requests are pending again; count the attempt where that can still be written.
    await deps.queue.countAttempts(ids, ctx.clock.now());
    throw e;
  }
}

/**
 * A renewal request (submitResignRequest): signed exactly as resign_cert signs it, for the CSR the request
 * carries (the old certificate's stored one). A certificate deleted since is the request's fault.
 */
async function renewal(
  ctx: UseCaseContext,
  deps: Omit<SignCertDeps, "uow">,
  tx: TransactionPorts,
  r: SigningRequest,
  password: string | undefined,
): Promise<{ certificate: IssuedCertificate; detail: Record<string, unknown> }> {
  const p = r.parameters;
  const old = await tx.certs.get(p.resigns!);
  if (!old) throw new TscaError("ERR_CERT_NOT_FOUND", `${formatSerial(p.resigns!)}: Certificate not found.`);
  const { certificate } = await issueRenewal(ctx, deps, old, {
    csrDer: r.csr,
    ...(password !== undefined ? { password } : {}),
    ...(p.expiresDays !== undefined ? { expiresDays: p.expiresDays } : {}),
    watchers: p.watchers,
  });
  return { certificate, detail: { resigned: old.serial } };
}

async function signBatch(
  ctx: UseCaseContext,
  deps: ProcessSigningRequestsDeps,
  requests: SigningRequest[],
  tx: TransactionPorts,
): Promise<SigningBatchReport> {
  const report: SigningBatchReport = { claimed: requests.length, issued: 0, failed: 0, retried: 0, errors: {} };
  const cas = batchCas(tx.cas);
  const now = ctx.clock.now();
  const issued: { request: SigningRequest; certificate: IssuedCertificate; ctx: UseCaseContext; detail: Record<string, unknown> }[] = [];
  const failed: { request: SigningRequest; error: { code: string; message: string }; ctx: UseCaseContext }[] = [];
  const outcomes: SigningRequestOutcome[] = [];
  for (const r of requests) {
    // The audit events of a request carry the id of the surface request that submitted it.
    const rctx: UseCaseContext = { ...ctx, requestId: r.requestId };
    try {
      const p = r.parameters;
      const password = deps.password(r.caSerial);
      const signDeps = {
        cas,
        keys: deps.keys,
        clock: ctx.clock,
        random: ctx.random,
        certs: tx.certs,
        profiles: deps.profiles,
        defaults: deps.defaults,
      };
      const { certificate, detail } =
        p.resigns !== undefined
          ? await renewal(rctx, signDeps, tx, r, password)
          : {
              ...(await issueFromCsr(rctx, signDeps, {
                csr: r.csr,
                ca: r.caSerial,
                ...(password !== undefined ? { password } : {}),
                ...(p.subject !== undefined ? { subject: parseName(p.subject) } : {}),
                sans: p.sans.map((s) => parseGeneralName(s)),
                ...(p.profile !== undefined ? { profile: p.profile } : {}),
                ...(p.expiresDays !== undefined ? { expiresDays: p.expiresDays } : {}),
                overrides: {},
                watchers: p.watchers,
              })),
              detail: {},
            };
      issued.push({ request: r, certificate, ctx: rctx, detail });
      outcomes.push({ id: r.id, status: "issued", certificateSerial: certificate.serial });
      report.issued++;
    } catch (e) {
      const code = isTscaError(e) ? e.code : "ERR_INTERNAL";
      report.errors[code] = (report.errors[code] ?? 0) + 1;
      const final = !isWorkersTrouble(e) || (!(isTscaError(e) && e.kind === "unavailable") && r.attempts + 1 >= MAX_ATTEMPTS);
      if (!final) {
        outcomes.push({ id: r.id, status: "retry" });
        report.retried++;
        continue;
      }
      const message = isTscaError(e) ? (e as TscaError).message : "An unexpected internal error occurred while signing the request.";
      failed.push({ request: r, error: { code, message }, ctx: rctx });
      outcomes.push({ id: r.id, status: "failed", errorCode: code, errorMessage: message });
      report.failed++;
    }
  }
  await tx.certs.insert(issued.map((i) => i.certificate));
  await tx.signingRequests.complete(outcomes, now);
  // One step of the audit chain for the whole batch (three statements, not three per request).
  await tx.audit.appendMany(
    [
      ...issued.map((i) =>
        certificateIssued(i.ctx, i.certificate, { request: i.request.id, requestedBy: i.request.requestedBy, ...i.detail }),
      ),
      ...failed.map((f) =>
        auditEvent(
          f.ctx,
          "cert.issue",
          `request:${f.request.id}`,
          { ca: f.request.caSerial, request: f.request.id, requestedBy: f.request.requestedBy, error: f.error.code },
          "failure",
        ),
      ),
    ].map((event) => ({ event, time: now })),
  );
  return report;
}
