/** `tsca import_cert CERT_FILE [--ca CA]` and `tsca cert_watchers CERT --add/--rm EMAIL`. */
import type { Command } from "commander";
import { formatSerial } from "../../../core/issuance/serial.js";
import { certWatchers, parseWatcher } from "../../../core/usecases/cert-watchers.js";
import { importCert } from "../../../core/usecases/import-cert.js";
import { derFromPemOrDer } from "../../../core/x509/pem.js";
import { withCaller, type CliIo, type ContextFactory } from "../context.js";
import { readFileOrStdin } from "../input.js";
import { textLines } from "../output.js";
import { collect } from "../values.js";
import { examples } from "../help.js";

export function registerImportCert(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("import_cert")
    .description("Import a certificate issued elsewhere by one of our CAs (PEM or DER); its signature is checked.")
    .argument("<file>", "certificate file; - for standard input")
    .option("--ca <ca>", "the CA that signed it (default: the configured default CA, else the usable CA that expires last)")
    .option("--watch <email>", "e-mail address to notify before expiry; repeatable", collect)
    .addHelpText(
      "after",
      examples([
        'tsca import_cert --ca "Example Sub" --watch admin@example.com old.pem',
        "a certificate signed before tsca managed the CA",
      ]),
    )
    .action(async (path: string, o: { ca?: string; watch?: string[] }) => {
      const watchers = (o.watch ?? []).map(parseWatcher);
      const der = derFromPemOrDer(await readFileOrStdin(path, "certificate", io), "CERTIFICATE", path);
      const ctx = await context();
      const cert = await importCert(ctx.caller, ctx, { der, watchers, ...(o.ca !== undefined ? { ca: o.ca } : {}) });
      io.stdout.write(formatSerial(cert.serial) + "\n");
    });
  program
    .command("cert_watchers")
    .description("Add or remove e-mail addresses notified before a certificate expires.")
    .argument("<cert>", "serial (a unique prefix) or common name of the certificate")
    .option("-a, --add <email>", "add a watcher; repeatable", collect)
    .option("-r, --rm <email>", "remove a watcher; repeatable", collect)
    .addHelpText("after", examples(["tsca cert_watchers www.example.com --add ops@example.com --rm old@example.com"]))
    .action(async (identifier: string, o: { add?: string[]; rm?: string[] }) => {
      const cert = await certWatchers(...(await withCaller(context)), { cert: identifier, add: o.add ?? [], remove: o.rm ?? [] });
      io.stdout.write(textLines(cert.watchers));
    });
}
