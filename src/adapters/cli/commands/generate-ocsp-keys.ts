/**
 * `tsca generate_ocsp_keys [CA …] [--force]` (alias `regenerate_ocsp_keys`): make or renew the delegated OCSP
 * responder of every usable CA, or of the CAs named. Meant for a daily timer on the key host; one line per CA.
 */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { formatSerial } from "../../../core/issuance/serial.js";
import { checkResponseValidity, generateOcspKeys, type OcspKeyOutcome } from "../../../core/usecases/generate-ocsp-keys.js";
import type { CliIo, ContextFactory } from "../context.js";
import { resolvePassword } from "../prompt.js";
import { textLines } from "../output.js";
import { positiveInt } from "../values.js";

const iso = (d: Date): string => d.toISOString().replace(/\.000Z$/, "Z");

function line(o: OcspKeyOutcome): string {
  const who = `"${o.ca.name}" (${formatSerial(o.ca.serial)})`;
  const r = o.responder;
  switch (o.outcome) {
    case "created":
    case "renewed":
      return `${who}: OCSP responder certificate ${formatSerial(r!.certificateSerial)} ${o.outcome}, valid until ${iso(r!.notAfter)}.`;
    case "kept":
      return `${who}: OCSP responder certificate ${formatSerial(r!.certificateSerial)} is current (valid until ${iso(r!.notAfter)}).`;
    case "updated":
      return `${who}: OCSP response validity set to ${r!.responseValidity} seconds.`;
    case "skipped":
      return `${who}: skipped: ${o.reason ?? ""}`;
  }
}

export function registerGenerateOcspKeys(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("generate_ocsp_keys")
    .alias("regenerate_ocsp_keys")
    .description(
      "Make or renew the delegated OCSP responder (key outside CA_DIR, certificate signed by the CA) of every usable CA, or of the CAs named.",
    )
    .argument("[ca...]", "serials (unique prefixes) or names of CAs (default: every usable CA)")
    .option("--force", "renew even when the responder certificate is not due for renewal")
    .option("--password [password]", "password of the CA's private key; only when exactly one CA is named")
    .option("--response-validity <seconds>", "seconds from thisUpdate to nextUpdate of this CA's OCSP responses (kept for later runs)")
    .action(async (names: string[], o: { force?: boolean; password?: string | boolean; responseValidity?: string }) => {
      if (o.password !== undefined && names.length !== 1)
        throw new TscaError("ERR_INVALID_ARGUMENT", "--password can only be given when exactly one CA is named.");
      const responseValidity =
        o.responseValidity !== undefined ? checkResponseValidity(positiveInt(o.responseValidity, "--response-validity")) : undefined;
      const password = await resolvePassword(o.password, "Password of the CA's private key: ", io);
      const ctx = await context();
      const outcomes = await generateOcspKeys(ctx, {
        cas: names,
        force: Boolean(o.force),
        ...(password !== undefined ? { password } : {}),
        ...(responseValidity !== undefined ? { responseValidity } : {}),
        validityDays: ctx.settings.ocspResponderValidity,
        renewBeforeHours: ctx.settings.ocspResponderRenewal,
        defaultResponseValidity: ctx.settings.ocspResponseValidity,
      });
      io.stdout.write(textLines(outcomes.map(line)));
    });
}
