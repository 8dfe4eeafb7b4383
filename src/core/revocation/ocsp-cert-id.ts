/**
 * OCSP CertID (RFC 6960 §4.1.1): a certificate is named by its issuer's name hash, its issuer's key hash
 * and its serial number, all under one hash algorithm the client chooses. `openssl ocsp` uses SHA-1 by
 * default, RFC 5019 clients and browsers SHA-1 or SHA-256; SHA-384/512 cost nothing extra to accept.
 */
import { createHash } from "node:crypto";
import { subjectPublicKeyBits } from "../x509/certificate.js";
import { OID } from "../x509/oids.js";

export type CertIdHash = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

/** Hash algorithm OID → name, Node digest name and output length (RFC 3279 §2.2.1, RFC 5754 §2). */
export const CERT_ID_HASHES: ReadonlyMap<string, { name: CertIdHash; node: string; length: number }> = new Map([
  [OID.sha1, { name: "SHA-1", node: "sha1", length: 20 }],
  [OID.sha256, { name: "SHA-256", node: "sha256", length: 32 }],
  [OID.sha384, { name: "SHA-384", node: "sha384", length: 48 }],
  [OID.sha512, { name: "SHA-512", node: "sha512", length: 64 }],
]);

export interface CertId {
  /** The CertID exactly as the client encoded it; echoed unchanged in the SingleResponse (§4.2.1). */
  raw: Buffer;
  /** undefined: an algorithm tsca does not support; such a CertID matches no issuer and is answered "unknown". */
  hash: CertIdHash | undefined;
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  /** Upper-case hex without colons, as serials are stored. */
  serial: string;
}

/**
 * The issuer side of CertID matching for one CA: issuerNameHash is the hash of the DER of the issuer's
 * subject (the issuer field of the certificates it signs), issuerKeyHash the hash of the BIT STRING
 * value of its public key, tag and length excluded (§4.1.1). Digests are computed once per algorithm.
 */
export class IssuerIdentity {
  private readonly digests = new Map<CertIdHash, { name: Buffer; key: Buffer }>();
  private readonly keyBits: Buffer;

  constructor(
    private readonly subjectDer: Buffer,
    spki: Buffer,
  ) {
    this.keyBits = subjectPublicKeyBits(spki);
  }

  private hashes(alg: CertIdHash): { name: Buffer; key: Buffer } {
    let d = this.digests.get(alg);
    if (!d) {
      const node = [...CERT_ID_HASHES.values()].find((h) => h.name === alg)!.node;
      d = { name: createHash(node).update(this.subjectDer).digest(), key: createHash(node).update(this.keyBits).digest() };
      this.digests.set(alg, d);
    }
    return d;
  }

  matches(id: CertId): boolean {
    if (!id.hash) return false;
    const d = this.hashes(id.hash);
    return d.key.equals(id.issuerKeyHash) && d.name.equals(id.issuerNameHash);
  }
}
