/**
 * Certificate serial numbers (RFC 5280 §4.1.2.2): positive, at most 20 octets, unpredictable (CA/B BR
 * §7.1 asks for at least 64 random bits). We use 20 octets with the top bit cleared (positive) and the
 * next bit set, so every serial is exactly 20 octets and 158 bits are random.
 */
import { TscaError } from "../errors.js";
import type { Random } from "../ports/random.js";

export function newSerial(random: Random): string {
  const b = random.bytes(20);
  b[0] = (b[0]! & 0x3f) | 0x40;
  return b.toString("hex").toUpperCase();
}

/** Colon-separated upper-case hex, padded to whole octets: `BD:5B:AB:…`. */
export function formatSerial(hex: string): string {
  const h = hex.length % 2 ? "0" + hex : hex;
  return (h.match(/../g) ?? []).join(":");
}

/** Normalize user input naming a serial: colons and case ignored. Undefined when it cannot be a serial. */
export function sanitizeSerial(input: string): string | undefined {
  const s = input.trim().replace(/:/g, "").toUpperCase();
  return /^[0-9A-F]+$/.test(s) ? s : undefined;
}

export function assertSerialPrefix(input: string): string {
  const s = sanitizeSerial(input);
  if (!s) throw new TscaError("ERR_INVALID_ARGUMENT", `${input}: Serial has invalid characters.`);
  return s;
}
