/**
 * Writing command output: stdout, or a file (created 0644; certificates are public). Text and JSON go
 * through the terminal-safe escapes of core/text/printable.ts: names come from CSRs and imported
 * certificates, and a raw ESC or newline in one must not reach the operator's terminal.
 */
import { writeFileSync } from "node:fs";
import { TscaError } from "../../core/errors.js";
import { printable, printableJson } from "../../core/text/printable.js";
import { toPem } from "../../core/x509/pem.js";
import type { CliIo } from "./context.js";

export type CertFormat = "PEM" | "DER";

export function parseCertFormat(v: string): CertFormat {
  const f = v.trim().toUpperCase();
  if (f !== "PEM" && f !== "DER") throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: Format must be PEM or DER.`);
  return f;
}

/** One or more certificates in PEM (concatenated) or DER (one certificate only, DER has no framing). */
export function encodeCertificates(ders: Buffer[], format: CertFormat): Buffer {
  if (format === "DER") {
    if (ders.length > 1) throw new TscaError("ERR_INVALID_ARGUMENT", "A bundle cannot be written as DER; use PEM.");
    return ders[0]!;
  }
  return Buffer.from(ders.map((d) => toPem(d, "CERTIFICATE")).join(""));
}

/** Lines of text output, each escaped, so a value can neither add a line nor send a control sequence; "" for none. */
export const textLines = (lines: string[]): string => (lines.length ? lines.map(printable).join("\n") + "\n" : "");

/** JSON output: valid JSON with C0, DEL, C1 and bidi controls escaped inside strings. */
export const jsonOutput = (value: unknown): string => printableJson(value) + "\n";

export function writeOutput(data: Buffer | string, path: string | undefined, io: CliIo): void {
  if (path === undefined || path === "-") {
    io.stdout.write(data);
    return;
  }
  try {
    writeFileSync(path, data, { mode: 0o644 });
  } catch (e) {
    throw new TscaError("ERR_IO", `${path}: Cannot write the file.`, { cause: e });
  }
}

export function outputFormat<T extends string>(v: string, allowed: readonly T[]): T {
  const f = allowed.find((a) => a === v.trim().toLowerCase());
  if (!f) throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: Output format must be one of ${allowed.join(", ")}.`);
  return f;
}
