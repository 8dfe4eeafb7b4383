/**
 * The one place that signs certificates (RFC 5280 §4.1). It takes only a LintedTbs — a TBSCertificate that
 * lint has passed (linted-tbs.ts) — so every certificate tsca makes, CAs, OCSP responders and end
 * entities alike, is linted before it is signed; anything else is refused at run time too. The signature
 * algorithm in the TBS was chosen for the signing key, so the signer must be of that key type and the
 * outer algorithm repeats the inner one (§4.1.1.2).
 */
import { TscaError } from "../errors.js";
import type { Signer } from "../ports/signer.js";
import { assembleCertificate } from "../x509/certificate.js";
import { isLintedTbs, type LintedTbs } from "./linted-tbs.js";

export type { CertificateToSign } from "./linted-tbs.js";

export async function signCertificate(linted: LintedTbs, signer: Signer): Promise<Buffer> {
  if (!isLintedTbs(linted)) throw new TscaError("ERR_LINT", "Refused: a certificate can only be signed after lint.");
  if (signer.keyType !== linted.signing.keyType)
    throw new TscaError(
      "ERR_KEY_MISMATCH",
      `The signing key is ${signer.keyType}, but the certificate was prepared for a ${linted.signing.keyType} key.`,
    );
  const tbs = linted.tbs;
  const signature = await signer.sign(tbs, linted.signing.hash);
  return assembleCertificate(tbs, linted.signatureAlgorithm, signature);
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
