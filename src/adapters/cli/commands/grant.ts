/** `tsca grant NAME PERMISSION... [--ca CA]...`: let a user view, sign, revoke or edit on some CAs or all of them. */
import type { Command } from "commander";
import { grant } from "../../../core/usecases/users.js";
import type { CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { textLines } from "../output.js";
import { grantLabels } from "../render/grants.js";
import { grantArguments, permissionsOf } from "./grant-options.js";

export function registerGrant(program: Command, context: ContextFactory, io: CliIo): void {
  grantArguments(
    program.command("grant").description("Grant a user permissions (view, sign, revoke, edit) on some CAs, or on every CA."),
    "grant",
  )
    .addHelpText(
      "after",
      examples(
        ['tsca grant alice view sign --ca "Example Sub"', "view and sign on one CA"],
        ["tsca grant auditor view", "view on every CA"],
      ),
    )
    .action(async (name: string, permissions: string[], o: { ca?: string[] }) => {
      const wanted = permissionsOf(permissions);
      const ctx = await context();
      const grants = await grant(ctx.caller, ctx, { user: name, permissions: wanted, cas: o.ca ?? [] });
      io.stdout.write(textLines([`${name}: ${(await grantLabels(grants, ctx.cas)).join(", ") || "no grants"}.`]));
    });
}
