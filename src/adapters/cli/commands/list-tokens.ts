/**
 * `tsca list_tokens [--user USER]`: name, user, created, expires, revoked, last used of each API token.
 * Never a token or its hash: neither is of use to anyone reading the list.
 */
import type { Command } from "commander";
import { listTokens } from "../../../core/usecases/api-tokens.js";
import { withCaller, type CliIo, type ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { jsonOutput, outputFormat, textLines } from "../output.js";
import { table } from "../render/table.js";

const time = (d: Date | null, none: string): string => (d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : none);

export function registerListTokens(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("list_tokens")
    .description("List the API tokens: name, user, created, expires, revoked, last used (never the tokens themselves).")
    .option("--user <user>", "only this user's tokens")
    .option("--output-format <format>", "text or json", "text")
    .addHelpText("after", examples(["tsca list_tokens --user ci"], ["tsca list_tokens --output-format json", "for scripts"]))
    .action(async (o: { user?: string; outputFormat: string }) => {
      const format = outputFormat(o.outputFormat, ["text", "json"] as const);
      const tokens = await listTokens(...(await withCaller(context)), o.user !== undefined ? { user: o.user } : {});
      if (format === "json") {
        io.stdout.write(
          jsonOutput(
            tokens.map((t) => ({
              name: t.name,
              user: t.user,
              created: t.createdAt.toISOString(),
              expires: t.expiresAt?.toISOString() ?? null,
              revoked: t.revokedAt?.toISOString() ?? null,
              last_used: t.lastUsedAt?.toISOString() ?? null,
            })),
          ),
        );
        return;
      }
      const rows = tokens.map((t) => [
        t.name,
        t.user,
        time(t.createdAt, "-"),
        time(t.expiresAt, "never"),
        time(t.revokedAt, "-"),
        time(t.lastUsedAt, "never"),
      ]);
      io.stdout.write(textLines(table(["NAME", "USER", "CREATED", "EXPIRES", "REVOKED", "LAST USED"], rows)));
    });
}
