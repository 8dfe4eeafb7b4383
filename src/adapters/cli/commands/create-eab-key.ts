/**
 * `tsca create_eab_key --ca CA [--json]`: an External Account Binding key for the CA's ACME accounts
 * (RFC 8555 §7.3.4). Key id and HMAC key (base64url) go to standard output, shown this once; clients take
 * them as certbot --eab-kid/--eab-hmac-key, lego --eab --kid/--hmac.
 */
import type { Command } from "commander";
import { createEabKey } from "../../../core/usecases/create-eab-key.js";
import { formatSerial } from "../../../core/issuance/serial.js";
import type { CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { jsonOutput, textLines } from "../output.js";

export function registerCreateEabKey(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("create_eab_key")
    .description("Create an ACME External Account Binding key for a CA; its key id and HMAC key are printed once.")
    .requiredOption("--ca <ca>", "serial (a unique prefix) or name of the CA")
    .option("--json", "print kid, hmac_key, ca and created as JSON")
    .addHelpText(
      "after",
      examples(
        ['tsca create_eab_key --ca "Example Sub"', "prints kid and hmac_key: hand both to the account's operator"],
        ["certbot register --eab-kid=KID --eab-hmac-key=KEY --server https://ca.example.com/acme/<HEX>/directory", "using them"],
      ),
    )
    .action(async (o: { ca: string; json?: boolean }) => {
      const ctx = await context();
      const { ca, key } = await createEabKey(ctx.caller, ctx, { ca: o.ca });
      const hmacKey = key.key.toString("base64url");
      if (o.json)
        io.stdout.write(jsonOutput({ kid: key.kid, hmac_key: hmacKey, ca: formatSerial(ca.serial), created: key.createdAt.toISOString() }));
      else io.stdout.write(textLines([`kid: ${key.kid}`, `hmac_key: ${hmacKey}`]));
      io.stderr.write(
        textLines([`EAB key ${key.kid} for ${ca.name}: the HMAC key is shown once and binds one ACME account; pass it on securely now.`]),
      );
    });
}
