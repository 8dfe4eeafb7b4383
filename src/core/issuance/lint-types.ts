/**
 * What lint looks at and what it reports. Shared by the RFC 5280 rules (lint.ts) and the CA/Browser
 * Forum rule sets (lint-cabf-*.ts), so that each rule set is its own file without import cycles.
 */
import type { EllipticCurve, HashAlgorithm, KeyType } from "../x509/algorithms.js";
import type { Extension } from "../x509/extensions/extension.js";
import type { Name } from "../x509/name.js";

export interface LintInput {
  serial: string;
  notBefore: Date;
  notAfter: Date;
  subject: Name;
  keyType: KeyType;
  extensions: Extension[];
  /** How the certificate will be signed: the issuing CA's key and the hash (undefined for EdDSA). */
  signature?: { issuerKeyType: KeyType; issuerCurve?: EllipticCurve | undefined; hash: HashAlgorithm | undefined };
}

export interface LintFinding {
  /** `snake_case` for RFC 5280 rules; `<rule set>/<rule>` for the other rule sets (`cabf-serverauth/validity_max`). */
  rule: string;
  section: string;
  message: string;
}
