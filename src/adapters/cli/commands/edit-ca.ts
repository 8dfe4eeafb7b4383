/** `tsca edit_ca CA`: change what future certificates get and the CA's metadata. */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { editCa } from "../../../core/usecases/edit-ca.js";
import type { CliIo, ContextFactory } from "../context.js";
import { addSignedCertificateOptions, signedCertificateUrlChanges } from "./signed-certificate-options.js";
import { collect, httpUrl } from "../values.js";
import { parseLintRuleSets } from "../../../core/issuance/lint-rule-sets.js";
import { withExamples } from "../help.js";

interface Opts {
  name?: string;
  enable?: boolean;
  disable?: boolean;
  website?: string;
  clearWebsite?: boolean;
  tos?: string;
  clearTos?: boolean;
  caa?: string;
  clearCaa?: boolean;
}

function textChange(value: string | undefined, clear: boolean | undefined, option: string): string | null | undefined {
  if (value !== undefined && clear) throw new TscaError("ERR_INVALID_ARGUMENT", `Give either --${option} or --clear-${option}, not both.`);
  if (clear) return null;
  return value;
}

export function registerEditCa(program: Command, context: ContextFactory, io: CliIo): void {
  const cmd = program
    .command("edit_ca")
    .description("Edit a CA: what certificates it signs get (given values replace stored ones), its name, status and metadata.")
    .argument("<ca>", "serial (a unique prefix) or name of the CA")
    .option("--name <name>", "rename the CA")
    .option("--enable", "enable the CA")
    .option("--disable", "disable the CA (it will not sign until enabled again)")
    .option("--website <url>", "website of the CA")
    .option("--clear-website", "remove the website")
    .option("--tos <url>", "terms of service URL")
    .option("--clear-tos", "remove the terms of service URL")
    .option("--caa <identity>", "CAA identity")
    .option("--clear-caa", "remove the CAA identity")
    .option(
      "--lint <sets>",
      "lint rule sets for what it signs, replacing the stored ones: cabf-serverauth, cabf-smime (comma-separated or repeated); rfc5280 (always on) alone resets",
      collect,
    );
  addSignedCertificateOptions(cmd, { clearable: true });
  withExamples(
    cmd,
    ['tsca edit_ca --ocsp-url http://ocsp.example.com "Example Sub"', "certificates signed from now on carry this OCSP URL"],
    ['tsca edit_ca --clear-crl-url --disable "Example Sub"', "no CRL URL in what it signs, and it signs nothing until --enable"],
  );
  cmd.action(async (identifier: string, o: Opts & Record<string, unknown>) => {
    if (o.enable && o.disable) throw new TscaError("ERR_INVALID_ARGUMENT", "Give either --enable or --disable, not both.");
    const urls = signedCertificateUrlChanges(o);
    const website = textChange(o.website === undefined ? undefined : httpUrl(o.website, "--website"), o.clearWebsite, "website");
    const tos = textChange(o.tos === undefined ? undefined : httpUrl(o.tos, "--tos"), o.clearTos, "tos");
    const caa = textChange(o.caa, o.clearCaa, "caa");
    const changes = {
      ...(o.name !== undefined ? { name: o.name } : {}),
      ...(o.enable ? { enabled: true } : o.disable ? { enabled: false } : {}),
      ...(urls.crlUrls ? { signCrlUrls: urls.crlUrls } : {}),
      ...(urls.ocspUrls ? { signOcspUrls: urls.ocspUrls } : {}),
      ...(urls.issuerUrls ? { signIssuerUrls: urls.issuerUrls } : {}),
      ...(urls.issuerAltNames ? { signIssuerAltNames: urls.issuerAltNames } : {}),
      ...(urls.freshestCrlUrls ? { signFreshestCrlUrls: urls.freshestCrlUrls } : {}),
      ...(website !== undefined ? { website } : {}),
      ...(tos !== undefined ? { termsOfService: tos } : {}),
      ...(caa !== undefined ? { caaIdentity: caa } : {}),
      ...(o.lint !== undefined ? { lintRuleSets: parseLintRuleSets(o.lint as string[]) } : {}),
    };
    // A command that changes nothing is a mistake (a misspelt or forgotten option), not a success.
    if (Object.keys(changes).length === 0)
      throw new TscaError("ERR_INVALID_ARGUMENT", "Nothing to change: give at least one option that changes the CA.");
    const ctx = await context();
    await editCa(ctx.caller, ctx, { ca: identifier, ...changes });
    void io;
  });
}
