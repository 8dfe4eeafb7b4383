/** `tsca revoke_cert CERT [--reason R] [--compromised TIMESTAMP]` and `tsca unrevoke_cert CERT`. */
import type { Command } from "commander";
import { formatSerial } from "../../../core/issuance/serial.js";
import { parseReason, REASONS } from "../../../core/revocation/reasons.js";
import { revokeCert, unrevokeCert } from "../../../core/usecases/revoke-cert.js";
import { withCaller, type CliIo, type ContextFactory } from "../context.js";
import { examples } from "../help.js";

export function registerRevokeCert(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("revoke_cert")
    .description("Revoke a certificate. It is listed on the next CRL and reported revoked by OCSP.")
    .argument("<cert>", "serial (a unique prefix) or common name of the certificate")
    .option("--reason <reason>", `revocation reason: ${Object.keys(REASONS).join(", ")} (RFC 5280 names accepted too)`, "unspecified")
    .option("--compromised <timestamp>", "when the key was compromised: ISO 8601 with a time zone, in the past (CRL invalidity date)")
    .addHelpText(
      "after",
      examples(
        ["tsca revoke_cert www.example.com --reason superseded", "by common name"],
        [
          "tsca revoke_cert 4F:3A --reason key_compromise \\\n--compromised 2026-11-01T00:00:00Z",
          "by serial prefix, with the time of the compromise",
        ],
        ["tsca revoke_cert 4F:3A --reason certificate_hold", "on hold: unrevoke_cert releases it"],
      ),
    )
    .action(async (identifier: string, o: { reason: string; compromised?: string }) => {
      const reason = parseReason(o.reason);
      const cert = await revokeCert(...(await withCaller(context)), {
        cert: identifier,
        reason,
        ...(o.compromised !== undefined ? { compromised: o.compromised } : {}),
      });
      io.stdout.write(`${formatSerial(cert.serial)}: revoked (${reason}).\n`);
    });
  program
    .command("unrevoke_cert")
    .description("Release a certificate that is on hold (revoked with reason certificate_hold).")
    .argument("<cert>", "serial (a unique prefix) or common name of the certificate")
    .addHelpText("after", examples(["tsca unrevoke_cert 4F:3A", "release a certificate revoked with --reason certificate_hold"]))
    .action(async (identifier: string) => {
      const cert = await unrevokeCert(...(await withCaller(context)), identifier);
      io.stdout.write(`${formatSerial(cert.serial)}: released from hold.\n`);
    });
}
