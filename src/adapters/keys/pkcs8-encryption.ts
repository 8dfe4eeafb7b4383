/**
 * Password encryption of PKCS#8 keys at rest: EncryptedPrivateKeyInfo (RFC 5958 §3) with PBES2 (RFC 8018
 * §6.2), PBKDF2-HMAC-SHA256 and AES-256-CBC. Node's own `export({cipher})` uses OpenSSL's default of 2,048
 * PBKDF2 iterations, far below current advice, so we build the structure ourselves with 600,000 iterations
 * (OWASP 2023 for PBKDF2-HMAC-SHA256). `openssl pkey -passin` and Node's createPrivateKey both read it.
 */
import { createCipheriv, pbkdf2, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { integer, nullValue, octetString, oid, sequence } from "../../core/x509/der.js";
import { toPem } from "../../core/x509/pem.js";

const pbkdf2Async = promisify(pbkdf2);

export const PBKDF2_ITERATIONS = 600_000;
const OID_PBES2 = "1.2.840.113549.1.5.13";
const OID_PBKDF2 = "1.2.840.113549.1.5.12";
const OID_HMAC_SHA256 = "1.2.840.113549.2.9";
const OID_AES256_CBC = "2.16.840.1.101.3.4.1.42";

export async function encryptPkcs8(pkcs8Der: Buffer, password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = await pbkdf2Async(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const encrypted = Buffer.concat([cipher.update(pkcs8Der), cipher.final()]);
  const algorithm = sequence(
    oid(OID_PBES2),
    sequence(
      sequence(oid(OID_PBKDF2), sequence(octetString(salt), integer(iterations), integer(32), sequence(oid(OID_HMAC_SHA256), nullValue()))),
      sequence(oid(OID_AES256_CBC), octetString(iv)),
    ),
  );
  return toPem(sequence(algorithm, octetString(encrypted)), "ENCRYPTED PRIVATE KEY");
}
