/**
 * The certificate of a delegated OCSP responder (RFC 6960 §4.2.2.2): issued by the CA whose certificates it
 * answers for, with extended key usage id-kp-OCSPSigning (required there), id-pkix-ocsp-nocheck so that
 * clients need not check the responder's own status (§4.2.2.2.1; which is why its validity is short),
 * and keyUsage digitalSignature only. The subject is the CA's with the common name replaced, so operators
 * can tell responders apart and RFC 5280 §4.1.2.6 (a non-empty subject or a critical SAN) holds.
 */
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { EXTENDED_KEY_USAGES } from "../x509/oids.js";
import { keyIdentifier } from "../x509/certificate.js";
import { makeExtension } from "../x509/extensions/extension.js";
import { extendedKeyUsage } from "../x509/extensions/extended-key-usage.js";
import { subjectKeyIdentifier } from "../x509/extensions/key-identifiers.js";
import { keyUsage } from "../x509/extensions/key-usage.js";
import { ocspNoCheck } from "../x509/extensions/tls-feature.js";
import { decodeName, encodeName, OID_COMMON_NAME, type Name } from "../x509/name.js";
import type { PreparedIssuer } from "./issuer.js";
import { lintForSigning, type CertificateToSign } from "./linted-tbs.js";
import { signCertificate } from "./sign-certificate.js";

export const OCSP_RESPONDER_COMMON_NAME = "OCSP responder";

/** Backdating absorbs clients whose clocks run slow (the responder certificate is checked with every response). */
const BACKDATE_MS = 3_600_000;

export function responderSubject(issuerDer: Buffer): Name {
  const name = decodeName(issuerDer)
    .map((rdn) => rdn.filter((a) => a.oid !== OID_COMMON_NAME))
    .filter((rdn) => rdn.length > 0);
  return [...name, [{ oid: OID_COMMON_NAME, value: OCSP_RESPONDER_COMMON_NAME }]];
}

export function ocspResponderCertificate(
  issuer: PreparedIssuer,
  responder: { serial: string; spki: Buffer },
  now: Date,
  validityDays: number,
): CertificateToSign & { subjectName: Name } {
  const ca: CertificateAuthority = issuer.ca;
  const notBefore = new Date(Math.max(now.getTime() - BACKDATE_MS, ca.notBefore.getTime()));
  const notAfter = new Date(Math.min(now.getTime() + validityDays * 86_400_000, ca.notAfter.getTime()));
  const subjectName = responderSubject(issuer.issuerDer);
  return {
    serial: responder.serial,
    issuer: issuer.issuerDer,
    subject: encodeName(subjectName),
    subjectName,
    notBefore: new Date(Math.floor(notBefore.getTime() / 1000) * 1000),
    notAfter: new Date(Math.floor(notAfter.getTime() / 1000) * 1000),
    spki: responder.spki,
    extensions: [
      makeExtension(keyUsage, ["digitalSignature"]),
      makeExtension(extendedKeyUsage, [EXTENDED_KEY_USAGES.OCSPSigning!]),
      makeExtension(ocspNoCheck, true),
      makeExtension(subjectKeyIdentifier, keyIdentifier(responder.spki)),
      issuer.aki,
    ],
  };
}

/**
 * Make and sign the responder certificate: linted as a delegated responder (OCSPSigning, ocsp-nocheck,
 * digitalSignature, not a CA, inside the CA's validity) with the CA's rule sets, then signed by the CA.
 */
export async function signOcspResponderCertificate(
  issuer: PreparedIssuer,
  responder: { serial: string; spki: Buffer },
  now: Date,
  validityDays: number,
): Promise<{ der: Buffer; subjectName: Name; notBefore: Date; notAfter: Date }> {
  const { subjectName, ...tbs } = ocspResponderCertificate(issuer, responder, now, validityDays);
  const linted = lintForSigning(
    tbs,
    { kind: "ocsp-responder", issuer: { notBefore: issuer.ca.notBefore, notAfter: issuer.ca.notAfter } },
    { keyType: issuer.signer.keyType, curve: issuer.curve, hash: issuer.hash },
    issuer.lintRuleSets ?? [],
  );
  const der = await signCertificate(linted, issuer.signer);
  return { der, subjectName, notBefore: tbs.notBefore, notAfter: tbs.notAfter };
}
