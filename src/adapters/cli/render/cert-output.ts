/** Writing a certificate in the format the user asked for (sign_cert, resign_cert, view_cert). */
import { Option, type Command } from "commander";
import type { CertificateView } from "../../../core/usecases/view-cert.js";
import type { CliIo } from "../context.js";
import { derBundleRefused, encodeCertificates, jsonOutput, outputFormat, writeOutput } from "../output.js";
import { checkOutputFile } from "../output-file.js";
import { certViewJson } from "../../../core/views/cert-json.js";
import { renderCertText } from "./cert-text.js";

export const CERT_OUTPUT_FORMATS = ["pem", "der", "text", "json"] as const;

/**
 * Everything writeCertificate could refuse, checked before sign_cert or resign_cert issue anything: a
 * certificate that is stored but never delivered would be issued a second time on a retry.
 */
export async function checkCertificateOutput(o: { outputFormat: string; bundle?: boolean; out?: string }): Promise<void> {
  const format = outputFormat(o.outputFormat, CERT_OUTPUT_FORMATS);
  // A bundle always has the CA too, so it never fits DER.
  if (format === "der" && o.bundle) throw derBundleRefused();
  await checkOutputFile(o.out);
}

export async function writeCertificate(
  view: CertificateView,
  o: { outputFormat: string; bundle?: boolean; out?: string; pem?: boolean; extensions?: boolean },
  now: Date,
  io: CliIo,
): Promise<void> {
  const format = outputFormat(o.outputFormat, CERT_OUTPUT_FORMATS);
  const chain = o.bundle ? view.chain : [view.certificate.der];
  const data =
    format === "text"
      ? renderCertText(view, { pem: o.pem ?? true, extensions: o.extensions ?? true })
      : format === "json"
        ? jsonOutput(certViewJson(view, now))
        : encodeCertificates(chain, format === "pem" ? "PEM" : "DER");
  await writeOutput(data, o.out, io);
}

export function addCertificateOutputOptions(cmd: Command, defaultFormat: string): void {
  cmd
    .addOption(new Option("--output-format <format>", "output format").choices([...CERT_OUTPUT_FORMATS]).default(defaultFormat))
    .option("-b, --bundle", "pem output: the certificate followed by its CA chain up to the root")
    .option("--out <file>", "write to this file instead of standard output")
    .option("-n, --no-pem", "text output without the PEM at the end")
    .option("--no-extensions", "text output without the extensions");
}
