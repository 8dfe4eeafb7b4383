import type { HashAlgorithm, KeyType } from "../x509/algorithms.js";

/**
 * A private key that can sign, wherever it lives (a file, a PKCS#11 token). Core never sees key bytes.
 * ECDSA signatures are returned DER-encoded (RFC 5480 §2.2 Ecdsa-Sig-Value), as X.509 needs them.
 */
export interface Signer {
  readonly keyType: KeyType;
  /** DER SubjectPublicKeyInfo of the key. */
  readonly spki: Buffer;
  sign(data: Buffer, hash: HashAlgorithm | undefined): Promise<Buffer>;
}
