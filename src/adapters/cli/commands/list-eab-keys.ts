/**
 * `tsca list_eab_keys --ca CA`: the CA's External Account Binding keys: key id, when it was made, and
 * the ACME account it bound (if any). Never the HMAC key: it was shown once, by create_eab_key.
 */
import type { Command } from "commander";
import { listEabKeys } from "../../../core/usecases/create-eab-key.js";
import type { CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { jsonOutput, outputFormat, textLines } from "../output.js";
import { table } from "../render/table.js";

const time = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export function registerListEabKeys(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("list_eab_keys")
    .description("List a CA's ACME External Account Binding keys: key id, created, bound account (never the HMAC keys).")
    .requiredOption("--ca <ca>", "serial (a unique prefix) or name of the CA")
    .option("--output-format <format>", "text or json", "text")
    .addHelpText(
      "after",
      examples(['tsca list_eab_keys --ca "Example Sub"'], ['tsca list_eab_keys --ca "Example Sub" --output-format json']),
    )
    .action(async (o: { ca: string; outputFormat: string }) => {
      const format = outputFormat(o.outputFormat, ["text", "json"] as const);
      const ctx = await context();
      const { keys } = await listEabKeys(ctx.caller, ctx, { ca: o.ca });
      if (format === "json") {
        io.stdout.write(
          jsonOutput(
            keys.map((k) => ({ kid: k.kid, created: k.createdAt.toISOString(), created_by: k.createdBy, account: k.boundAccountId })),
          ),
        );
        return;
      }
      const rows = keys.map((k) => [k.kid, time(k.createdAt), k.createdBy, k.boundAccountId ?? "-"]);
      io.stdout.write(textLines(table(["KID", "CREATED", "CREATED BY", "BOUND ACCOUNT"], rows)));
    });
}
