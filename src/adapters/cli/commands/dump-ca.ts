/** `tsca dump_ca CA [PATH|-]`: the CA certificate as PEM (default) or DER, `--bundle` for the chain. */
import type { Command } from "commander";
import { dumpCa } from "../../../core/usecases/dump-ca.js";
import { withCaller, type CliIo, type ContextFactory } from "../context.js";
import { encodeCertificates, parseCertFormat, writeOutput } from "../output.js";
import { checkOutputFile } from "../output-file.js";
import { examples } from "../help.js";

export function registerDumpCa(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("dump_ca")
    .description("Write the CA certificate to a file or to standard output.")
    .argument("<ca>", "serial (a unique prefix) or name of the CA")
    .argument("[file]", "file to write; - or nothing for standard output")
    .option("-f, --format <format>", "PEM or DER", "PEM")
    .option("-b, --bundle", "the whole chain from this CA up to the root (PEM only)")
    .addHelpText(
      "after",
      examples(
        ['tsca dump_ca "Example Root" root.pem', "the certificate as PEM"],
        ['tsca dump_ca --bundle "Example Sub" chain.pem', "with its chain up to the root"],
        ['tsca dump_ca -f DER "Example Root" root.der'],
      ),
    )
    .action(async (identifier: string, path: string | undefined, o: { format: string; bundle?: boolean }) => {
      const format = parseCertFormat(o.format);
      await checkOutputFile(path);
      const ders = await dumpCa(...(await withCaller(context, (c) => c.cas)), identifier, Boolean(o.bundle));
      await writeOutput(encodeCertificates(ders, format), path, io);
    });
}
