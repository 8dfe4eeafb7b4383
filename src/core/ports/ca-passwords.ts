/**
 * Passwords of encrypted CA keys for unattended renewal (TSCA_CA_PASSWORDS_FILE): timers run
 * generate_crls and generate_ocsp_keys with no one to type a password, so a CA whose key is encrypted
 * would otherwise never get a new CRL and its CRLs would lapse (RFC 5280 §5.1.2.5: a relying party may
 * reject a CRL past nextUpdate). The password of a CA is looked up by its serial; undefined when none is known.
 */
export interface CaPasswords {
  get(caSerial: string): string | undefined;
  /** Where the passwords come from, for messages (a path; never a password). */
  readonly source: string;
}
