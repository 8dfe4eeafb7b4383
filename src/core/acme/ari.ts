/**
 * ACME Renewal Information (RFC 9773). A certificate is named by its ARI certID (§4.1):
 *
 *   base64url(AKI keyIdentifier) "." base64url(serialNumber)
 *
 * both without padding, the serial being the content octets of its DER INTEGER (so with a leading 0x00
 * when the high bit is set). The renewal-info resource answers a suggested window in which the client
 * should renew (§4.2); an order's "replaces" names the certID it replaces (§5).
 */
import { AcmeProblem } from "./problem.js";
import { parseCertificate } from "../x509/certificate.js";
import { authorityKeyIdentifier } from "../x509/extensions/key-identifiers.js";
import { findExtension } from "../x509/extensions/registry.js";

const B64URL = /^[A-Za-z0-9_-]+$/;

/** §4.1 certID of the certificate whose issuer key identifier is `akiKeyIdentifier`, serial `serialDer` (INTEGER content octets). */
export function ariCertId(akiKeyIdentifier: Buffer, serialDer: Buffer): string {
  return `${akiKeyIdentifier.toString("base64url")}.${serialDer.toString("base64url")}`;
}

/** The DER INTEGER content octets of a positive serial given as hex (tsca stores upper-case hex without colons). */
export function serialDerFromHex(serialHex: string): Buffer {
  let hex = serialHex.replace(/:/g, "");
  if (!/^[0-9A-Fa-f]+$/.test(hex)) throw new RangeError("Not a hexadecimal serial number.");
  if (hex.length % 2) hex = "0" + hex;
  let bytes = Buffer.from(hex, "hex");
  // Minimal encoding (X.690 §8.3.2): no leading zero octet unless the next one has its high bit set.
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0 && !(bytes[i + 1]! & 0x80)) i++;
  bytes = bytes.subarray(i);
  return bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : Buffer.from(bytes);
}

/** Upper-case hex without colons or leading zero octets, the form tsca keys certificates by. */
export function serialHexFromDer(serialDer: Buffer): string {
  let hex = serialDer.toString("hex").toUpperCase();
  while (hex.length > 2 && hex.startsWith("00")) hex = hex.slice(2);
  return hex;
}

function malformed(s: string, why: string): AcmeProblem {
  return new AcmeProblem(
    "malformed",
    `${JSON.stringify(s.length > 200 ? s.slice(0, 200) + "…" : s)} is not an ARI certificate identifier: ${why}`,
  );
}

/** The two parts of a certID; AcmeProblem malformed for anything that is not one (RFC 9773 §4.1). */
export function parseAriCertId(s: string): { keyIdentifier: Buffer; serial: Buffer } {
  if (typeof s !== "string") throw new AcmeProblem("malformed", "The ARI certificate identifier must be a string.");
  const parts = s.split(".");
  if (parts.length !== 2) throw malformed(s, "it must be two base64url parts joined by one dot.");
  const [aki, serial] = parts as [string, string];
  // "=" padding is explicitly excluded (§4.1), as is any character outside the URL-safe alphabet.
  if (!B64URL.test(aki) || !B64URL.test(serial)) throw malformed(s, "both parts must be unpadded base64url.");
  // A length of 1 mod 4 cannot be base64 at all; Node would silently drop the stray character.
  if (aki.length % 4 === 1 || serial.length % 4 === 1) throw malformed(s, "a part is not valid base64url.");
  const keyIdentifier = Buffer.from(aki, "base64url");
  const serialDer = Buffer.from(serial, "base64url");
  // Unused low bits of the last character must be zero (RFC 4648 §3.5), so that one certificate has one
  // id: servers compare certIDs as strings.
  if (keyIdentifier.toString("base64url") !== aki || serialDer.toString("base64url") !== serial)
    throw malformed(s, "a part is not in canonical base64url (unused bits set).");
  if (serialDer.length > 21) throw malformed(s, "the serial number is longer than 20 octets (RFC 5280 §4.1.2.2).");
  if (serialDer[0]! & 0x80) throw malformed(s, "the serial number is negative (its DER encoding needs a leading zero octet).");
  if (serialDer.length > 1 && serialDer[0] === 0 && !(serialDer[1]! & 0x80))
    throw malformed(s, "the serial number is not in minimal DER form.");
  return { keyIdentifier, serial: serialDer };
}

/** The ARI certID of a certificate (DER): its Authority Key Identifier and its serial. Undefined without an AKI keyIdentifier. */
export function certificateAriId(certDer: Buffer): string | undefined {
  const cert = parseCertificate(certDer);
  const aki = findExtension(cert.extensions, authorityKeyIdentifier);
  if (!aki || aki.length === 0) return undefined;
  return ariCertId(aki, serialDerFromHex(cert.serial));
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * §4.2 suggested renewal window. RFC 9773 leaves the policy to the server; tsca suggests the window Let's
 * Encrypt documents for its certificates: starting at two thirds of the lifetime and one ninth of the
 * lifetime long, so it ends well before notAfter and leaves the rest for retries. A revoked certificate
 * gets a window entirely in the past (§4.2: clients renew immediately when the window has passed).
 */
export function suggestedWindow(notBefore: Date, notAfter: Date, revoked: boolean, now: Date): { start: Date; end: Date } {
  if (revoked) {
    const end = new Date(now.getTime() - DAY_MS);
    return { start: new Date(end.getTime() - DAY_MS), end };
  }
  const lifetime = Math.max(0, notAfter.getTime() - notBefore.getTime());
  const start = notBefore.getTime() + Math.floor((lifetime * 2) / 3);
  return { start: new Date(start), end: new Date(start + Math.floor(lifetime / 9)) };
}
