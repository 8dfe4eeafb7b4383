/**
 * `tsca submit_request` and `tsca request_status`: queue a CSR for the signing worker and ask what became
 * of it — what the web admin, the API and ACME do, from the command line (scripts, tests). Thin: parse,
 * call submitSigningRequest / requestStatus, print.
 */
import { Command, Option } from "commander";
import { formatSerial } from "../../../core/issuance/serial.js";
import { requestStatus } from "../../../core/usecases/request-status.js";
import { submitSigningRequest } from "../../../core/usecases/submit-signing-request.js";
import { derFromPemOrDer } from "../../../core/x509/pem.js";
import type { CliIo, ContextFactory } from "../context.js";
import { parseDuration } from "../duration.js";
import { examples } from "../help.js";
import { readFileOrStdin } from "../input.js";
import { collect } from "../values.js";

export function registerSubmitRequest(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("submit_request")
    .description("Queue a CSR for signing by `tsca worker` on the key host. Prints the request id.")
    .requiredOption("--ca <ca>", "the signing CA (serial prefix or name)")
    .option("--csr <file>", "the certificate signing request; - or nothing: standard input")
    .option("--subject <subject>", "subject (OpenSSL style or RFC 4514); default: the CSR's subject")
    .option("--subject-alternative-name <name>", "subject alternative name; repeatable; default: the CSR's requested SANs", collect)
    .addOption(new Option("--alt <name>", "same as --subject-alternative-name").argParser(collect))
    .option("--profile <name>", "certificate profile")
    .option("--expires <days>", "validity in days (90 or 90d, or hours making whole days)")
    .option("--watch <email>", "e-mail address to notify before expiry; repeatable", collect)
    .addHelpText(
      "after",
      examples(
        ["tsca submit_request --ca Sub --csr www.csr --alt www.example.com", "prints the id; tsca worker on the key host signs it"],
        ["tsca submit_request --ca Sub --csr www.csr --profile webserver --expires 90", "a server certificate for 90 days"],
      ),
    )
    .action(
      async (o: {
        ca: string;
        csr?: string;
        subject?: string;
        subjectAlternativeName?: string[];
        alt?: string[];
        profile?: string;
        expires?: string;
        watch?: string[];
      }) => {
        const csr = derFromPemOrDer(await readFileOrStdin(o.csr, "CSR", io), "CERTIFICATE REQUEST", o.csr ?? "standard input");
        const ctx = await context();
        const { id } = await submitSigningRequest(ctx.caller, ctx, {
          ca: o.ca,
          csr,
          parameters: {
            ...(o.subject !== undefined ? { subject: o.subject } : {}),
            sans: [...(o.subjectAlternativeName ?? []), ...(o.alt ?? [])],
            ...(o.profile !== undefined ? { profile: o.profile } : {}),
            ...(o.expires !== undefined ? { expiresDays: parseDuration(o.expires, "--expires", { unit: "days" }) } : {}),
            watchers: o.watch ?? [],
          },
        });
        io.stdout.write(`${id}\n`);
      },
    );
  program
    .command("request_status")
    .description("Show a signing request: pending; issued and the certificate's serial; or failed, the error code and why.")
    .argument("<id>", "the request id submit_request printed")
    .addHelpText("after", examples(["tsca request_status 7bf0a9ebbe82e205f0a4185350c6f306", "pending, issued SERIAL, or failed CODE: why"]))
    .action(async (id: string) => {
      const ctx = await context();
      const r = await requestStatus(ctx.caller, ctx, id);
      if (r.status === "issued") io.stdout.write(`issued ${formatSerial(r.certificateSerial ?? "")}\n`);
      else if (r.status === "failed") io.stdout.write(`failed ${r.errorCode ?? ""}: ${r.errorMessage ?? ""}\n`);
      else io.stdout.write(`pending (attempts: ${r.attempts})\n`);
    });
}
