/** `tsca import_ca NAME KEY CERT`: import an existing CA (PEM or DER), checking key, CA-ness and parent signature. */
import type { Command } from "commander";
import { formatSerial } from "../../../core/issuance/serial.js";
import { importCa } from "../../../core/usecases/import-ca.js";
import { derFromPemOrDer } from "../../../core/x509/pem.js";
import type { CliIo, ContextFactory } from "../context.js";
import { readFileInput } from "../input.js";
import { resolvePassword } from "../prompt.js";
import { addSignedCertificateOptions, signedCertificateUrlChanges } from "./signed-certificate-options.js";

export function registerImportCa(program: Command, context: ContextFactory, io: CliIo): void {
  const cmd = program
    .command("import_ca")
    .description("Import an existing CA: its private key and certificate (PEM or DER). Prints the CA's serial.")
    .argument("<name>", "unique, human-readable name of the CA")
    .argument("<key>", "private key file (PEM or DER; PKCS#8, PKCS#1 or SEC1)")
    .argument("<cert>", "certificate file (PEM or DER)")
    .option("--import-password [password]", "password of the key file to import (asked for when given without a value)")
    .option("--password [password]", "encrypt the stored key with this password (asked for when given without a value)")
    .option("--parent <ca>", "the CA that signed this one (its signature is checked)");
  addSignedCertificateOptions(cmd);
  cmd.action(async (name: string, keyPath: string, certPath: string, o: Record<string, unknown>) => {
    const key = readFileInput(keyPath, "private key");
    const certificate = derFromPemOrDer(readFileInput(certPath, "certificate"), "CERTIFICATE", certPath);
    const urls = signedCertificateUrlChanges(o);
    const ctx = await context();
    const importPassword = await resolvePassword(o.importPassword as string | boolean | undefined, "Password of the key to import: ", io);
    const password = await resolvePassword(o.password as string | boolean | undefined, "Password for the stored key: ", io);
    const ca = await importCa(ctx, {
      name,
      key,
      certificate,
      defaultHash: ctx.settings.defaultSignatureHash,
      sign: urls,
      ...(importPassword !== undefined ? { importPassword } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(o.parent !== undefined ? { parent: o.parent as string } : {}),
    });
    io.stdout.write(formatSerial(ca.serial) + "\n");
  });
}
