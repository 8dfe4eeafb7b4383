/**
 * `tsca check`: one health report for monitoring. Each check names every problem in one sentence; the
 * installation is healthy when no check has one. What is checked, and why it fails quietly otherwise:
 *
 * - keys: every usable CA's key opens through the key-store registry, with its password from
 *   TSCA_CA_PASSWORDS_FILE when encrypted. Only on the key host; a web host has no CA keys (`keys` absent).
 *   An encrypted key without a password there is a problem: the timers cannot renew that CA's CRLs, and
 *   the report says when they lapse.
 * - crls: the complete CRL of every scope (and the delta CRL where published) of every usable CA exists and
 *   its nextUpdate is more than the margin away; past nextUpdate a relying party may treat the CRL as
 *   unusable (RFC 5280 §5.1.2.5, §6.3.3).
 * - ocsp: every usable CA has a delegated responder (RFC 6960 §4.2.2.2) whose certificate has more than the
 *   margin left; an expired one makes every answer unverifiable.
 * - signing-requests: none pending longer than the threshold (no worker running, or one stuck).
 * - migrations: the database has exactly the migrations this program knows.
 * - file-modes: key files 0600, key directories 0700, a SQLite database 0600.
 * - audit: the audit log's hash chain is intact (the same walk as `tsca audit --verify`).
 */
import type { UseCaseContext } from "../access/context.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { usableCas } from "../ca/usable-cas.js";
import { isTscaError } from "../errors.js";
import { formatSerial } from "../issuance/serial.js";
import type { AuditReader } from "../ports/audit-log.js";
import type { CaPasswords } from "../ports/ca-passwords.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { Clock } from "../ports/clock.js";
import type { CrlRepository } from "../ports/crl-repository.js";
import type { InstallationHealth } from "../ports/installation-health.js";
import type { KeyStoreRegistry } from "../ports/key-store-registry.js";
import type { OcspResponderRepository } from "../ports/ocsp-responder-repository.js";
import { describeScope } from "../revocation/crl-scope.js";
import { auditBrokenError, verifyAudit } from "./audit.js";
import { CONFIGURED_SCOPES, FULL_SCOPE } from "./generate-crls.js";

export interface HealthThresholds {
  /** A CRL whose nextUpdate is less than this many seconds away is reported. */
  crlMarginSeconds: number;
  /** A responder certificate with less than this many hours left is reported. */
  responderMarginHours: number;
  /** A signing request pending longer than this many seconds is reported. */
  pendingAgeSeconds: number;
}

export interface HealthCheckDeps {
  cas: Pick<CaRepository, "list">;
  crls: Pick<CrlRepository, "latest">;
  responders: Pick<OcspResponderRepository, "list">;
  /** The CA key stores on the key host; undefined on a web host, where keys are not checked. */
  keys: KeyStoreRegistry | undefined;
  /** Why keys are not checked here (a web host), for the report. */
  keysNotHere?: string;
  passwords: CaPasswords | undefined;
  auditLog: AuditReader;
  installation: InstallationHealth;
  clock: Clock;
  thresholds: HealthThresholds;
}

export type CheckName = "keys" | "crls" | "ocsp" | "signing-requests" | "migrations" | "file-modes" | "audit";

export interface HealthCheckResult {
  name: CheckName;
  ok: boolean;
  /** One sentence per problem. */
  problems: string[];
  /** What was checked, or why nothing was (a web host's keys). */
  note: string;
}

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");
const who = (ca: CertificateAuthority): string => `CA "${ca.name}" (${formatSerial(ca.serial)})`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

async function keysCheck(deps: HealthCheckDeps, usable: CertificateAuthority[], now: Date): Promise<HealthCheckResult> {
  if (!deps.keys) return { name: "keys", ok: true, problems: [], note: deps.keysNotHere ?? "Keys are not checked on this host." };
  const problems: string[] = [];
  for (const ca of usable) {
    const password = ca.keyEncrypted ? deps.passwords?.get(ca.serial) : undefined;
    if (ca.keyEncrypted && password === undefined) {
      const full = await deps.crls.latest(ca.serial, FULL_SCOPE, "complete");
      const lapse = full
        ? full.nextUpdate <= now
          ? `lapsed at ${iso(full.nextUpdate)}`
          : `will lapse at ${iso(full.nextUpdate)}`
        : "do not exist";
      problems.push(
        `${who(ca)}: the key is encrypted and ${deps.passwords ? deps.passwords.source : "TSCA_CA_PASSWORDS_FILE"} ${deps.passwords ? "has no password for it" : "is not set"}, so generate_crls cannot renew its CRLs, which ${lapse}.`,
      );
      continue;
    }
    try {
      await deps.keys.get(ca.keyBackend, ca.keyOptions).load(ca.keyRef, password);
    } catch (e) {
      if (!isTscaError(e)) throw e;
      problems.push(`${who(ca)}: the key cannot be opened: ${e.message}`);
    }
  }
  return { name: "keys", ok: problems.length === 0, problems, note: `${plural(usable.length, "usable CA")} checked.` };
}

async function crlsCheck(deps: HealthCheckDeps, usable: CertificateAuthority[], now: Date): Promise<HealthCheckResult> {
  const problems: string[] = [];
  const margin = deps.thresholds.crlMarginSeconds * 1000;
  for (const ca of usable) {
    const wanted = [
      ...CONFIGURED_SCOPES.map((scope) => ({ scope, kind: "complete" as const })),
      ...(ca.signFreshestCrlUrls.length ? [{ scope: FULL_SCOPE, kind: "delta" as const }] : []),
    ];
    for (const { scope, kind } of wanted) {
      const what = `the ${describeScope(scope)} ${kind === "delta" ? "delta CRL" : "CRL"}`;
      const crl = await deps.crls.latest(ca.serial, scope, kind);
      if (!crl) problems.push(`${who(ca)}: ${what} does not exist; run generate_crls.`);
      else if (crl.nextUpdate <= now)
        problems.push(`${who(ca)}: ${what} #${crl.number} is stale: its nextUpdate ${iso(crl.nextUpdate)} has passed.`);
      else if (crl.nextUpdate.getTime() - now.getTime() < margin)
        problems.push(
          `${who(ca)}: ${what} #${crl.number} lapses at ${iso(crl.nextUpdate)}, within the margin of ${deps.thresholds.crlMarginSeconds} seconds.`,
        );
    }
  }
  return { name: "crls", ok: problems.length === 0, problems, note: `CRLs of ${plural(usable.length, "usable CA")} checked.` };
}

async function ocspCheck(deps: HealthCheckDeps, usable: CertificateAuthority[], now: Date): Promise<HealthCheckResult> {
  const problems: string[] = [];
  const bySerial = new Map((await deps.responders.list()).map((r) => [r.caSerial, r]));
  const margin = deps.thresholds.responderMarginHours * 3_600_000;
  for (const ca of usable) {
    const r = bySerial.get(ca.serial);
    if (!r) problems.push(`${who(ca)}: there is no OCSP responder certificate; run generate_ocsp_keys.`);
    else if (r.notAfter <= now) problems.push(`${who(ca)}: the OCSP responder certificate expired at ${iso(r.notAfter)}.`);
    else if (r.notAfter.getTime() - now.getTime() < margin)
      problems.push(
        `${who(ca)}: the OCSP responder certificate expires at ${iso(r.notAfter)}, within the margin of ${plural(deps.thresholds.responderMarginHours, "hour")}.`,
      );
  }
  return { name: "ocsp", ok: problems.length === 0, problems, note: `Responders of ${plural(usable.length, "usable CA")} checked.` };
}

export async function checkHealth(ctx: UseCaseContext, deps: HealthCheckDeps): Promise<HealthCheckResult[]> {
  const now = deps.clock.now();
  const usable = usableCas(await deps.cas.list(), now);
  const results = [await keysCheck(deps, usable, now), await crlsCheck(deps, usable, now), await ocspCheck(deps, usable, now)];

  const age = deps.thresholds.pendingAgeSeconds;
  const pending = await deps.installation.pendingBefore(new Date(now.getTime() - age * 1000));
  results.push({
    name: "signing-requests",
    ok: pending.count === 0,
    problems: pending.count
      ? [
          `${plural(pending.count, "signing request")} pending for longer than ${age} seconds (the oldest since ${iso(pending.oldest!)}); is tsca worker running?`,
        ]
      : [],
    note: `No signing request pending for longer than ${age} seconds.`,
  });

  const m = await deps.installation.migrations();
  results.push({
    name: "migrations",
    ok: m.missing.length + m.unknown.length === 0,
    problems: [
      ...(m.missing.length
        ? [`The database lacks the migrations ${m.missing.join(", ")}; run any tsca command on the key host to apply them.`]
        : []),
      ...(m.unknown.length
        ? [`The database has migrations this tsca does not know (${m.unknown.join(", ")}): it was upgraded by a newer tsca.`]
        : []),
    ],
    note: "The database schema matches this tsca.",
  });

  const modes = await deps.installation.fileModeProblems();
  results.push({
    name: "file-modes",
    ok: modes.length === 0,
    problems: modes,
    note: "Key files 0600, key directories 0700, a SQLite database 0600.",
  });

  const audit = await verifyAudit(ctx, deps.auditLog);
  results.push({
    name: "audit",
    ok: !audit.broken,
    problems: audit.broken ? [auditBrokenError(audit.broken).message] : [],
    note: `${plural(audit.events, "audit event")} verified.`,
  });
  return results;
}
