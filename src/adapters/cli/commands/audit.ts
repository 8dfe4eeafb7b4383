/**
 * `tsca audit`: the audit log, one line per event (seq, time, actor, action, object, outcome, request id,
 * detail), or `--json`; `--verify` walks the whole hash chain and names the first event that was changed,
 * removed or reordered (ERR_AUDIT_BROKEN, exit 1).
 */
import type { Command } from "commander";
import { canonicalJson } from "../../../core/audit/audit-chain.js";
import { TscaError } from "../../../core/errors.js";
import type { AuditEvent, AuditFilter } from "../../../core/ports/audit-log.js";
import { auditBrokenError, listAudit, parseAuditAnchor, verifyAudit } from "../../../core/usecases/audit.js";
import type { CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { jsonOutput, textLines } from "../output.js";
import { positiveInt } from "../values.js";

/**
 * A time on the command line: ISO 8601 with a zone (Z or ±hh:mm), or a date alone, which is midnight UTC.
 * A time without a zone is refused rather than read in the local zone, which differs between hosts.
 */
export function parseAuditTime(input: string, option: string): Date {
  const v = input.trim();
  const date = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const zoned = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v);
  if (!date && !zoned) {
    const noZone = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v);
    throw new TscaError(
      "ERR_TIMESTAMP",
      noZone
        ? `${input}: ${option} requires a time zone (Z or +hh:mm).`
        : `${input}: ${option} takes an ISO 8601 date or time (example: 2026-11-26 or 2026-11-26T12:00:00Z).`,
    );
  }
  const d = new Date(date ? `${v}T00:00:00Z` : v.replace(" ", "T"));
  if (Number.isNaN(d.getTime())) throw new TscaError("ERR_TIMESTAMP", `${input}: ${option} is not a valid date or time.`);
  return d;
}

const detailText = (e: AuditEvent): string => (e.detail ? canonicalJson(e.detail) : "");

function line(e: AuditEvent): string {
  return [String(e.seq), e.time.toISOString(), e.actor, e.action, e.object, e.outcome, e.requestId, detailText(e)].join("  ").trimEnd();
}

function eventJson(e: AuditEvent): Record<string, unknown> {
  return {
    seq: e.seq,
    time: e.time.toISOString(),
    actor: e.actor,
    action: e.action,
    object: e.object,
    outcome: e.outcome,
    request_id: e.requestId,
    detail: e.detail ?? {},
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

interface AuditOptions {
  actor?: string;
  action?: string;
  object?: string;
  since?: string;
  until?: string;
  limit?: string;
  json?: boolean;
  verify?: boolean;
  head?: boolean;
  anchor?: string;
}

export function registerAudit(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("audit")
    .description("Show the audit log (oldest first), or verify its hash chain with --verify.")
    .option("--actor <actor>", "only events of this actor (cli:root, web:alice, system:timer)")
    .option("--action <action>", "only events of this action (ca.create, cert.issue, cert.revoke, ...)")
    .option("--object <prefix>", "only events whose object starts with this (ca:AB12, cert:, user:alice)")
    .option("--since <time>", "only events at or after this time (ISO 8601 with a zone; a date is midnight UTC)")
    .option("--until <time>", "only events before this time")
    .option("--limit <n>", "only the newest N matching events")
    .option("--json", "one JSON array of events (with their hashes)")
    .option("--verify", "walk the whole hash chain; exit 1 naming the first event changed, removed or reordered")
    .option("--head", "print the newest event as SEQ:HASH, to keep outside the database as an anchor")
    .option("--anchor <seq:hash>", "with --verify: also check that this event, kept from an earlier --head, is still there unchanged")
    .addHelpText(
      "after",
      examples(
        ["tsca audit --object ca:AB12 --limit 20", "the last 20 events about one CA"],
        ["tsca audit --since 2026-12-01 --action cert.revoke --json"],
        ["tsca audit --verify", "check that no event was changed, removed or reordered"],
      ),
    )
    .action(async (o: AuditOptions) => {
      if (o.anchor !== undefined && !o.verify) throw new TscaError("ERR_INVALID_ARGUMENT", "--anchor is checked by --verify: give both.");
      if (o.head) {
        const ctx = await context();
        const { head, broken } = await verifyAudit(ctx.caller, ctx.auditLog);
        // An anchor taken from a broken log would vouch for the tampering.
        if (broken) throw auditBrokenError(broken);
        io.stdout.write(`${head.seq}:${head.hash}\n`);
        return;
      }
      if (o.verify) {
        const filters = (["actor", "action", "object", "since", "until", "limit"] as const).filter((k) => o[k] !== undefined);
        if (filters.length) throw new TscaError("ERR_INVALID_ARGUMENT", `--verify checks the whole log and takes no --${filters[0]!}.`);
        const ctx = await context();
        const result = await verifyAudit(ctx.caller, ctx.auditLog, o.anchor !== undefined ? parseAuditAnchor(o.anchor) : undefined);
        if (o.json)
          io.stdout.write(jsonOutput({ events: result.events, intact: result.broken === undefined, broken: result.broken ?? null }));
        if (result.broken) throw auditBrokenError(result.broken);
        if (!o.json) io.stdout.write(`Audit log intact: ${result.events} event${result.events === 1 ? "" : "s"}.\n`);
        return;
      }
      const filter: AuditFilter = {
        ...(o.actor !== undefined ? { actor: o.actor } : {}),
        ...(o.action !== undefined ? { action: o.action } : {}),
        ...(o.object !== undefined ? { object: o.object } : {}),
        ...(o.since !== undefined ? { since: parseAuditTime(o.since, "--since") } : {}),
        ...(o.until !== undefined ? { until: parseAuditTime(o.until, "--until") } : {}),
        ...(o.limit !== undefined ? { limit: positiveInt(o.limit, "--limit") } : {}),
      };
      const ctx = await context();
      const events = await listAudit(ctx.caller, ctx.auditLog, filter);
      // Actors, objects and details come from users and certificates: escaped by textLines/jsonOutput.
      io.stdout.write(o.json ? jsonOutput(events.map(eventJson)) : textLines(events.map(line)));
    });
}
