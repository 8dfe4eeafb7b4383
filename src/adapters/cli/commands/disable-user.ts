/** `tsca disable_user NAME`: the user can no longer log in, and its API tokens stop working at once. */
import type { Command } from "commander";
import { disableUser } from "../../../core/usecases/users.js";
import { withCaller, type CliIo, type ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { textLines } from "../output.js";

export function registerDisableUser(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("disable_user")
    .description("Disable a user: no more logins, and every API token of the user stops working at once.")
    .argument("<name>", "the user")
    .addHelpText("after", examples(["tsca disable_user alice"]))
    .action(async (name: string) => {
      await disableUser(...(await withCaller(context)), { name });
      io.stdout.write(textLines([`${name}: disabled; its API tokens no longer work.`]));
    });
}
