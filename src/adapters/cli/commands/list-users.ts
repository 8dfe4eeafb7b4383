/**
 * `tsca list_users`: one line per user: name, superuser, enabled, password, grants (`view@CA NAME`,
 * `sign@*` for every CA); `--output-format json` for scripts. Never a password hash.
 */
import type { Command } from "commander";
import { listUsers } from "../../../core/usecases/users.js";
import type { CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { jsonOutput, outputFormat, textLines } from "../output.js";
import { grantLabels } from "../render/grants.js";
import { table } from "../render/table.js";

export function registerListUsers(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("list_users")
    .description("List the users: name, superuser, enabled, password set, and grants (PERMISSION@CA, * for every CA).")
    .option("--output-format <format>", "text or json", "text")
    .addHelpText("after", examples(["tsca list_users"], ["tsca list_users --output-format json", "for scripts"]))
    .action(async (o: { outputFormat: string }) => {
      const format = outputFormat(o.outputFormat, ["text", "json"] as const);
      const ctx = await context();
      const users = await Promise.all(
        (await listUsers(ctx.caller, ctx)).map(async (u) => ({ ...u, labels: await grantLabels(u.grants, ctx.cas) })),
      );
      const yesNo = (b: boolean): string => (b ? "yes" : "no");
      if (format === "json") {
        io.stdout.write(
          jsonOutput(
            users.map((u) => ({
              name: u.name,
              superuser: u.superuser,
              enabled: u.enabled,
              password: u.hasPassword,
              grants: u.grants.map((g, i) => ({ permission: g.permission, ca: g.caSerial, label: u.labels[i] })),
              created: u.createdAt.toISOString(),
            })),
          ),
        );
        return;
      }
      const rows = users.map((u) => [u.name, yesNo(u.superuser), yesNo(u.enabled), yesNo(u.hasPassword), u.labels.join(", ") || "-"]);
      io.stdout.write(textLines(table(["NAME", "SUPERUSER", "ENABLED", "PASSWORD", "GRANTS"], rows)));
    });
}
