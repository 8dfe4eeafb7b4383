/**
 * `tsca dump_crl [PATH|-]`: make a CRL now (it is also stored and takes the next CRL number of its
 * scope) and write it as PEM (label "X509 CRL", which openssl reads) or DER. `--expires` takes a
 * duration; a bare number is seconds, as in django-ca (see duration.ts for why small ones need a unit).
 */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { crlScope, type CrlScopeKind } from "../../../core/revocation/crl-scope.js";
import { parseReason } from "../../../core/revocation/reasons.js";
import { dumpCrl } from "../../../core/usecases/dump-crl.js";
import { toPem } from "../../../core/x509/pem.js";
import type { CliIo, ContextFactory } from "../context.js";
import { parseCertFormat, writeOutput } from "../output.js";
import { checkOutputFile } from "../output-file.js";
import { parseDuration } from "../duration.js";
import { examples } from "../help.js";
import { passwordFileOption, passwordOption, resolvePassword } from "../prompt.js";
import { collect } from "../values.js";

interface Opts {
  ca?: string;
  format: string;
  expires: string;
  onlyContainsCaCerts?: boolean;
  onlyContainsUserCerts?: boolean;
  onlySomeReasons?: string[];
  delta?: boolean;
  password?: string | boolean;
}

function scopeKind(o: Opts): CrlScopeKind {
  if (o.onlyContainsCaCerts && o.onlyContainsUserCerts)
    throw new TscaError("ERR_INVALID_ARGUMENT", "Give only one of --only-contains-ca-certs and --only-contains-user-certs.");
  return o.onlyContainsCaCerts ? "ca" : o.onlyContainsUserCerts ? "user" : "all";
}

export function registerDumpCrl(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("dump_crl")
    .description("Make a CRL of a CA now, store it, and write it to a file or standard output.")
    .argument("[file]", "file to write; - or nothing for standard output")
    .option("--ca <ca>", "serial (a unique prefix) or name of the CA (default: the default CA)")
    .option("-f, --format <format>", "PEM or DER", "PEM")
    .option(
      "-e, --expires <duration>",
      "time until the CRL's nextUpdate: 7d, 24h, 30m or 3600s; a bare number is seconds (django-ca) and must be at least 3600",
      "1d",
    )
    .option("--only-contains-ca-certs", "only revoked child CAs (a CA-scope CRL, RFC 5280 §5.2.5)")
    .option("--only-contains-user-certs", "only revoked end-entity certificates (a user-scope CRL)")
    .option("--only-some-reasons <reason>", "only revocations with this reason; repeatable", collect)
    .option("--delta", "a delta CRL against the newest complete CRL of this scope (RFC 5280 §5.2.4)")
    .addOption(passwordOption("password", "password of the CA's private key"))
    .addOption(passwordFileOption("password"))
    .addHelpText(
      "after",
      examples(
        ['tsca dump_crl --ca "Example Sub" crl.pem', "a complete CRL of this CA, valid for a day"],
        [
          'tsca dump_crl --ca "Example Root" --only-contains-ca-certs --expires 30d \\\n-f DER root-ca.crl',
          "the CA-scope CRL, valid 30 days",
        ],
      ),
    )
    .action(async (path: string | undefined, o: Opts) => {
      const format = parseCertFormat(o.format);
      const expiresSeconds = parseDuration(o.expires, "--expires", { unit: "seconds" });
      const scope = crlScope(scopeKind(o), (o.onlySomeReasons ?? []).map(parseReason));
      const password = await resolvePassword(o, { flag: "password", question: "Password of the CA's private key: " }, io);
      // The CRL is stored and takes a number: refuse a path that cannot be written before that.
      await checkOutputFile(path);
      const ctx = await context();
      const { crl } = await dumpCrl(ctx.caller, ctx, {
        ...(o.ca !== undefined ? { ca: o.ca } : {}),
        ...(password !== undefined ? { password } : {}),
        scope,
        expiresSeconds,
        delta: Boolean(o.delta),
      });
      await writeOutput(format === "PEM" ? toPem(crl.der, "X509 CRL") : crl.der, path, io);
    });
}
