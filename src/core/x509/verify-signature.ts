/**
 * Verifying a signature made by an issuer's public key (RFC 5280 §6.1.3 (a)(1)): certificates on import,
 * CSRs (proof of possession). Verification uses only public data, so it is allowed in core.
 */
import { verify } from "node:crypto";
import { publicKeyFromSpki } from "./public-key.js";
import { hashOfSignatureAlgorithm } from "./algorithms.js";
import { OID } from "./oids.js";

export function verifySignature(data: Buffer, signatureAlgorithmOid: string, signature: Buffer, issuerSpki: Buffer): boolean {
  try {
    const key = publicKeyFromSpki(issuerSpki);
    const hash = hashOfSignatureAlgorithm(signatureAlgorithmOid);
    if (signatureAlgorithmOid === OID.ed25519 || signatureAlgorithmOid === OID.ed448) return verify(null, data, key, signature);
    if (hash === undefined) return false;
    const nodeHash =
      hash === "weak"
        ? { [OID.md5WithRSAEncryption]: "md5", [OID.sha1WithRSAEncryption]: "sha1", [OID.ecdsaWithSHA1]: "sha1" }[signatureAlgorithmOid]!
        : hash.replace("SHA-", "sha");
    return verify(nodeHash, data, key, signature);
  } catch {
    return false;
  }
}
