/** `tsca edit_ca CA`: change what future certificates get and the CA's metadata. */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { editCa } from "../../../core/usecases/edit-ca.js";
import type { CliIo, ContextFactory } from "../context.js";
import { addSignedCertificateOptions, signedCertificateUrlChanges } from "./signed-certificate-options.js";

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
    .option("--clear-caa", "remove the CAA identity");
  addSignedCertificateOptions(cmd, { clearable: true });
  cmd.action(async (identifier: string, o: Opts & Record<string, unknown>) => {
    if (o.enable && o.disable) throw new TscaError("ERR_INVALID_ARGUMENT", "Give either --enable or --disable, not both.");
    const urls = signedCertificateUrlChanges(o);
    const website = textChange(o.website, o.clearWebsite, "website");
    const tos = textChange(o.tos, o.clearTos, "tos");
    const caa = textChange(o.caa, o.clearCaa, "caa");
    const ctx = await context();
    await editCa(ctx, {
      ca: identifier,
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
    });
    void io;
  });
}
