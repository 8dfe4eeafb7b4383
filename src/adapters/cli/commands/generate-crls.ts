/**
 * `tsca generate_crls [CA …] [--force]` (alias `cache_crls`): renew the stored CRLs that are due, for
 * timers on the key host. One line per CA and scope; exits 1 when a CA's CRLs could not be made.
 */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { formatSerial } from "../../../core/issuance/serial.js";
import { describeScope } from "../../../core/revocation/crl-scope.js";
import { generateCrls, type CrlOutcome } from "../../../core/usecases/generate-crls.js";
import type { CliIo, ContextFactory } from "../context.js";
import { entries } from "../render/crl-text.js";
import { resolvePassword } from "../prompt.js";
import { textLines } from "../output.js";

const iso = (d: Date): string => d.toISOString().replace(/\.000Z$/, "Z");

function line(o: CrlOutcome): string {
  const who = `"${o.ca.name}" (${formatSerial(o.ca.serial)})`;
  switch (o.status) {
    case "generated":
      return `${who}: ${describeScope(o.scope)} CRL #${o.crl.number} generated, ${entries(o.entryCount)}, next update ${iso(o.crl.nextUpdate)}.`;
    case "current":
      return `${who}: ${describeScope(o.scope)} CRL #${o.crl.number} is current (next update ${iso(o.crl.nextUpdate)}).`;
    case "skipped":
      return `${who}: skipped: ${o.note}`;
    case "failed":
      return `${who}: failed: ${o.error.message}`;
  }
}

export function registerGenerateCrls(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("generate_crls")
    .alias("cache_crls")
    .description("Generate and store the CRLs (user and CA scope) of every usable CA, or of the CAs named, that are due for renewal.")
    .argument("[ca...]", "serials (unique prefixes) or names of CAs (default: every usable CA)")
    .option("--force", "generate even when the stored CRLs are not due for renewal")
    .option("--password [password]", "password of the CA's private key; only when exactly one CA is named")
    .action(async (names: string[], o: { force?: boolean; password?: string | boolean }) => {
      if (o.password !== undefined && names.length !== 1)
        throw new TscaError("ERR_INVALID_ARGUMENT", "--password can only be given when exactly one CA is named.");
      const password = await resolvePassword(o.password, "Password of the CA's private key: ", io);
      const ctx = await context();
      const outcomes = await generateCrls(ctx, {
        cas: names,
        force: Boolean(o.force),
        ...(password !== undefined ? { password } : {}),
        expiresSeconds: ctx.settings.crlExpires,
        renewalSeconds: ctx.settings.crlRenewal,
      });
      for (const outcome of outcomes) (outcome.status === "failed" ? io.stderr : io.stdout).write(textLines([line(outcome)]));
      const failed = outcomes.flatMap((x) => (x.status === "failed" ? [x.error] : []));
      if (failed.length) throw new TscaError(failed[0]!.code, `The CRLs of ${failed.length} CA(s) could not be generated.`);
    });
}
