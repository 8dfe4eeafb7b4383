/**
 * TSCA_CA_PASSWORDS_FILE: a JSON object of CA serial → password of that CA's key. The file holds the
 * secrets that protect the CA keys, so it is refused unless only its owner can read it (mode 0600 or
 * stricter): a password file others can read would make the key encryption pointless. Serials may be
 * written with or without colons, in any case (as `tsca list_cas` prints them or not).
 */
import { readFileSync, statSync } from "node:fs";
import { TscaError } from "../../core/errors.js";
import { sanitizeSerial } from "../../core/issuance/serial.js";
import type { CaPasswords } from "../../core/ports/ca-passwords.js";

const refuse = (path: string, why: string, cause?: unknown): TscaError =>
  new TscaError("ERR_CONFIG", `${path}: TSCA_CA_PASSWORDS_FILE ${why}`, cause === undefined ? undefined : { cause });

export function loadCaPasswordsFile(path: string): CaPasswords {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode;
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw refuse(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}).`, e);
  }
  if ((mode & 0o077) !== 0)
    throw refuse(path, `can be read or written by other users (mode ${(mode & 0o777).toString(8).padStart(4, "0")}); make it 0600.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message may quote part of the file, that is of a password: neither repeated nor kept as cause.
    throw refuse(path, "is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw refuse(path, "must hold a JSON object of CA serial → password.");
  const byserial = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) {
    const serial = sanitizeSerial(key);
    if (!serial) throw refuse(path, `has "${key}", which is not a CA serial (hex digits, colons allowed).`);
    if (typeof value !== "string" || value === "") throw refuse(path, `has no password string for CA ${key}.`);
    byserial.set(serial, value);
  }
  return { source: path, get: (caSerial) => byserial.get(caSerial.toUpperCase()) };
}
