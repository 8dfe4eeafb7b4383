import type { CertificateAuthority } from "../ca/certificate-authority.js";

export type CaUpdate = Partial<
  Pick<
    CertificateAuthority,
    | "name"
    | "enabled"
    | "signCrlUrls"
    | "signOcspUrls"
    | "signIssuerUrls"
    | "signIssuerAltNames"
    | "signFreshestCrlUrls"
    | "website"
    | "termsOfService"
    | "caaIdentity"
    | "revokedAt"
    | "revokedReason"
    | "lintRuleSets"
    | "signCertificatePolicies"
    | "defaultProfile"
    | "defaultExpiresDays"
    | "acme"
  >
>;

/** Persistence of CAs. Implementations translate driver errors into TscaErrors (name taken, unavailable). */
export interface CaRepository {
  /** All CAs ordered by notAfter, then name. */
  list(): Promise<CertificateAuthority[]>;
  get(serial: string): Promise<CertificateAuthority | undefined>;
  /** CAs whose serial starts with `prefix` or whose name equals `name`. */
  search(prefix: string, name: string): Promise<CertificateAuthority[]>;
  insert(ca: CertificateAuthority): Promise<void>;
  update(serial: string, patch: CaUpdate, now: Date): Promise<void>;
}
