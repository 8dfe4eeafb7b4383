/**
 * The `tsca` command line: one register function per command. Exit codes: 0 success, 2 usage error,
 * 1 any other error, from the one table in exit-codes.ts; errors are one sentence on stderr (stack traces
 * only with --traceback).
 */
import { Command, CommanderError } from "commander";
import { ERROR_CODES, isTscaError } from "../../core/errors.js";
import { EXIT, exitCodeOf } from "./exit-codes.js";
import { printable } from "../../core/text/printable.js";
import type { CliIo, CliLaunchers, ContextFactory } from "./context.js";
import { examples, helpWidth } from "./help.js";
import { refuseConflictingOptions } from "./option-rules.js";
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
import { registerWorker } from "./commands/worker.js";
import { registerSubmitRequest } from "./commands/submit-request.js";
import { registerAudit } from "./commands/audit.js";
import { registerCreateUser } from "./commands/create-user.js";
import { registerSetPassword } from "./commands/set-password.js";
import { registerListUsers } from "./commands/list-users.js";
import { registerDisableUser } from "./commands/disable-user.js";
import { registerGrant } from "./commands/grant.js";
import { registerUngrant } from "./commands/ungrant.js";
import { registerCreateToken } from "./commands/create-token.js";
import { registerListTokens } from "./commands/list-tokens.js";
import { registerRevokeToken } from "./commands/revoke-token.js";
import { registerCheck } from "./commands/check.js";
import { registerNotifyExpiringCerts } from "./commands/notify-expiring-certs.js";
import { registerBackup } from "./commands/backup.js";
import { registerCreateEabKey } from "./commands/create-eab-key.js";
import { registerListEabKeys } from "./commands/list-eab-keys.js";

export { EXIT };

/** What `tsca -h` says about the installation; the composition root knows it (from the settings' rules). */
export interface HelpContext {
  /** The data directory this invocation would use (TSCA_HOME or its default), resolved without touching it. */
  home?: string;
}

/** `tsca -h`: where the data lives and the environment variables a new user needs first (80 columns). */
function programHelp(help: HelpContext): string {
  return [
    "",
    "Data directory (TSCA_HOME): the SQLite database, the CA keys (ca/), the OCSP",
    "responder keys (ocsp/) and the optional config file tsca.json.",
    "  default: $XDG_DATA_HOME/tsca, else ~/.local/share/tsca",
    ...(help.home ? [`  now:     ${help.home}`] : []),
    "",
    'Environment (every setting and its config-file key: README.md, "Configuration"):',
    "  TSCA_HOME              the data directory",
    "  TSCA_CONFIG            JSON config file (default: $TSCA_HOME/tsca.json)",
    "  TSCA_DATABASE_URL      SQLite file, or postgres://user:password@host:port/db",
    "  TSCA_CA_DIR            CA private keys, key host only (default: $TSCA_HOME/ca)",
    "  TSCA_DEFAULT_HOSTNAME  HOST[:PORT] of tsca serve, for the URLs of new CAs",
    "  TSCA_DEFAULT_CA        the CA that signs when none is named",
    "  TSCA_DEFAULT_KEY_TYPE  key type of new CAs: RSA, EC, Ed25519 or Ed448",
    "  TSCA_CRL_EXPIRES       validity of the CRLs generate_crls makes, in seconds",
    "",
    "Exit status: 0 success, 2 usage error (bad command line or value), 1 error.",
    "",
  ]
    .join("\n")
    .concat(
      examples(
        ['tsca init_ca --key-type EC "Root CA" "/CN=Root CA"', "create a root CA"],
        ["tsca sign_cert --csr www.csr --out www.pem", "sign a CSR with the default CA"],
        ["tsca init_ca -h", "the options of one command"],
      ),
    );
}

/** `tsca -h` lists the commands in these groups. */
const COMMAND_GROUPS: Record<string, string> = {
  init_ca: "Certificate authorities:",
  import_ca: "Certificate authorities:",
  list_cas: "Certificate authorities:",
  view_ca: "Certificate authorities:",
  edit_ca: "Certificate authorities:",
  dump_ca: "Certificate authorities:",
  revoke_ca: "Certificate authorities:",
  sign_cert: "Certificates:",
  resign_cert: "Certificates:",
  revoke_cert: "Certificates:",
  unrevoke_cert: "Certificates:",
  list_certs: "Certificates:",
  view_cert: "Certificates:",
  dump_cert: "Certificates:",
  import_cert: "Certificates:",
  cert_watchers: "Certificates:",
  notify_expiring_certs: "Certificates:",
  dump_crl: "CRLs, OCSP and the server:",
  generate_crls: "CRLs, OCSP and the server:",
  generate_ocsp_keys: "CRLs, OCSP and the server:",
  serve: "CRLs, OCSP and the server:",
  backup: "CRLs, OCSP and the server:",
  audit: "Users and audit:",
  create_user: "Users and audit:",
  set_password: "Users and audit:",
  list_users: "Users and audit:",
  disable_user: "Users and audit:",
  grant: "Users and audit:",
  ungrant: "Users and audit:",
  create_token: "Users and audit:",
  list_tokens: "Users and audit:",
  revoke_token: "Users and audit:",
  create_eab_key: "Users and audit:",
  list_eab_keys: "Users and audit:",
  submit_request: "Signing queue:",
  request_status: "Signing queue:",
  worker: "Signing queue:",
};

export function buildProgram(
  context: ContextFactory,
  io: CliIo,
  version: string,
  launchers: CliLaunchers = {},
  help: HelpContext = {},
): Command {
  // Help wraps to the terminal (or $COLUMNS); the rest of the output configuration is shared by every command.
  const output = {
    writeOut: (s: string) => io.stdout.write(s),
    writeErr: (s: string) => io.stderr.write(s),
    outputError: () => undefined, // printed once, by runCli
    getOutHelpWidth: () => helpWidth(io.stdout),
    getErrHelpWidth: () => helpWidth(io.stderr),
  };
  const program = new Command("tsca")
    .description("tsca: a certificate authority manager.")
    .version(version)
    .option("--traceback", "print the stack trace of an error")
    .showSuggestionAfterError(true)
    .configureOutput(output)
    // The command list stays narrow enough to wrap: aliases go into the description, options into each -h.
    .configureHelp({
      // init_ca's longest option (--certification-practice-statement <url>) leaves 34 of 80 columns:
      // commander's default (40) would then not wrap at all; wrapping into 24 columns still reads well.
      minWidthToWrap: 24,
      subcommandTerm: (c) =>
        [c.name(), ...c.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}${a.variadic ? "..." : ""}]`))].join(
          " ",
        ),
      subcommandDescription: (c) => c.description() + (c.aliases().length ? ` Alias: ${c.aliases().join(", ")}.` : ""),
    })
    .addHelpText("after", programHelp(help));
  const commands = [
    ...[registerInitCa, registerImportCa, registerListCas, registerViewCa, registerEditCa, registerDumpCa],
    ...[registerSignCert, registerResignCert, registerRevokeCert, registerListCerts, registerViewCert, registerImportCert],
    ...[registerRevokeCa, registerDumpCrl, registerGenerateCrls],
  ];
  commands.push(registerGenerateOcspKeys);
  commands.push(registerSubmitRequest, registerWorker);
  commands.push(registerAudit);
  commands.push(registerCreateUser, registerSetPassword, registerListUsers, registerDisableUser, registerGrant, registerUngrant);
  commands.push(registerCreateToken, registerListTokens, registerRevokeToken);
  commands.push(registerCreateEabKey, registerListEabKeys);
  commands.push(registerCheck);
  commands.push(registerNotifyExpiringCerts);
  commands.push(registerBackup);
  for (const register of commands) register(program, context, io);
  registerServe(program, launchers, io);
  program.commands.forEach((c) => {
    if (PKCS11_PIN_COMMANDS.has(c.name()) && !c.options.some((o) => o.long === "--pkcs11-pin-file"))
      c.option(
        "--pkcs11-pin-file <file>",
        "user PIN of the PKCS#11 token, from the first line of <file> (mode 0600; else TSCA_PKCS11_PIN[_FILE] or a prompt)",
      );
    c.exitOverride();
    c.configureOutput(output);
    const group = COMMAND_GROUPS[c.name()];
    if (group) c.helpGroup(group);
    c.showSuggestionAfterError(true);
    refuseConflictingOptions(c);
  });
  // Read before the action opens any key: the PIN source is part of the lazily made context.
  program.hook("preAction", async (_program, action) => {
    const file = action.opts<{ pkcs11PinFile?: string }>().pkcs11PinFile;
    if (file !== undefined) (await context()).pkcs11Pin.useFile(file);
  });
  program.exitOverride();
  return program;
}

/** The commands that may open a CA key, and so may need a PKCS#11 token's PIN (docs/hsm.md). */
const PKCS11_PIN_COMMANDS: ReadonlySet<string> = new Set([
  "init_ca",
  "import_ca",
  "sign_cert",
  "resign_cert",
  "revoke_ca",
  "dump_crl",
  "generate_crls",
  "generate_ocsp_keys",
  "worker",
  "check",
]);

/**
 * Commander's usage message in one line: its first line, and the "(Did you mean --key-type?)" that
 * showSuggestionAfterError puts on the second, which is the part a user with a typo needs.
 */
function usageLine(message: string): string {
  const [first = "", second = ""] = message.replace(/^error: /, "").split("\n");
  const hint = /^\(Did you mean (.+)\?\)$/.exec(second.trim());
  return printable(hint ? `${first.trim()}; did you mean ${hint[1]}?` : first.trim());
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
  help: HelpContext = {},
): Promise<number> {
  const traceback = argv.includes("--traceback");
  const program = buildProgram(context, io, version, launchers, help);
  try {
    await program.parseAsync(
      argv.filter((a) => a !== "--traceback"),
      { from: "user" },
    );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Bare `tsca`: commander printed the usage to stderr; no command is a usage error, not success.
      if (e.code === "commander.help" && e.exitCode !== 0) return EXIT.usage;
      if (e.exitCode === 0 || ["commander.helpDisplayed", "commander.version", "commander.help"].includes(e.code)) return EXIT.ok;
      const command = argv.find((a) => !a.startsWith("-"));
      const known = command !== undefined && program.commands.some((c) => c.name() === command || c.aliases().includes(command));
      io.stderr.write(`Error: ${usageLine(e.message)} (see tsca ${known ? `${printable(command)} ` : ""}-h)\n`);
      return exitCodeOf(ERROR_CODES.ERR_USAGE.kind);
    }
    if (isTscaError(e)) {
      io.stderr.write(`Error: ${printable(e.message)}\n`);
      if (traceback) io.stderr.write(`${e.code}\n${String(e.stack)}\n${e.cause ? String((e.cause as Error).stack ?? e.cause) : ""}\n`);
      return exitCodeOf(e.kind);
    }
    io.stderr.write(`Error: Internal error: ${oneLine((e as Error)?.message ?? String(e))}\n`);
    if (traceback) io.stderr.write(`${String((e as Error)?.stack)}\n`);
    return exitCodeOf(ERROR_CODES.ERR_INTERNAL.kind);
  }
}
