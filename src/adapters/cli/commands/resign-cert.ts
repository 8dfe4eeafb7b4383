/** `tsca resign_cert CERT`: renew with a new serial and validity, same CA, key, subject, profile and extensions. */
import type { Command } from "commander";
import { parseWatcher } from "../../../core/usecases/cert-watchers.js";
import { resignCert } from "../../../core/usecases/resign-cert.js";
import { describeCertificate } from "../../../core/usecases/view-cert.js";
import type { CliIo, ContextFactory } from "../context.js";
import { resolvePassword } from "../prompt.js";
import { addCertificateOutputOptions, writeCertificate } from "../render/cert-output.js";
import { collect, positiveInt } from "../values.js";

export function registerResignCert(program: Command, context: ContextFactory, io: CliIo): void {
  const cmd = program
    .command("resign_cert")
    .description("Renew a certificate: new serial and validity from the same CA, CSR, subject, profile and extensions (CA URLs refreshed).")
    .argument("<cert>", "serial (a unique prefix) or common name of the certificate")
    .option("--expires <days>", "validity in days (default from the profile, else the setting defaultExpires: 100)")
    .option("--password [password]", "password of the CA's private key (asked for when given without a value)")
    .option("--watch <email>", "watchers of the new certificate (default: those of the old one); repeatable", collect);
  addCertificateOutputOptions(cmd, "pem");
  cmd.action(
    async (
      identifier: string,
      o: { expires?: string; password?: string | boolean; watch?: string[]; outputFormat: string; bundle?: boolean; out?: string },
    ) => {
      const expiresDays = o.expires !== undefined ? positiveInt(o.expires, "--expires") : undefined;
      const watchers = (o.watch ?? []).map(parseWatcher);
      const password = await resolvePassword(o.password, "Password of the CA's private key: ", io);
      const ctx = await context();
      const { certificate } = await resignCert(
        { ...ctx, defaultCa: ctx.settings.defaultCa, defaultExpires: ctx.settings.defaultExpires },
        {
          cert: identifier,
          watchers,
          ...(expiresDays !== undefined ? { expiresDays } : {}),
          ...(password !== undefined ? { password } : {}),
        },
      );
      const now = ctx.clock.now();
      writeCertificate(await describeCertificate(ctx.cas, certificate, now), o, now, io);
    },
  );
}
