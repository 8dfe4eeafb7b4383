/** `tsca view_ca CA`: everything about a CA; `--output-format text|pem|der|json`. */
import type { Command } from "commander";
import { viewCa } from "../../../core/usecases/view-ca.js";
import type { CertificateAuthority } from "../../../core/ca/certificate-authority.js";
import type { CliContext, CliIo, ContextFactory } from "../context.js";
import { encodeCertificates, jsonOutput, outputFormat } from "../output.js";
import { caViewJson } from "../../../core/views/ca-json.js";
import { renderCaText } from "../render/ca-text.js";
import { examples } from "../help.js";

export function registerViewCa(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("view_ca")
    .description("Show a CA: subject, validity, hierarchy, key location, extensions, what it adds to signed certificates, digests.")
    .argument("<ca>", "serial (a unique prefix, colons optional) or name of the CA")
    .option("--output-format <format>", "text, pem, der or json", "text")
    .option("-n, --no-pem", "text output without the PEM at the end")
    .option("--no-extensions", "text output without the certificate's extensions")
    .option("-b, --bundle", "pem output: the whole chain up to the root")
    .addHelpText(
      "after",
      examples(
        ['tsca view_ca "Example Sub"', "by name"],
        ["tsca view_ca 66:EB", "by a unique serial prefix (66eb works too)"],
        ['tsca view_ca --output-format pem --bundle "Example Sub"', "the chain as PEM"],
      ),
    )
    .action(async (identifier: string, o: { outputFormat: string; pem: boolean; extensions: boolean; bundle?: boolean }) => {
      const format = outputFormat(o.outputFormat, ["text", "pem", "der", "json"] as const);
      const ctx = await context();
      const view = await viewCa(ctx.caller, { cas: ctx.cas, clock: ctx.clock, describeKey: (ca) => describeCaKey(ctx, ca) }, identifier);
      const { externalUrl } = ctx.settings;
      if (format === "text") io.stdout.write(renderCaText(view, { pem: o.pem, extensions: o.extensions, externalUrl }));
      else if (format === "json") io.stdout.write(jsonOutput(caViewJson(view, { externalUrl })));
      else io.stdout.write(encodeCertificates(o.bundle ? view.chain : [view.ca.der], format === "pem" ? "PEM" : "DER"));
    });
}

/** Where the CA's key is, as its backend describes it; a backend this host lacks is named as stored. */
function describeCaKey(ctx: CliContext, ca: CertificateAuthority): string {
  try {
    return ctx.keys.get(ca.keyBackend, ca.keyOptions).describe(ca.keyRef);
  } catch {
    return `${ca.keyRef} (key backend ${ca.keyBackend})`;
  }
}
