/**
 * `tsca check [--json]`: the health report for monitoring (core/usecases/health-check.ts). Text: one line
 * per check, `ok` or `FAIL`, then each problem indented below its check. JSON: `{ "ok": …, "checks": [{ name,
 * ok, problems, note }] }`. The report always goes to stdout, then the command exits 1 (ERR_UNHEALTHY) when
 * anything is wrong, so a container health check or a monitoring agent needs nothing but the exit status.
 */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { checkHealth, type HealthCheckResult } from "../../../core/usecases/health-check.js";
import type { CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { jsonOutput, textLines } from "../output.js";

function text(results: HealthCheckResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `${r.ok ? "ok  " : "FAIL"} ${r.name}: ${r.ok ? r.note : `${r.problems.length} problem${r.problems.length === 1 ? "" : "s"}`}`,
    );
    for (const p of r.problems) lines.push(`     - ${p}`);
  }
  return lines;
}

export function registerCheck(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("check")
    .description(
      "Check the installation's health: CA keys reachable (on the key host), CRLs current, OCSP responder certificates valid, no signing request pending too long, database migrations, file modes and the audit chain. Exit 1 when anything is wrong.",
    )
    .option("--json", "print the report as JSON")
    .addHelpText("after", examples(["tsca check", "one line per check; problems named below it"], ["tsca check --json", "for monitoring"]))
    .action(async (o: { json?: boolean }) => {
      const ctx = await context();
      const results = await checkHealth(ctx.caller, {
        ...ctx,
        keys: ctx.keysNotHere === undefined ? ctx.keys : undefined,
        ...(ctx.keysNotHere !== undefined ? { keysNotHere: ctx.keysNotHere } : {}),
        passwords: ctx.caPasswords(),
        thresholds: {
          crlMarginSeconds: ctx.settings.checkCrlMargin,
          responderMarginHours: ctx.settings.checkResponderMargin,
          pendingAgeSeconds: ctx.settings.checkPendingAge,
        },
      });
      const failed = results.filter((r) => !r.ok);
      io.stdout.write(o.json ? jsonOutput({ ok: failed.length === 0, checks: results }) : textLines(text(results)));
      if (failed.length)
        throw new TscaError(
          "ERR_UNHEALTHY",
          `${failed.length} check${failed.length === 1 ? "" : "s"} failed: ${failed.map((r) => r.name).join(", ")}; the problems are above.`,
        );
    });
}
