/**
 * Opening a CA's private key for signing: the key store is the one the CA row names (key_backend, with
 * its key_options), picked from the registry, and the key must belong to the CA's certificate — a wrong
 * or swapped key file is refused here (ERR_KEY_MISMATCH) before it signs anything under the CA's name.
 */
import { TscaError } from "../errors.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import type { KeyStore } from "../ports/key-store.js";
import type { KeyStoreRegistry } from "../ports/key-store-registry.js";
import type { Signer } from "../ports/signer.js";
import { parseCertificate } from "../x509/certificate.js";

/** The store that holds this CA's key. */
export const caKeyStore = (keys: KeyStoreRegistry, ca: Pick<CertificateAuthority, "keyBackend" | "keyOptions">): KeyStore =>
  keys.get(ca.keyBackend, ca.keyOptions);

export async function loadCaSigner(
  keys: KeyStoreRegistry,
  ca: CertificateAuthority,
  password: string | undefined,
  /** The CA certificate's SubjectPublicKeyInfo, when the caller has parsed the certificate already. */
  caSpki: Buffer = parseCertificate(ca.der).spki,
): Promise<Signer> {
  const signer = await caKeyStore(keys, ca).load(ca.keyRef, password);
  if (!signer.spki.equals(caSpki))
    throw new TscaError("ERR_KEY_MISMATCH", `The private key of "${ca.name}" does not belong to its certificate.`);
  return signer;
}
