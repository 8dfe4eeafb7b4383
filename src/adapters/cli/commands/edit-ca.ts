/** `tsca edit_ca CA`: change what future certificates get and the CA's metadata. */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { editCa } from "../../../core/usecases/edit-ca.js";
import type { CliIo, ContextFactory } from "../context.js";
import { addSignedCertificateOptions, signedCertificateUrlChanges } from "./signed-certificate-options.js";
import { collect, httpUrl } from "../values.js";
import { parseLintRuleSets } from "../../../core/issuance/lint-rule-sets.js";
import { withExamples } from "../help.js";
import { parseDuration } from "../duration.js";
import { parseSigningPolicies } from "../../../core/ca/signing-policies.js";
import { acmeSettingsChange, addAcmeOptions, type AcmeOpts } from "./acme-options.js";

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
  signCertificatePolicies?: string[];
  clearSignCertificatePolicies?: boolean;
  defaultProfile?: string;
  clearDefaultProfile?: boolean;
  defaultExpires?: string;
  clearDefaultExpires?: boolean;
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
  cmd
    .option(
      "--sign-certificate-policies <policy>",
      'certificate policy for what it signs, "OID; cps:URL; notice:TEXT" (qualifiers optional); repeatable, replacing the stored ones',
      collect,
    )
    .option("--clear-sign-certificate-policies", "no certificate policies in what it signs (unless a request names some)")
    .option("--default-profile <name>", "profile for requests that name none (instead of the configured default profile)")
    .option("--clear-default-profile", "requests that name no profile get the configured default profile again")
    .option("--default-expires <days>", "validity for requests that name none: days (90 or 90d), before the profile's and the setting's")
    .option("--clear-default-expires", "requests that name no validity get the profile's or the setting's again");
  addAcmeOptions(cmd, { edit: true });
  withExamples(
    cmd,
    ['tsca edit_ca --ocsp-url http://ocsp.example.com "Example Sub"', "certificates signed from now on carry this OCSP URL"],
    ['tsca edit_ca --clear-crl-url --disable "Example Sub"', "no CRL URL in what it signs, and it signs nothing until --enable"],
    ['tsca edit_ca --acme-enable --acme-allow "*.corp.example" "Example Sub"', "answer ACME, for names below corp.example only"],
  );
  cmd.action(async (identifier: string, o: Opts & AcmeOpts & Record<string, unknown>) => {
    if (o.enable && o.disable) throw new TscaError("ERR_INVALID_ARGUMENT", "Give either --enable or --disable, not both.");
    const urls = signedCertificateUrlChanges(o);
    const website = textChange(o.website === undefined ? undefined : httpUrl(o.website, "--website"), o.clearWebsite, "website");
    const tos = textChange(o.tos === undefined ? undefined : httpUrl(o.tos, "--tos"), o.clearTos, "tos");
    const caa = textChange(o.caa, o.clearCaa, "caa");
    if (o.signCertificatePolicies && o.clearSignCertificatePolicies)
      throw new TscaError(
        "ERR_INVALID_ARGUMENT",
        "Give either --sign-certificate-policies or --clear-sign-certificate-policies, not both.",
      );
    const policies = o.clearSignCertificatePolicies ? [] : o.signCertificatePolicies && parseSigningPolicies(o.signCertificatePolicies);
    const profile = textChange(o.defaultProfile, o.clearDefaultProfile, "default-profile");
    const expires = textChange(
      o.defaultExpires === undefined ? undefined : String(parseDuration(o.defaultExpires, "--default-expires", { unit: "days" })),
      o.clearDefaultExpires,
      "default-expires",
    );
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
      ...(policies !== undefined ? { signCertificatePolicies: policies } : {}),
      ...(profile !== undefined ? { defaultProfile: profile } : {}),
      ...(expires !== undefined ? { defaultExpiresDays: expires === null ? null : Number(expires) } : {}),
    };
    const acme = acmeSettingsChange(o);
    // A command that changes nothing is a mistake (a misspelt or forgotten option), not a success.
    if (Object.keys(changes).length === 0 && !acme)
      throw new TscaError("ERR_INVALID_ARGUMENT", "Nothing to change: give at least one option that changes the CA.");
    const ctx = await context();
    await editCa(ctx.caller, ctx, { ca: identifier, ...changes, ...(acme ? { acme } : {}) });
    void io;
  });
}
