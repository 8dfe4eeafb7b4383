/** PEM armor (RFC 7468): base64 in 64-character lines between BEGIN/END labels. */
import { TscaError } from "../errors.js";

export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString("base64");
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END ${label}-----\n`;
}

/** All PEM blocks with the given label, in order. */
export function fromPemAll(text: string, label: string): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, "g");
  return [...text.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"));
}

/** DER from a buffer that holds either PEM with `label` or raw DER. */
export function derFromPemOrDer(data: Buffer, label: string, what: string): Buffer {
  const text = data.toString("latin1");
  if (text.includes("-----BEGIN")) {
    const blocks = fromPemAll(text, label);
    if (blocks.length === 0) throw new TscaError("ERR_CERT_INVALID", `${what}: no "${label}" PEM block found.`);
    return blocks[0]!;
  }
  return data;
}
