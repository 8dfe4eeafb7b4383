/** `tsca resign_cert CERT`: renew with a new serial and validity, same CA, key, subject, profile and extensions. */
import type { Command } from "commander";
import { parseWatcher } from "../../../core/usecases/cert-watchers.js";
import { resignCert } from "../../../core/usecases/resign-cert.js";
import { describeCertificate } from "../../../core/usecases/view-cert.js";
import type { CliIo, ContextFactory } from "../context.js";
import { parseDuration } from "../duration.js";
import { withExamples } from "../help.js";
import { addPasswordOption, resolvePassword } from "../prompt.js";
import { addCertificateOutputOptions, checkCertificateOutput, writeCertificate } from "../render/cert-output.js";
import { collect } from "../values.js";

export function registerResignCert(program: Command, context: ContextFactory, io: CliIo): void {
  const cmd = program
    .command("resign_cert")
    .description("Renew a certificate: new serial and validity from the same CA, CSR, subject, profile and extensions (CA URLs refreshed).")
    .argument("<cert>", "serial (a unique prefix) or common name of the certificate")
    .option(
      "--expires <days>",
      "validity: days (90 or 90d), or hours, minutes or seconds making whole days (48h); default from the profile, else the setting defaultExpires: 100",
    )
    .option("--watch <email>", "watchers of the new certificate (default: those of the old one); repeatable", collect);
  addPasswordOption(cmd, "password", "password of the CA's private key");
  addCertificateOutputOptions(cmd, "pem");
  withExamples(
    cmd,
    ["tsca resign_cert www.example.com --out www.pem", "renew by common name, with the validity of the profile"],
    ["tsca resign_cert 4F:3A --expires 30d", "renew by serial prefix, for 30 days"],
  );
  cmd.action(
    async (
      identifier: string,
      o: { expires?: string; password?: string | boolean; watch?: string[]; outputFormat: string; bundle?: boolean; out?: string },
    ) => {
      const expiresDays = o.expires !== undefined ? parseDuration(o.expires, "--expires", { unit: "days" }) : undefined;
      const watchers = (o.watch ?? []).map(parseWatcher);
      const password = await resolvePassword(o, { flag: "password", question: "Password of the CA's private key: " }, io);
      // Before the renewal is issued: a certificate stored but never delivered would be issued twice on a retry.
      await checkCertificateOutput(o);
      const ctx = await context();
      const { certificate } = await resignCert(ctx.caller, ctx, {
        cert: identifier,
        watchers,
        ...(expiresDays !== undefined ? { expiresDays } : {}),
        ...(password !== undefined ? { password } : {}),
      });
      const now = ctx.clock.now();
      await writeCertificate(await describeCertificate(ctx.cas, certificate, now), o, now, io);
    },
  );
}
