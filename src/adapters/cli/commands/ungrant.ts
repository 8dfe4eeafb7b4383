/**
 * `tsca ungrant NAME PERMISSION... [--ca CA]...`: take back grants. A grant on every CA and one on a single
 * CA are different grants: `ungrant alice sign` takes back `sign@*`, not `sign@Inter`.
 */
import type { Command } from "commander";
import { ungrant } from "../../../core/usecases/users.js";
import type { CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { textLines } from "../output.js";
import { grantLabels } from "../render/grants.js";
import { grantArguments, permissionsOf } from "./grant-options.js";

export function registerUngrant(program: Command, context: ContextFactory, io: CliIo): void {
  grantArguments(
    program.command("ungrant").description("Take back permissions from a user; without --ca, the grants on every CA (PERMISSION@*)."),
    "take back",
  )
    .addHelpText(
      "after",
      examples(['tsca ungrant alice sign --ca "Example Sub"', "no more signing with that CA"], ["tsca ungrant auditor view"]),
    )
    .action(async (name: string, permissions: string[], o: { ca?: string[] }) => {
      const wanted = permissionsOf(permissions);
      const ctx = await context();
      const grants = await ungrant(ctx.caller, ctx, { user: name, permissions: wanted, cas: o.ca ?? [] });
      io.stdout.write(textLines([`${name}: ${(await grantLabels(grants, ctx.cas)).join(", ") || "no grants"}.`]));
    });
}
