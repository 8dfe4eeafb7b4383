/**
 * The `tsca` command line: one register function per command. Exit codes: 0 success, 2 usage error,
 * 1 any other error; errors are one sentence on stderr (stack traces only with --traceback).
 */
import { Command, CommanderError } from "commander";
import { ERROR_CODES, isTscaError } from "../../core/errors.js";
import { printable } from "../../core/text/printable.js";
import type { CliIo, CliLaunchers, ContextFactory } from "./context.js";
import { registerDumpCa } from "./commands/dump-ca.js";
import { registerEditCa } from "./commands/edit-ca.js";
import { registerImportCa } from "./commands/import-ca.js";
import { registerInitCa } from "./commands/init-ca.js";
import { registerListCas } from "./commands/list-cas.js";
import { registerViewCa } from "./commands/view-ca.js";
import { registerImportCert } from "./commands/import-cert.js";
import { registerListCerts } from "./commands/list-certs.js";
import { registerResignCert } from "./commands/resign-cert.js";
import { registerRevokeCert } from "./commands/revoke-cert.js";
import { registerSignCert } from "./commands/sign-cert.js";
import { registerViewCert } from "./commands/view-cert.js";
import { registerGenerateOcspKeys } from "./commands/generate-ocsp-keys.js";
import { registerServe } from "./commands/serve.js";
import { registerDumpCrl } from "./commands/dump-crl.js";
import { registerGenerateCrls } from "./commands/generate-crls.js";
import { registerRevokeCa } from "./commands/revoke-ca.js";

export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

export function buildProgram(context: ContextFactory, io: CliIo, version: string, launchers: CliLaunchers = {}): Command {
  const program = new Command("tsca")
    .description("tsca: a certificate authority manager.")
    .version(version)
    .option("--traceback", "print the stack trace of an error")
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => undefined, // printed once, by runCli
    });
  const commands = [
    ...[registerInitCa, registerImportCa, registerListCas, registerViewCa, registerEditCa, registerDumpCa],
    ...[registerSignCert, registerResignCert, registerRevokeCert, registerListCerts, registerViewCert, registerImportCert],
    ...[registerRevokeCa, registerDumpCrl, registerGenerateCrls],
  ];
  commands.push(registerGenerateOcspKeys);
  for (const register of commands) register(program, context, io);
  registerServe(program, launchers, io);
  program.commands.forEach((c) => {
    c.exitOverride();
    c.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => undefined });
    c.showSuggestionAfterError(true);
  });
  program.exitOverride();
  return program;
}

/** The first line of a message, escaped: messages echo user input (a subject, a file name, an option). */
function oneLine(message: string): string {
  return printable(
    message
      .replace(/^error: /, "")
      .split("\n")[0]!
      .trim(),
  );
}

export async function runCli(
  argv: string[],
  context: ContextFactory,
  io: CliIo,
  version: string,
  launchers: CliLaunchers = {},
): Promise<number> {
  const traceback = argv.includes("--traceback");
  const program = buildProgram(context, io, version, launchers);
  try {
    await program.parseAsync(
      argv.filter((a) => a !== "--traceback"),
      { from: "user" },
    );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || ["commander.helpDisplayed", "commander.version", "commander.help"].includes(e.code)) return EXIT.ok;
      const command = argv.find((a) => !a.startsWith("-"));
      const known = command !== undefined && program.commands.some((c) => c.name() === command);
      io.stderr.write(`Error: ${oneLine(e.message)} (see tsca ${known ? `${command} ` : ""}-h)\n`);
      return EXIT.usage;
    }
    if (isTscaError(e)) {
      io.stderr.write(`Error: ${printable(e.message)}\n`);
      if (traceback) io.stderr.write(`${e.code}\n${String(e.stack)}\n${e.cause ? String((e.cause as Error).stack ?? e.cause) : ""}\n`);
      return ERROR_CODES[e.code].kind === "usage" ? EXIT.usage : EXIT.error;
    }
    io.stderr.write(`Error: Internal error: ${oneLine((e as Error)?.message ?? String(e))}\n`);
    if (traceback) io.stderr.write(`${String((e as Error)?.stack)}\n`);
    return EXIT.error;
  }
}
