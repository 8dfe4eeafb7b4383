/**
 * `tsca import_ca NAME KEY CERT`: import an existing CA (PEM or DER), checking key, CA-ness and parent
 * signature. `--key-backend pkcs11` puts the key file's key on the token; `import_ca --key-backend pkcs11
 * NAME CERT` (no key file) takes a CA whose key is on the token already, found by the certificate's public key.
 */
import type { Command } from "commander";
import { importCaAndPublish } from "../../../core/usecases/import-ca.js";
import { derFromPemOrDer } from "../../../core/x509/pem.js";
import type { CliIo, ContextFactory } from "../context.js";
import { reportNewCa } from "../render/new-ca.js";
import { readFileInput } from "../input.js";
import { withExamples } from "../help.js";
import { addPasswordOption, resolvePassword } from "../prompt.js";
import { addSignedCertificateOptions, signedCertificateUrlChanges } from "./signed-certificate-options.js";
import { addKeyBackendOptions, keyBackendRequest, type KeyBackendOpts } from "./key-backend-options.js";
import { TscaError } from "../../../core/errors.js";

export function registerImportCa(program: Command, context: ContextFactory, io: CliIo): void {
  const cmd = program
    .command("import_ca")
    .description("Import an existing CA: its private key and certificate (PEM or DER). Prints the CA's serial.")
    .argument("<name>", "unique, human-readable name of the CA")
    .argument(
      "<key>",
      "private key file (PEM or DER; PKCS#8, PKCS#1 or SEC1); left out with --key-backend pkcs11 when the key is on the token",
    )
    .argument("[cert]", "certificate file (PEM or DER)")
    .option("--parent <ca>", "the CA that signed this one (its signature is checked)")
    .option("--allow-missing-ski", "import a CA certificate that has no Subject Key Identifier (RFC 5280 §4.2.1.2 requires one)");
  addPasswordOption(cmd, "import-password", "password of the key file to import");
  addPasswordOption(cmd, "password", "encrypt the stored key with this password");
  addKeyBackendOptions(cmd);
  addSignedCertificateOptions(cmd);
  withExamples(
    cmd,
    ['tsca import_ca "Old Root" root.key root.pem', "a root CA: its key (not encrypted) and certificate"],
    [
      'tsca import_ca --parent "Old Root" --import-password-file sub.pass \\\n--password-file new.pass "Old Sub" sub.key sub.pem',
      "an intermediate with an encrypted key, stored under another password",
    ],
    [
      'tsca import_ca --key-backend pkcs11 --pkcs11-token-label ca \\\n--pkcs11-key-label "HSM Root" "HSM Root" root.pem',
      "a root whose key is on the PKCS#11 token already (found by the certificate's public key)",
    ],
  );
  cmd.action(async (name: string, first: string, second: string | undefined, o: KeyBackendOpts & Record<string, unknown>) => {
    // Two files: KEY CERT. One: the certificate, its key on the token (only the PKCS#11 backend can find a key it was not given).
    const keyBackend = keyBackendRequest(o, second === undefined ? undefined : name);
    if (second === undefined && keyBackend.keyBackend !== "pkcs11")
      throw new TscaError(
        "ERR_USAGE",
        "import_ca needs the key file and the certificate file (only --key-backend pkcs11 finds the key on its token).",
      );
    const [keyPath, certPath] = second === undefined ? [undefined, first] : [first, second];
    const key = keyPath === undefined ? undefined : readFileInput(keyPath, "private key");
    const certificate = derFromPemOrDer(readFileInput(certPath, "certificate"), "CERTIFICATE", certPath);
    const urls = signedCertificateUrlChanges(o);
    const ctx = await context();
    const importPassword = await resolvePassword(o, { flag: "import-password", question: "Password of the key to import: " }, io);
    const password = await resolvePassword(o, { flag: "password", question: "Password for the stored key: ", confirm: true }, io);
    const { ca, publication } = await importCaAndPublish(ctx.caller, ctx, {
      name,
      ...(key !== undefined ? { key } : {}),
      certificate,
      ...keyBackend,
      ...(o.allowMissingSki === true ? { allowMissingSki: true } : {}),
      sign: urls,
      ...(importPassword !== undefined ? { importPassword } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(o.parent !== undefined ? { parent: o.parent as string } : {}),
    });
    reportNewCa(ca, publication, io);
  });
}
