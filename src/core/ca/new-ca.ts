/**
 * What creating a CA means, whether it is made (init_ca) or imported (import_ca): the name rules, the URLs
 * it adds to what it signs, and the one protocol that stores it — the row is inserted while the key is
 * still pending, then the key is committed; any failure before aborts the key (see ports/key-store.ts).
 */
import { TscaError } from "../errors.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { PendingKey } from "../ports/key-store.js";
import { formatGeneralName, type GeneralName } from "../x509/general-name.js";
import type { CertificateAuthority } from "./certificate-authority.js";

export interface SignedCertificateUrls {
  crlUrls: GeneralName[];
  ocspUrls: GeneralName[];
  issuerUrls: GeneralName[];
  issuerAltNames: GeneralName[];
  /** Delta CRL locations (Freshest CRL, RFC 5280 §4.2.1.15). */
  freshestCrlUrls?: GeneralName[];
}

export function assertCaName(name: string): void {
  if (name.trim() === "" || name.length > 255) throw new TscaError("ERR_INVALID_ARGUMENT", "A CA name must be 1 to 255 characters.");
}

/** A friendly refusal before any key exists; the unique constraint still guards the race. */
export async function assertCaNameFree(cas: CaRepository, name: string): Promise<void> {
  if ((await cas.search("", name)).some((c) => c.name === name))
    throw new TscaError("ERR_CA_NAME_TAKEN", `${name}: A certificate authority with this name already exists.`);
}

/** The stored (display) form of what a CA adds to the certificates it signs. */
export function signUrlFields(
  sign: Partial<SignedCertificateUrls> | undefined,
): Pick<CertificateAuthority, "signCrlUrls" | "signOcspUrls" | "signIssuerUrls" | "signIssuerAltNames" | "signFreshestCrlUrls"> {
  const f = (g: GeneralName[] | undefined): string[] => (g ?? []).map(formatGeneralName);
  return {
    signCrlUrls: f(sign?.crlUrls),
    signOcspUrls: f(sign?.ocspUrls),
    signIssuerUrls: f(sign?.issuerUrls),
    signIssuerAltNames: f(sign?.issuerAltNames),
    signFreshestCrlUrls: f(sign?.freshestCrlUrls),
  };
}

/** Build the CA from its pending key, insert the row, then commit the key; abort the key on any failure. */
export async function storeNewCa(
  cas: CaRepository,
  pending: PendingKey,
  build: () => Promise<CertificateAuthority> | CertificateAuthority,
): Promise<CertificateAuthority> {
  try {
    const ca = await build();
    await cas.insert(ca);
    await pending.commit();
    return ca;
  } catch (e) {
    await pending.abort();
    throw e;
  }
}
