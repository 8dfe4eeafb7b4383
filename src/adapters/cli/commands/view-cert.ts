/** `tsca view_cert CERT` and `tsca dump_cert CERT [PATH|-]`. */
import type { Command } from "commander";
import { viewCert } from "../../../core/usecases/view-cert.js";
import { withCaller, type CliIo, type ContextFactory } from "../context.js";
import { encodeCertificates, parseCertFormat, writeOutput } from "../output.js";
import { addCertificateOutputOptions, writeCertificate } from "../render/cert-output.js";
import { examples, withExamples } from "../help.js";

export function registerViewCert(program: Command, context: ContextFactory, io: CliIo): void {
  const view = program
    .command("view_cert")
    .description("Show a certificate: subject, issuer, validity, status, profile, watchers, extensions, digests, PEM.")
    .argument("<cert>", "serial (a unique prefix) or common name of the certificate")
    .action(async (identifier: string, o: { outputFormat: string; pem: boolean; extensions: boolean; bundle?: boolean; out?: string }) => {
      const ctx = await context();
      await writeCertificate(await viewCert(ctx.caller, ctx, identifier), o, ctx.clock.now(), io);
    });
  addCertificateOutputOptions(view, "text");
  withExamples(
    view,
    ["tsca view_cert www.example.com", "by common name"],
    ["tsca view_cert 4F:3A --output-format json", "by serial prefix, as JSON"],
  );
  program
    .command("dump_cert")
    .description("Write a certificate to a file or standard output.")
    .argument("<cert>", "serial (a unique prefix) or common name of the certificate")
    .argument("[file]", "file to write; - or nothing for standard output")
    .option("-f, --format <format>", "PEM or DER", "PEM")
    .option("-b, --bundle", "the certificate and its CA chain (PEM only)")
    .addHelpText(
      "after",
      examples(["tsca dump_cert www.example.com www.pem"], ["tsca dump_cert --bundle 4F:3A fullchain.pem", "with the CA chain"]),
    )
    .action(async (identifier: string, path: string | undefined, o: { format: string; bundle?: boolean }) => {
      const format = parseCertFormat(o.format);
      const view = await viewCert(...(await withCaller(context)), identifier);
      await writeOutput(encodeCertificates(o.bundle ? view.chain : [view.certificate.der], format), path, io);
    });
}
