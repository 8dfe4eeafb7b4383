/**
 * `tsca generate_ocsp_keys [CA …] [--force]` (alias `regenerate_ocsp_keys`): make or renew the delegated OCSP
 * responder of every usable CA, or of the CAs named. Meant for a daily timer on the key host; one line per CA,
 * skipped CAs (and why) on stderr. When a usable CA's responder could not be renewed, it exits 1
 * (ERR_RENEWAL_INCOMPLETE) after doing the others, so a timer notices before OCSP answers run out.
 */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { formatSerial } from "../../../core/issuance/serial.js";
import { checkResponseValidity, generateOcspKeys, type OcspKeyOutcome } from "../../../core/usecases/generate-ocsp-keys.js";
import { withPasswords, type CliIo, type ContextFactory } from "../context.js";
import { parseDuration } from "../duration.js";
import { examples } from "../help.js";
import { passwordFileOption, passwordGiven, passwordOption, resolvePassword } from "../prompt.js";
import { textLines } from "../output.js";

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
    .addOption(passwordOption("password", "password of the CA's private key; only when exactly one CA is named"))
    .addOption(passwordFileOption("password"))
    .option(
      "--response-validity <duration>",
      "time from thisUpdate to nextUpdate of this CA's OCSP responses (kept for later runs): 1m to 7d, e.g. 10m, 12h; a bare number is seconds",
    )
    .addHelpText(
      "after",
      examples(
        ["tsca generate_ocsp_keys", "make or renew every usable CA's responder (run it from a daily timer)"],
        ['tsca generate_ocsp_keys "Example Sub" --response-validity 12h', "answers of this CA are valid 12 hours"],
        ['tsca generate_ocsp_keys "Protected Root" --password-file /etc/tsca/root.pass', "a CA whose key is encrypted"],
      ),
    )
    .action(
      async (names: string[], o: { force?: boolean; password?: string | boolean; passwordFile?: string; responseValidity?: string }) => {
        if (passwordGiven(o, "password") && names.length !== 1)
          throw new TscaError("ERR_INVALID_ARGUMENT", "--password can only be given when exactly one CA is named.");
        // A bare number stays seconds with no minimum: the range (60 s to 7 days) already refuses a number meant as days.
        const responseValidity =
          o.responseValidity !== undefined
            ? checkResponseValidity(parseDuration(o.responseValidity, "--response-validity", { unit: "seconds", bareMinimum: false }))
            : undefined;
        const password = await resolvePassword(o, { flag: "password", question: "Password of the CA's private key: " }, io);
        const ctx = await context();
        const outcomes = await generateOcspKeys(ctx.caller, ctx, {
          cas: names,
          force: Boolean(o.force),
          ...(password !== undefined ? { password } : {}),
          ...withPasswords(ctx.caPasswords()),
          ...(responseValidity !== undefined ? { responseValidity } : {}),
        });
        for (const outcome of outcomes) (outcome.outcome === "skipped" ? io.stderr : io.stdout).write(textLines([line(outcome)]));
        const missed = outcomes.filter((o) => o.missed).length;
        if (missed)
          throw new TscaError(
            "ERR_RENEWAL_INCOMPLETE",
            `The OCSP responder of ${missed} CA${missed === 1 ? "" : "s"} could not be renewed; the reasons are above.`,
          );
      },
    );
}
