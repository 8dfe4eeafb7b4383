/**
 * What a CSR must show before we sign for its key: a signature algorithm that belongs to the key's
 * algorithm and a signature that verifies with that key (proof of possession, RFC 2986 §3 / RFC 4211 §4),
 * no MD5 or SHA-1 (RFC 6151, RFC 9155 / CA/B BR §7.1.3), a key of a supported type and size (RSA at least
 * 2048 bits, NIST P-256/384/521, Ed25519/Ed448), and requested SANs whose IA5String names are ASCII.
 */
import { TscaError } from "../errors.js";
import { hashOfSignatureAlgorithm, signatureAlgorithmName, type KeyType } from "../x509/algorithms.js";
import type { ParsedCsr } from "../x509/csr.js";
import { OID } from "../x509/oids.js";
import { verifySignature } from "../x509/verify-signature.js";
import { subjectAltName } from "../x509/extensions/alternative-names.js";
import { findExtension } from "../x509/extensions/registry.js";
import { formatGeneralName } from "../x509/general-name.js";
import { printable } from "../text/printable.js";

const SUPPORTED_CURVES: string[] = [OID.secp256r1, OID.secp384r1, OID.secp521r1];

/**
 * The key algorithm each signature algorithm belongs to (RFC 4055 §5, RFC 5758 §3.2, RFC 8410 §3). Node's
 * verify() goes by the key alone, so without this an ECDSA signature labelled sha256WithRSAEncryption
 * would pass as proof of possession of a request that no conforming verifier could check.
 */
const KEY_TYPE_OF_SIGNATURE: Record<string, KeyType> = {
  [OID.md5WithRSAEncryption]: "RSA",
  [OID.sha1WithRSAEncryption]: "RSA",
  [OID.sha256WithRSAEncryption]: "RSA",
  [OID.sha384WithRSAEncryption]: "RSA",
  [OID.sha512WithRSAEncryption]: "RSA",
  [OID.ecdsaWithSHA1]: "EC",
  [OID.ecdsaWithSHA256]: "EC",
  [OID.ecdsaWithSHA384]: "EC",
  [OID.ecdsaWithSHA512]: "EC",
  [OID.ed25519]: "Ed25519",
  [OID.ed448]: "Ed448",
};

/**
 * dNSName, rfc822Name and URI are IA5Strings (RFC 5280 §4.2.1.6): 7-bit ASCII, with internationalised
 * host names in A-labels (§7.2–§7.4). A byte above 0x7F is a malformed request, not a U-label to convert.
 */
function assertAsciiSans(csr: ParsedCsr): void {
  for (const g of findExtension(csr.requestedExtensions, subjectAltName) ?? [])
    if ((g.type === "dns" || g.type === "email" || g.type === "uri") && /\P{ASCII}/u.test(g.value))
      throw new TscaError(
        "ERR_CSR_INVALID",
        `The CSR requests ${printable(formatGeneralName(g))}, which is not ASCII; an IA5String name must use A-labels (RFC 5280 §7.2).`,
      );
}

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
  if (KEY_TYPE_OF_SIGNATURE[csr.signatureAlgorithmOid] !== csr.keyType)
    throw new TscaError(
      "ERR_CSR_SIGNATURE",
      `The CSR's signature algorithm (${signatureAlgorithmName(csr.signatureAlgorithmOid)}) does not belong to its ${csr.keyType} public key.`,
    );
  if (!verifySignature(csr.info, csr.signatureAlgorithmOid, csr.signature, csr.spki))
    throw new TscaError("ERR_CSR_SIGNATURE", "The CSR's signature does not verify with its public key (no proof of possession).");
  if (csr.keyType === "RSA" && (csr.keySize ?? 0) < minRsaBits)
    throw new TscaError("ERR_CSR_WEAK", `The CSR's RSA key has ${csr.keySize} bits; at least ${minRsaBits} are required.`);
  if (csr.keyType === "EC" && !SUPPORTED_CURVES.includes(csr.curveOid ?? ""))
    throw new TscaError("ERR_CSR_WEAK", "The CSR's elliptic curve is not supported (secp256r1, secp384r1, secp521r1).");
  assertAsciiSans(csr);
  return csr.keyType;
}
