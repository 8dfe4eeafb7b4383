/**
 * `tsca create_user NAME [--superuser] [--password-file FILE | --no-password]`: a user of the web admin and
 * the API. Without --password-file the password is asked twice on a terminal, or read from the first line
 * of standard input in a pipe; --no-password makes a user that can only use API tokens.
 */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { assertUserName, createUser } from "../../../core/usecases/users.js";
import type { CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { textLines } from "../output.js";
import { hashedNewPassword } from "./account-password.js";

export function registerCreateUser(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("create_user")
    .description("Create a user of the web admin and the API (asks for the password unless --password-file or --no-password).")
    .argument("<name>", "1 to 64 letters, digits, dots, dashes or underscores")
    .option("--superuser", "every permission on every CA (still no CA keys: those stay with the command line)")
    .option("--password-file <file>", "read the password from the first line of <file> (for scripts)")
    .option("--no-password", "no password: the user can only act through API tokens")
    .addHelpText(
      "after",
      examples(
        ["tsca create_user alice", "asks for the password twice"],
        ["tsca create_user ci --no-password && tsca grant ci sign --ca Inter", "a user for API tokens only"],
        ["tsca create_user admin --superuser --password-file admin.pw"],
      ),
    )
    .action(async (name: string, o: { superuser?: boolean; passwordFile?: string; password: boolean }) => {
      if (!o.password && o.passwordFile !== undefined)
        throw new TscaError("ERR_INVALID_ARGUMENT", "Give either --password-file or --no-password, not both.");
      assertUserName(name);
      const ctx = await context();
      // Refused before the password is asked for: typing it twice for nothing is no help.
      if (await ctx.users.get(name))
        throw new TscaError("ERR_USER_NAME_TAKEN", `${name}: A user with this name exists already.`, { fields: { user: name } });
      const passwordHash = o.password ? await hashedNewPassword(name, o.passwordFile, io, ctx.passwords) : undefined;
      const user = await createUser(ctx.caller, ctx, { name, superuser: Boolean(o.superuser), ...(passwordHash ? { passwordHash } : {}) });
      const notes = [...(user.superuser ? ["superuser"] : []), ...(user.passwordHash === null ? ["no password"] : [])];
      io.stdout.write(textLines([`${user.name}: user created${notes.length ? ` (${notes.join(", ")})` : ""}.`]));
    });
}
