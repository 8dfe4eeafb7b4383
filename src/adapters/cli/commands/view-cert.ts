/** `tsca view_cert CERT` and `tsca dump_cert CERT [PATH|-]`. */
import type { Command } from "commander";
import { viewCert } from "../../../core/usecases/view-cert.js";
import type { CliIo, ContextFactory } from "../context.js";
import { encodeCertificates, parseCertFormat, writeOutput } from "../output.js";
import { addCertificateOutputOptions, writeCertificate } from "../render/cert-output.js";

export function registerViewCert(program: Command, context: ContextFactory, io: CliIo): void {
  const view = program
    .command("view_cert")
    .description("Show a certificate: subject, issuer, validity, status, profile, watchers, extensions, digests, PEM.")
    .argument("<cert>", "serial (a unique prefix) or common name of the certificate")
    .action(async (identifier: string, o: { outputFormat: string; pem: boolean; extensions: boolean; bundle?: boolean; out?: string }) => {
      const ctx = await context();
      writeCertificate(await viewCert(ctx, identifier), o, ctx.clock.now(), io);
    });
  addCertificateOutputOptions(view, "text");
  program
    .command("dump_cert")
    .description("Write a certificate to a file or standard output.")
    .argument("<cert>", "serial (a unique prefix) or common name of the certificate")
    .argument("[path]", "file to write; - or nothing for standard output")
    .option("-f, --format <format>", "PEM or DER", "PEM")
    .option("-b, --bundle", "the certificate and its CA chain (PEM only)")
    .action(async (identifier: string, path: string | undefined, o: { format: string; bundle?: boolean }) => {
      const format = parseCertFormat(o.format);
      const view = await viewCert(await context(), identifier);
      writeOutput(encodeCertificates(o.bundle ? view.chain : [view.certificate.der], format), path, io);
    });
}
