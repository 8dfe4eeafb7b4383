/**
 * What init_ca and import_ca print: the new CA's serial on stdout (it exists, whatever follows), then,
 * when its first CRLs or OCSP responder could not be made, one sentence naming what failed, why, and the
 * exact commands that make them, as an ERR_CA_NOT_PUBLISHED error (exit code 1). The CA is kept: it is
 * complete and valid, and the timers that run generate_crls and generate_ocsp_keys would also fix it.
 */
import type { CertificateAuthority } from "../../../core/ca/certificate-authority.js";
import { TscaError } from "../../../core/errors.js";
import { formatSerial } from "../../../core/issuance/serial.js";
import type { PublicationOutcome } from "../../../core/usecases/publish-new-ca.js";
import type { CliIo } from "../context.js";
import { textLines } from "../output.js";

const withoutFinalStop = (s: string): string => s.replace(/[.\s]+$/, "");

export function reportNewCa(ca: CertificateAuthority, publication: PublicationOutcome, io: CliIo): void {
  const serial = formatSerial(ca.serial);
  io.stdout.write(serial + "\n");
  if (publication.status === "not-usable") {
    io.stderr.write(textLines([`tsca: No CRLs or OCSP responder were made for "${ca.name}": ${publication.reason}`]));
    return;
  }
  if (publication.status === "published") return;
  const password = ca.keyEncrypted ? " --password" : "";
  const parts = publication.failed.map((f) =>
    f.step === "crls"
      ? { what: "its first CRLs", why: f.reason, redo: `tsca generate_crls ${serial}${password}` }
      : { what: "its OCSP responder", why: f.reason, redo: `tsca generate_ocsp_keys ${serial}${password}` },
  );
  throw new TscaError(
    "ERR_CA_NOT_PUBLISHED",
    `CA "${ca.name}" (${serial}) was created, but ${parts.map((p) => `${p.what} could not be made (${withoutFinalStop(p.why)})`).join(" and ")}; ` +
      `make ${parts.length > 1 || publication.failed[0]!.step === "crls" ? "them" : "it"} with: ${parts.map((p) => p.redo).join(" && ")}.`,
  );
}
