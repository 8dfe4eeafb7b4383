/**
 * What a CSR must show before we sign for its key: a signature that verifies with its own key (proof of
 * possession, RFC 2986 §3 / RFC 4211 §4), no MD5 or SHA-1 (RFC 6151, RFC 9155 / CA/B BR §7.1.3), and a key
 * of a supported type and size (RSA at least 2048 bits, NIST P-256/384/521, Ed25519/Ed448).
 */
import { TscaError } from "../errors.js";
import { hashOfSignatureAlgorithm, signatureAlgorithmName, type KeyType } from "../x509/algorithms.js";
import type { ParsedCsr } from "../x509/csr.js";
import { OID } from "../x509/oids.js";
import { verifySignature } from "../x509/verify-signature.js";

const SUPPORTED_CURVES: string[] = [OID.secp256r1, OID.secp384r1, OID.secp521r1];

export function checkCsr(csr: ParsedCsr, minRsaBits = 2048): KeyType {
  const hash = hashOfSignatureAlgorithm(csr.signatureAlgorithmOid);
  if (hash === "weak")
    throw new TscaError("ERR_CSR_WEAK", "The CSR is signed with a weak hash (MD5 or SHA-1); sign it with SHA-256 or better.");
  // Unsupported key types and signature algorithms (DSA, RSASSA-PSS, …) are named as such before the
  // signature check, which could only fail for them and would wrongly report a missing proof of possession.
  if (csr.keyType === "unknown")
    throw new TscaError("ERR_CSR_WEAK", "The CSR's public key type is not supported (RSA, EC, Ed25519, Ed448).");
  if (hash === undefined && csr.signatureAlgorithmOid !== OID.ed25519 && csr.signatureAlgorithmOid !== OID.ed448)
    throw new TscaError(
      "ERR_CSR_WEAK",
      `The CSR's signature algorithm (${signatureAlgorithmName(csr.signatureAlgorithmOid)}) is not supported; sign it with RSA PKCS#1 v1.5, ECDSA or EdDSA.`,
    );
  if (!verifySignature(csr.info, csr.signatureAlgorithmOid, csr.signature, csr.spki))
    throw new TscaError("ERR_CSR_SIGNATURE", "The CSR's signature does not verify with its public key (no proof of possession).");
  if (csr.keyType === "RSA" && (csr.keySize ?? 0) < minRsaBits)
    throw new TscaError("ERR_CSR_WEAK", `The CSR's RSA key has ${csr.keySize} bits; at least ${minRsaBits} are required.`);
  if (csr.keyType === "EC" && !SUPPORTED_CURVES.includes(csr.curveOid ?? ""))
    throw new TscaError("ERR_CSR_WEAK", "The CSR's elliptic curve is not supported (secp256r1, secp384r1, secp521r1).");
  return csr.keyType;
}
