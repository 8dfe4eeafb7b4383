/**
 * The certificate and private key of `tsca serve --tls-port` (`--tls-cert FILE --tls-key FILE`), read and
 * checked before anything listens, so a bad pair is one sentence at start-up rather than a failed handshake
 * per client. The key file is refused when group or others can reach it, like every other secret file of
 * tsca (TSCA_CA_PASSWORDS_FILE, the PKCS#11 PIN file; `tsca check` reports key files wider than 0600):
 * whoever reads it can impersonate the server to every ACME client and admin browser.
 *
 * The certificate file may hold the chain after the leaf (the leaf first, as RFC 8446 §4.4.2 orders the
 * Certificate message); Node sends it as written. The key must be unencrypted: a server restarted by a
 * supervisor has nobody to type a password.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { TscaError } from "../../core/errors.js";

export interface TlsFiles {
  /** PEM: the server certificate, then any intermediates. */
  cert: string;
  /** PEM: the private key of the first certificate. */
  key: string;
  /** The server certificate's notAfter, for the start-up log. */
  notAfter: Date;
  /** The server certificate's subjectAltName, for the start-up log (undefined: none). */
  subjectAltName: string | undefined;
}

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(4, "0");

function read(path: string, what: string): { text: string; mode: number } {
  try {
    return { mode: statSync(path).mode, text: readFileSync(path, "utf8") };
  } catch (e) {
    throw new TscaError("ERR_IO", `${path}: Cannot read the TLS ${what} file (${(e as NodeJS.ErrnoException).code ?? "error"}).`, {
      cause: e,
    });
  }
}

/** Reads and checks `--tls-cert`/`--tls-key`: readable, parseable, key private to its owner, key ↔ certificate. */
export function loadTlsFiles(certPath: string, keyPath: string): TlsFiles {
  const key = read(keyPath, "key");
  if ((key.mode & 0o077) !== 0)
    throw new TscaError(
      "ERR_CONFIG",
      `${keyPath}: The TLS key file can be read or written by other users (mode ${octal(key.mode)}); make it 0600.`,
    );
  const cert = read(certPath, "certificate");
  let leaf: X509Certificate;
  try {
    // X509Certificate parses the first PEM block of the file, which is the server's own certificate.
    leaf = new X509Certificate(cert.text);
  } catch (e) {
    throw new TscaError("ERR_CERT_INVALID", `${certPath}: The TLS certificate file holds no PEM certificate.`, { cause: e });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: key.text, format: "pem" });
  } catch (e) {
    // The parser's message may quote the file: not repeated, only its code.
    const code = (e as { code?: string }).code ?? "";
    const encrypted = /PASSPHRASE|BAD_DECRYPT|INTERRUPTED_OR_CANCELLED/i.test(code) || /ENCRYPTED/.test(key.text);
    throw new TscaError(
      "ERR_KEY_INVALID",
      encrypted
        ? `${keyPath}: The TLS key file is encrypted; tsca serve needs it unencrypted (mode 0600).`
        : `${keyPath}: The TLS key file holds no PEM private key.`,
    );
  }
  if (!leaf.checkPrivateKey(privateKey))
    throw new TscaError("ERR_KEY_MISMATCH", `${keyPath}: The TLS key does not belong to the certificate in ${certPath}.`);
  return { cert: cert.text, key: key.text, notAfter: new Date(leaf.validTo), subjectAltName: leaf.subjectAltName };
}
