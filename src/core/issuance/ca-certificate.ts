/**
 * Signing a CA certificate: a root signs its own (RFC 5280 §4.1.2.4, issuer = subject, the AKI is its own
 * SKI), an intermediate is signed by its parent, whose subject is the issuer exactly as encoded in the
 * parent's certificate and whose issuer alternative names it carries (§4.2.1.7). Like every certificate,
 * it is linted before signing (linted-tbs.ts) as a CA certificate — basicConstraints cA critical,
 * keyCertSign, SKI/AKI, validity inside the parent's — with the signature rule of the CA/B Forum sets
 * that either CA selects (the parent signs, the new CA will sign with that hash later).
 */
import { caExtensions, type CaCertificateOptions } from "../ca/ca-extensions.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import type { Signer } from "../ports/signer.js";
import { curveOfOid, type HashAlgorithm } from "../x509/algorithms.js";
import { describeSpki, keyIdentifier, parseCertificate } from "../x509/certificate.js";
import { parseGeneralName } from "../x509/general-name.js";
import { mergeRuleSets, type ExtraRuleSet } from "./lint-rule-sets.js";
import { lintForSigning } from "./linted-tbs.js";
import { signCertificate } from "./sign-certificate.js";

export interface CaCertificateRequest {
  serial: string;
  /** The new CA's subject, DER-encoded. */
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** The new CA's own key (signs a root's certificate). */
  signer: Signer;
  /** The hash the new CA signs with (its own certificate, when it is a root). */
  hash: HashAlgorithm | undefined;
  certificate: CaCertificateOptions;
  /** The new CA's lint rule sets beyond RFC 5280. */
  lintRuleSets: readonly ExtraRuleSet[];
  /** An intermediate's parent and the parent's opened key. */
  parent?: { ca: CertificateAuthority; signer: Signer };
}

export async function signCaCertificate(r: CaCertificateRequest): Promise<Buffer> {
  const ski = keyIdentifier(r.signer.spki);
  const p = r.parent;
  const parentCert = p ? parseCertificate(p.ca.der) : undefined;
  const issuerAltNames = p ? p.ca.signIssuerAltNames.map((g) => parseGeneralName(g)) : [];
  const extensions = caExtensions(
    { ...r.certificate, issuerAltNames: [...r.certificate.issuerAltNames, ...issuerAltNames] },
    ski,
    p ? keyIdentifier(p.signer.spki) : ski,
  );
  const signer = p ? p.signer : r.signer;
  const linted = lintForSigning(
    {
      serial: r.serial,
      issuer: parentCert ? parentCert.subjectDer : r.subject,
      subject: r.subject,
      notBefore: r.notBefore,
      notAfter: r.notAfter,
      spki: r.signer.spki,
      extensions,
    },
    p ? { kind: "ca", issuer: { notBefore: p.ca.notBefore, notAfter: p.ca.notAfter } } : { kind: "ca" },
    {
      keyType: signer.keyType,
      curve: curveOfOid(parentCert ? parentCert.curveOid : describeSpki(r.signer.spki).curveOid),
      hash: p ? (p.ca.signatureHash ?? undefined) : r.hash,
    },
    p ? mergeRuleSets(p.ca.lintRuleSets, r.lintRuleSets) : r.lintRuleSets,
  );
  return signCertificate(linted, signer);
}
