/** `tsca view_cert CERT` and `tsca dump_cert CERT [PATH|-]`. */
import type { Command } from "commander";
import { viewCert } from "../../../core/usecases/view-cert.js";
import type { CliIo, ContextFactory } from "../context.js";
import { encodeCertificates, parseCertFormat, writeOutput } from "../output.js";
import { writeCertificate } from "../render/cert-output.js";

export function registerViewCert(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("view_cert")
    .description("Show a certificate: subject, issuer, validity, status, profile, watchers, extensions, digests, PEM.")
    .argument("<cert>", "serial (a unique prefix) or common name of the certificate")
    .option("--output-format <format>", "text, pem, der or json", "text")
    .option("-n, --no-pem", "text output without the PEM at the end")
    .option("--no-extensions", "text output without the extensions")
    .option("-b, --bundle", "pem output: the certificate and its CA chain")
    .action(async (identifier: string, o: { outputFormat: string; pem: boolean; extensions: boolean; bundle?: boolean }) => {
      const ctx = await context();
      writeCertificate(await viewCert(ctx, identifier), o, ctx.clock.now(), io);
    });
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
