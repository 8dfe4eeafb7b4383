/**
 * import_ca: take an existing CA (certificate + private key) into tsca. Refused: a certificate that is not
 * a CA (basicConstraints cA, RFC 5280 §4.2.1.9), a key that does not belong to it, a child that the named
 * parent did not sign. Atomic like init_ca: the key is staged, the row inserted, then the key committed.
 */
import { caKeyStore } from "../issuance/ca-signer.js";
import type { KeyStore, PendingKey } from "../ports/key-store.js";
import type { KeyOptions } from "../ports/key-store-registry.js";
import { TscaError } from "../errors.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { findCa } from "../ca/find-ca.js";
import { parseCertificate } from "../x509/certificate.js";
import { basicConstraints } from "../x509/extensions/basic-constraints.js";
import { keyUsage } from "../x509/extensions/key-usage.js";
import { findExtension } from "../x509/extensions/registry.js";
import { curveOfOid, hashOfSignatureAlgorithm, matchingHash, type HashAlgorithm, type KeyType } from "../x509/algorithms.js";
import { OID } from "../x509/oids.js";
import { commonName, formatName } from "../x509/name.js";
import { verifySignature } from "../x509/verify-signature.js";
import type { CaDeps, WriteDeps } from "./deps.js";
import type { UseCaseContext } from "../access/context.js";
import { guardKeyHost } from "../access/guard.js";
import { recordedInsert } from "../ca/recorded-insert.js";
import {
  assertCaName,
  assertCaNameFree,
  expandSignedCertificateUrls,
  signUrlFields,
  storeNewCa,
  type SignedCertificateUrls,
} from "../ca/new-ca.js";
import { publishNewCa, type PublicationOutcome, type PublishNewCaDeps } from "./publish-new-ca.js";

export interface ImportCaRequest {
  name: string;
  /** The private key (PEM or DER); undefined: the key is in the key store already (a PKCS#11 token), found by the certificate's public key. */
  key?: Buffer;
  certificate: Buffer;
  importPassword?: string;
  password?: string;
  parent?: string;
  /** The configured hash for RSA keys (TSCA_DEFAULT_SIGNATURE_HASH); undefined: SHA-256. */
  /** Accept a CA certificate without a Subject Key Identifier (import_ca --allow-missing-ski). */
  allowMissingSki?: boolean;
  sign?: Partial<SignedCertificateUrls>;
  /** The key store (registry name) and its options (PKCS#11: token, key label); default: the registry's default, none. */
  keyBackend?: string;
  keyOptions?: KeyOptions;
}

/**
 * The hash an imported CA signs with: an EC key always its curve's (CA/B BR §7.1.3.2.2); an RSA key the
 * hash of its own certificate's signature when that is SHA-2 (the operator's earlier choice), else the
 * configured default, else SHA-256; EdDSA none.
 */
function importedSigningHash(
  keyType: KeyType,
  curveOid: string | undefined,
  ownHash: HashAlgorithm | "weak" | undefined,
  configured: HashAlgorithm | undefined,
): HashAlgorithm | null {
  if (keyType === "RSA") return ownHash && ownHash !== "weak" ? ownHash : (configured ?? matchingHash("RSA", undefined));
  return matchingHash(keyType, curveOfOid(curveOid));
}

/** The key given, staged in the store; or, without one, the key the store already holds for this public key. */
function stageImportedKey(store: KeyStore, serial: string, spki: Buffer, req: ImportCaRequest): Promise<PendingKey> {
  if (req.key !== undefined) return store.import(serial, req.key, req.importPassword, req.password);
  if (!store.findByCertificate)
    throw new TscaError(
      "ERR_INVALID_ARGUMENT",
      `The ${store.backend} key store needs the private key to import; only a key on a token can be found by its certificate.`,
    );
  if (req.importPassword !== undefined || req.password !== undefined)
    throw new TscaError(
      "ERR_KEY_PASSWORD_UNEXPECTED",
      "A key on a token is protected by the token's PIN: no --import-password or --password.",
    );
  return store.findByCertificate(spki);
}

export async function importCa(ctx: UseCaseContext, deps: CaDeps & WriteDeps, req: ImportCaRequest): Promise<CertificateAuthority> {
  await guardKeyHost(ctx, "ca.import", `ca-name:${req.name}`);
  assertCaName(req.name);
  const cert = parseCertificate(req.certificate);
  const bc = findExtension(cert.extensions, basicConstraints);
  if (!bc?.ca) throw new TscaError("ERR_NOT_A_CA", "The certificate is not a CA certificate (basicConstraints cA is not set).");
  const ku = findExtension(cert.extensions, keyUsage);
  if (ku && !ku.includes("keyCertSign"))
    throw new TscaError("ERR_NOT_A_CA", "The certificate's key usage does not allow signing certificates (keyCertSign).");
  if (cert.keyType === "unknown") throw new TscaError("ERR_KEY_INVALID", "The certificate's public key type is not supported.");
  // RFC 5280 §4.2.1.2: a CA certificate MUST carry a SKI; path building matches it against the AKI of
  // everything the CA signs, so a CA without one gives chains that some clients cannot build.
  if (!req.allowMissingSki && !cert.extensions.some((e) => e.oid === OID.subjectKeyIdentifier))
    throw new TscaError(
      "ERR_NO_SKI",
      "The CA certificate has no Subject Key Identifier, which RFC 5280 §4.2.1.2 requires of CA certificates; give --allow-missing-ski to import it anyway.",
    );
  await assertCaNameFree(deps.cas, req.name);
  if (await deps.cas.get(cert.serial))
    throw new TscaError("ERR_CA_SERIAL_TAKEN", `${cert.serial}: A certificate authority with this serial already exists.`);

  let parent: CertificateAuthority | undefined;
  if (req.parent !== undefined) {
    parent = await findCa(deps.cas, req.parent);
    const parentCert = parseCertificate(parent.der);
    if (
      !cert.issuerDer.equals(parentCert.subjectDer) ||
      !verifySignature(cert.tbs, cert.signatureAlgorithmOid, cert.signature, parentCert.spki)
    )
      throw new TscaError("ERR_NOT_SIGNED_BY_PARENT", `The certificate was not signed by "${parent.name}".`);
  } else if (cert.issuerDer.equals(cert.subjectDer) && !verifySignature(cert.tbs, cert.signatureAlgorithmOid, cert.signature, cert.spki)) {
    throw new TscaError("ERR_CERT_INVALID", "The self-signed certificate's signature does not verify.");
  }

  // The row records the backend and what the store says it needs to find the key again (PendingKey.keyOptions).
  const store = caKeyStore(deps.keys, { keyBackend: req.keyBackend ?? deps.keys.defaultBackend, keyOptions: req.keyOptions ?? {} });
  const pending = await stageImportedKey(store, cert.serial, cert.spki, req);
  return storeNewCa(recordedInsert(ctx, deps.uow, "ca.import"), pending, () => {
    if (!pending.signer.spki.equals(cert.spki))
      throw new TscaError("ERR_KEY_MISMATCH", "The private key does not belong to the certificate.");
    const keyType = cert.keyType as KeyType;
    const signatureHash = importedSigningHash(
      keyType,
      cert.curveOid,
      hashOfSignatureAlgorithm(cert.signatureAlgorithmOid),
      deps.defaults.key.hash,
    );
    const now = deps.clock.now();
    return {
      serial: cert.serial,
      name: req.name,
      parentSerial: parent?.serial ?? null,
      enabled: true,
      commonName: commonName(cert.subject) ?? "",
      subject: formatName(cert.subject),
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      pathLength: bc.pathLength ?? null,
      keyType,
      signatureHash,
      keyBackend: store.backend,
      keyOptions: pending.keyOptions ?? req.keyOptions ?? {},
      keyRef: pending.keyRef,
      keyEncrypted: pending.encrypted,
      der: cert.der,
      ...signUrlFields(req.sign && expandSignedCertificateUrls(req.sign, cert.serial)),
      website: null,
      termsOfService: null,
      caaIdentity: null,
      revokedAt: null,
      revokedReason: null,
      createdAt: now,
      updatedAt: now,
    };
  });
}

/** import_ca as the command runs it: the CA, then (its key is here) its first CRLs and OCSP responder, as for init_ca. */
export async function importCaAndPublish(
  ctx: UseCaseContext,
  deps: CaDeps & WriteDeps & PublishNewCaDeps,
  req: ImportCaRequest,
): Promise<{ ca: CertificateAuthority; publication: PublicationOutcome }> {
  const ca = await importCa(ctx, deps, req);
  return { ca, publication: await publishNewCa(ctx, deps, ca, req.password) };
}
