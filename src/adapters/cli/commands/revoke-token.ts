/** `tsca revoke_token NAME`: the token stops working with the next request that presents it. */
import type { Command } from "commander";
import { revokeToken } from "../../../core/usecases/api-tokens.js";
import { withCaller, type CliIo, type ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { textLines } from "../output.js";

export function registerRevokeToken(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("revoke_token")
    .description("Revoke an API token: every request that presents it from now on is refused (401).")
    .argument("<name>", "the token's name (see list_tokens)")
    .addHelpText("after", examples(["tsca revoke_token ci-pipeline"]))
    .action(async (name: string) => {
      const token = await revokeToken(...(await withCaller(context)), { name });
      io.stdout.write(textLines([`${token.name}: revoked (user ${token.user}).`]));
    });
}
