/**
 * `tsca generate_crls [CA …] [--force]` (alias `cache_crls`): renew the stored CRLs that are due, for
 * timers on the key host. One line per CA and CRL on stdout; what was skipped or failed, and why, goes to
 * stderr, and then the command exits 1 (ERR_RENEWAL_INCOMPLETE) after doing every other CA, so a timer
 * notices a CA whose CRLs will run out.
 */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { formatSerial } from "../../../core/issuance/serial.js";
import type { StoredCrl } from "../../../core/ports/crl-repository.js";
import { describeScope } from "../../../core/revocation/crl-scope.js";
import { generateCrls, type CrlOutcome } from "../../../core/usecases/generate-crls.js";
import { withPasswords, type CliIo, type ContextFactory } from "../context.js";
import { entries } from "../render/crl-text.js";
import { examples } from "../help.js";
import { passwordFileOption, passwordGiven, passwordOption, resolvePassword } from "../prompt.js";
import { textLines } from "../output.js";

const iso = (d: Date): string => d.toISOString().replace(/\.000Z$/, "Z");

const what = (o: { scope: CrlOutcome["scope"] & object; delta: boolean; crl: StoredCrl }): string =>
  `${describeScope(o.scope)} ${o.delta ? `delta CRL (base #${o.crl.baseNumber})` : "CRL"}`;

function line(o: CrlOutcome): string {
  const who = `"${o.ca.name}" (${formatSerial(o.ca.serial)})`;
  switch (o.status) {
    case "generated":
      return `${who}: ${what(o)} #${o.crl.number} generated, ${entries(o.entryCount)}, next update ${iso(o.crl.nextUpdate)}.`;
    case "current":
      return `${who}: ${what(o)} #${o.crl.number} is current (next update ${iso(o.crl.nextUpdate)}).`;
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
    .description(
      "Generate and store the CRLs (full, user and CA scope, and delta CRLs where configured) of every usable CA, or of the CAs named, that are due for renewal.",
    )
    .argument("[ca...]", "serials (unique prefixes) or names of CAs (default: every usable CA)")
    .option("--force", "generate even when the stored CRLs are not due for renewal")
    .addOption(passwordOption("password", "password of the CA's private key; only when exactly one CA is named"))
    .addOption(passwordFileOption("password"))
    .addHelpText(
      "after",
      examples(
        ["tsca generate_crls", "renew what is due, for every usable CA (from a timer, e.g. hourly)"],
        ['tsca generate_crls "Protected Root" --password-file /etc/tsca/root.pass', "a CA whose key is encrypted"],
        ['tsca generate_crls --force "Example Sub"', "make new CRLs now, due or not"],
      ),
    )
    .action(async (names: string[], o: { force?: boolean; password?: string | boolean; passwordFile?: string }) => {
      if (passwordGiven(o, "password") && names.length !== 1)
        throw new TscaError("ERR_INVALID_ARGUMENT", "--password can only be given when exactly one CA is named.");
      const password = await resolvePassword(o, { flag: "password", question: "Password of the CA's private key: " }, io);
      const ctx = await context();
      const outcomes = await generateCrls(ctx.caller, ctx, {
        cas: names,
        force: Boolean(o.force),
        ...(password !== undefined ? { password } : {}),
        ...withPasswords(ctx.caPasswords()),
      });
      const missed = (o: CrlOutcome): boolean => o.status === "failed" || o.status === "skipped";
      for (const outcome of outcomes) (missed(outcome) ? io.stderr : io.stdout).write(textLines([line(outcome)]));
      const count = new Set(outcomes.filter(missed).map((o) => o.ca.serial)).size;
      if (count)
        throw new TscaError(
          "ERR_RENEWAL_INCOMPLETE",
          `The CRLs of ${count} CA${count === 1 ? "" : "s"} could not be generated; the reasons are above.`,
        );
    });
}
