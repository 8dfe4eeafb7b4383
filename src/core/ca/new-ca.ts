/**
 * What creating a CA means, whether it is made (init_ca) or imported (import_ca): the name rules, the URLs
 * it adds to what it signs, and the one protocol that stores it — the row is inserted while the key is
 * still pending, then the key is committed (see storeNewCa and ports/key-store.ts).
 */
import { TscaError, isTscaError, type ErrorKind } from "../errors.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { PendingKey } from "../ports/key-store.js";
import { formatGeneralName, type GeneralName } from "../x509/general-name.js";
import { formatName, OID_COMMON_NAME, type Name } from "../x509/name.js";
import type { CertificateAuthority } from "./certificate-authority.js";
import { expandUrlTemplates, signedCertificateTemplateContext } from "./url-templates.js";

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

/**
 * The one common name of a CA subject. None is refused (ERR_SUBJECT_NO_CN); two are refused too: which one
 * a relying party shows or matches is undefined (RFC 5280 §4.1.2.6 names "the" subject, and CA/B Forum BR
 * §7.1.4.3 allows one commonName), and tsca lists a CA by it. Other attributes may repeat (`/L=Vienna/L=Vienna`).
 */
export function caCommonName(subject: Name): string {
  const cns = subject.flat().filter((a) => a.oid === OID_COMMON_NAME);
  if (cns.length === 0) throw new TscaError("ERR_SUBJECT_NO_CN", "Subject must contain a common name (CN=...).");
  if (cns.length > 1)
    throw new TscaError(
      "ERR_INVALID_SUBJECT",
      `${formatName(subject)}: A CA subject must contain exactly one common name (CN), not ${cns.length}.`,
    );
  return cns[0]!.value;
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

/** The URLs a CA adds to what it signs, with {SERIAL_HEX}-style templates filled in for CA `caSerial`. */
export function expandSignedCertificateUrls<T extends Partial<SignedCertificateUrls>>(sign: T, caSerial: string): T {
  const ctx = signedCertificateTemplateContext(caSerial);
  const out = { ...sign };
  for (const key of ["crlUrls", "ocspUrls", "issuerUrls", "freshestCrlUrls"] as const)
    if (sign[key]) out[key] = expandUrlTemplates(sign[key], ctx);
  return out;
}

/** Refusals that prove the row was not stored; any other failure of the insert may have stored it. */
const DEFINITE_REFUSAL: ReadonlySet<ErrorKind> = new Set(["usage", "invalid", "not-found", "conflict", "forbidden"]);

/**
 * Build the CA from its pending key, insert the row, then commit the key. Whole CA or nothing:
 * - a failure before the insert, or an insert the database refused (name or serial taken), aborts the key;
 * - an insert that failed otherwise (I/O error, lost connection, an fsync that failed after the commit
 *   record was written) may or may not have stored the row, and a failed commit leaves a stored row
 *   with its key still staged: in both cases the staged key is kept and the key store's `recover`,
 *   which every later command runs once this process has ended, moves it into place if the row exists
 *   and removes it if not. The user gets ERR_IO/ERR_DATABASE saying so, never "Internal error".
 */
export async function storeNewCa(
  cas: Pick<CaRepository, "insert">,
  pending: PendingKey,
  build: () => Promise<CertificateAuthority> | CertificateAuthority,
): Promise<CertificateAuthority> {
  // An abort that fails leaves a staged key without a row, which `recover` removes later.
  const abort = (): Promise<void> => pending.abort().catch(() => undefined);
  let ca: CertificateAuthority;
  try {
    ca = await build();
  } catch (e) {
    await abort();
    throw e;
  }
  try {
    await cas.insert(ca);
  } catch (e) {
    if (isTscaError(e) && DEFINITE_REFUSAL.has(e.kind)) await abort();
    throw e;
  }
  try {
    await pending.commit();
  } catch (e) {
    const why = isTscaError(e) ? e.message.replace(/\.$/, "") : "the key store failed";
    throw new TscaError(
      "ERR_IO",
      `${ca.name}: The CA is stored but its key could not be committed (${why}); the next tsca command finishes the commit.`,
      { cause: e },
    );
  }
  return ca;
}
