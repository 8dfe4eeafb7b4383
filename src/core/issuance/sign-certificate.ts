/**
 * The one place that signs certificates: it encodes the TBSCertificate, asks the Signer for a signature
 * and assembles the result (RFC 5280 §4.1). Every certificate tsca makes — CAs and end entities — goes
 * through here, so algorithm identifiers in TBS and outer structure always agree (§4.1.1.2).
 */
import type { Signer } from "../ports/signer.js";
import { signatureAlgorithmIdentifier, type HashAlgorithm } from "../x509/algorithms.js";
import { assembleCertificate, encodeTbsCertificate, type TbsFields } from "../x509/certificate.js";

/** The TBSCertificate fields; the signature algorithm follows from the signer and hash. */
export type CertificateToSign = Omit<TbsFields, "signatureAlgorithm">;

export async function signCertificate(cert: CertificateToSign, signer: Signer, hash: HashAlgorithm | undefined): Promise<Buffer> {
  const algorithm = signatureAlgorithmIdentifier(signer.keyType, hash);
  const tbs = encodeTbsCertificate({ ...cert, signatureAlgorithm: algorithm });
  const signature = await signer.sign(tbs, hash);
  return assembleCertificate(tbs, algorithm, signature);
}

/** Whole seconds: X.509 times have no fraction (RFC 5280 §4.1.2.5.1/.2). */
export const wholeSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

/**
 * N days of validity: notAfter = notBefore + N days − 1 s, because RFC 5280 §4.1.2.5 counts both ends
 * ("the validity period … is the period of time from notBefore through notAfter, inclusive"), and the
 * CA/B BR count the same way (§1.6.1 "Validity Period"), so `--expires 398` is exactly 398 days.
 */
export const notAfterForDays = (notBefore: Date, days: number): Date => new Date(notBefore.getTime() + days * 86_400_000 - 1000);

/** Whole days of validity from `notBefore` up to and including `limit`. */
export const daysUntil = (notBefore: Date, limit: Date): number => Math.floor((limit.getTime() - notBefore.getTime() + 1000) / 86_400_000);
