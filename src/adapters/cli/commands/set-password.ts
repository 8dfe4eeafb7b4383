/** `tsca set_password NAME [--password-file FILE]`: give a user a new password (asked twice on a terminal). */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { setPassword } from "../../../core/usecases/users.js";
import type { CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { textLines } from "../output.js";
import { hashedNewPassword } from "./account-password.js";

export function registerSetPassword(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("set_password")
    .description("Set a user's password (asked twice on a terminal, else the first line of standard input).")
    .argument("<name>", "the user")
    .option("--password-file <file>", "read the password from the first line of <file> (for scripts)")
    .addHelpText("after", examples(["tsca set_password alice"], ["tsca set_password alice --password-file alice.pw"]))
    .action(async (name: string, o: { passwordFile?: string }) => {
      const ctx = await context();
      // Refused before the password is asked for.
      if (!(await ctx.users.get(name))) throw new TscaError("ERR_USER_NOT_FOUND", `${name}: No such user.`, { fields: { user: name } });
      const passwordHash = await hashedNewPassword(name, o.passwordFile, io, ctx.passwords);
      await setPassword(ctx.caller, ctx, { name, passwordHash });
      io.stdout.write(textLines([`${name}: password set.`]));
    });
}
