/**
 * Defaults that come from settings, bound once. The composition root (src/main/composition.ts) builds this
 * from the loaded settings; use cases apply it to whatever a request leaves out. So the CLI, the web admin,
 * the API and the worker give the same certificate for the same request, and no surface applies a default
 * of its own.
 */
import type { KeyDefaults } from "../ca/key-parameters.js";
import type { KeyType } from "../x509/algorithms.js";

export interface Defaults {
  /** TSCA_DEFAULT_CA: the CA sign_cert and friends use when none is named. */
  ca: string | undefined;
  /** Days a certificate is valid when neither request nor profile says. */
  certExpiresDays: number;
  /** Days a new CA is valid when init_ca has no --expires. */
  caExpiresDays: number;
  keyType: KeyType;
  key: KeyDefaults;
  /** HOST[:PORT] of `tsca serve` for default CRL/OCSP/issuer URLs; undefined: none. */
  hostname: string | undefined;
  crlExpiresSeconds: number;
  crlRenewalSeconds: number;
  ocspResponderValidityDays: number;
  ocspResponderRenewalHours: number;
  ocspResponseValiditySeconds: number;
}
