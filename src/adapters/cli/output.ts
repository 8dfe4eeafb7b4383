/**
 * Writing command output: stdout, or a file (see output-file.ts: checked before any change, written
 * atomically, created 0644 since certificates are public). Text and JSON go
 * through the terminal-safe escapes of core/text/printable.ts: names come from CSRs and imported
 * certificates, and a raw ESC or newline in one must not reach the operator's terminal.
 */
import { TscaError } from "../../core/errors.js";
import { printable, printableJson } from "../../core/text/printable.js";
import { toPem } from "../../core/x509/pem.js";
import type { CliIo } from "./context.js";
import { writeOutputFile } from "./output-file.js";

export type CertFormat = "PEM" | "DER";

export function parseCertFormat(v: string): CertFormat {
  const f = v.trim().toUpperCase();
  if (f !== "PEM" && f !== "DER") throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: Format must be PEM or DER.`);
  return f;
}

export const derBundleRefused = (): TscaError => new TscaError("ERR_INVALID_ARGUMENT", "A bundle cannot be written as DER; use PEM.");

/** One or more certificates in PEM (concatenated) or DER (one certificate only, DER has no framing). */
export function encodeCertificates(ders: Buffer[], format: CertFormat): Buffer {
  if (format === "DER") {
    if (ders.length > 1) throw derBundleRefused();
    return ders[0]!;
  }
  return Buffer.from(ders.map((d) => toPem(d, "CERTIFICATE")).join(""));
}

/** Lines of text output, each escaped, so a value can neither add a line nor send a control sequence; "" for none. */
export const textLines = (lines: string[]): string => (lines.length ? lines.map(printable).join("\n") + "\n" : "");

/** JSON output: valid JSON with C0, DEL, C1 and bidi controls escaped inside strings. */
export const jsonOutput = (value: unknown): string => printableJson(value) + "\n";

/** Standard output for none or "-", else the file, written atomically (output-file.ts). */
export async function writeOutput(data: Buffer | string, path: string | undefined, io: CliIo): Promise<void> {
  if (path === undefined || path === "-") {
    io.stdout.write(data);
    return;
  }
  await writeOutputFile(path, data);
}

export function outputFormat<T extends string>(v: string, allowed: readonly T[]): T {
  const f = allowed.find((a) => a === v.trim().toLowerCase());
  if (!f) throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: Output format must be one of ${allowed.join(", ")}.`);
  return f;
}
