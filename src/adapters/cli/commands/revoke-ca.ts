/** `tsca revoke_ca CA [--reason R] [--password]`: revoke an intermediate CA and put it on its parent's CA CRL. */
import type { Command } from "commander";
import { formatSerial } from "../../../core/issuance/serial.js";
import { parseReason, REASONS } from "../../../core/revocation/reasons.js";
import { revokeCa } from "../../../core/usecases/revoke-ca.js";
import type { CliIo, ContextFactory } from "../context.js";
import { entries } from "../render/crl-text.js";
import { examples } from "../help.js";
import { passwordFileOption, passwordOption, resolvePassword } from "../prompt.js";
import { textLines } from "../output.js";

export function registerRevokeCa(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("revoke_ca")
    .description("Revoke an intermediate CA: it and every CA below it stop issuing, and its parent's CA CRL lists it.")
    .argument("<ca>", "serial (a unique prefix) or name of the intermediate CA")
    .option("--reason <reason>", `revocation reason: ${Object.keys(REASONS).join(", ")} (RFC 5280 names accepted too)`, "unspecified")
    .addOption(passwordOption("password", "password of the parent CA's private key, to regenerate its CA CRL"))
    .addOption(passwordFileOption("password"))
    .addHelpText(
      "after",
      examples(['tsca revoke_ca "Example Sub" --reason key_compromise', "revoke an intermediate; its parent's CA CRL is made at once"]),
    )
    .action(async (identifier: string, o: { reason: string; password?: string | boolean; passwordFile?: string }) => {
      const reason = parseReason(o.reason);
      const password = await resolvePassword(o, { flag: "password", question: "Password of the parent CA's private key: " }, io);
      const ctx = await context();
      const r = await revokeCa(ctx.caller, ctx, {
        ca: identifier,
        reason,
        ...(password !== undefined ? { parentPassword: password } : {}),
      });
      io.stdout.write(`${formatSerial(r.ca.serial)}: revoked (${reason}).\n`);
      if (r.crl) io.stdout.write(textLines([`CA CRL #${r.crl.crl.number} of "${r.parent.name}" lists it (${entries(r.crl.entryCount)}).`]));
      if (r.crlNote) io.stderr.write(textLines([`Note: ${r.crlNote}`]));
    });
}
