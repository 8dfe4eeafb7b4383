/**
 * `tsca create_token USER [--name NAME] [--expires DAYS]`: a new API token, printed alone on one line of
 * standard output (so `TOKEN=$(tsca create_token ci)` takes exactly it) and never again: only its SHA-256
 * is stored. Name and expiry go to standard error with that reminder.
 */
import type { Command } from "commander";
import { createToken } from "../../../core/usecases/api-tokens.js";
import type { CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { textLines } from "../output.js";
import { positiveInt } from "../values.js";

export function registerCreateToken(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("create_token")
    .description("Create an API token acting as USER; the token is printed once, alone on standard output.")
    .argument("<user>", "the user the token acts as, with its grants")
    .option("--name <name>", "the token's name, unique in the installation (default: USER-<8 hex digits>)")
    .option("--expires <days>", "the token stops working after this many days (default: never)")
    .addHelpText(
      "after",
      examples(
        ["tsca create_token ci --name ci-pipeline --expires 90", "prints the token once: keep it in a secret store"],
        ["TOKEN=$(tsca create_token ci)", 'in a script; requests send "Authorization: Bearer $TOKEN"'],
      ),
    )
    .action(async (user: string, o: { name?: string; expires?: string }) => {
      const expiresDays = o.expires !== undefined ? positiveInt(o.expires, "--expires") : undefined;
      const ctx = await context();
      const { token, record } = await createToken(ctx.caller, ctx, {
        user,
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(expiresDays !== undefined ? { expiresDays } : {}),
      });
      io.stdout.write(`${token}\n`);
      const expires = record.expiresAt ? `expires ${record.expiresAt.toISOString()}` : "does not expire";
      io.stderr.write(
        textLines([`Token ${record.name} for ${record.user} (${expires}): shown once, only its hash is kept; store it now.`]),
      );
    });
}
