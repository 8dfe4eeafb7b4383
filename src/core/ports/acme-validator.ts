/**
 * The outbound half of ACME (RFC 8555 §8): proving that an account controls an identifier by fetching what
 * the client provisioned — an HTTP resource (§8.3), a DNS TXT record (§8.4), a TLS certificate over the
 * acme-tls/1 ALPN protocol (RFC 8737) — and checking that the identifier's CAA records let this CA issue
 * (RFC 8659, with the accounturi and validationmethods parameters of RFC 8657). Implemented in
 * adapters/acme/; the web host runs it, since it needs no CA key.
 */
import type { AcmeChallengeType, AcmeIdentifier } from "../acme/model.js";
import type { AcmeProblemJson } from "../acme/problem.js";

export interface ChallengeValidation {
  type: AcmeChallengeType;
  /** The authorization's identifier: for a wildcard order, the base name (dns-01 only, §7.1.3). */
  identifier: AcmeIdentifier;
  wildcard: boolean;
  token: string;
  /** token "." base64url(JWK thumbprint) (§8.1). */
  keyAuthorization: string;
  /** CAA (RFC 8659 §4): the CA's issuer domain names; empty: the CA has none, so any issue/issuewild record set forbids it. */
  caaIdentities: string[];
  /** RFC 8657 §3: the account URL that an "accounturi" parameter must equal. */
  accountUri: string;
}

/**
 * ok, or the problem to store on the challenge: connection (also an address the server's policy refuses:
 * the client may well control the name), dns, tls, incorrectResponse, caa (§6.7). The detail says what was reached and what was wrong, in one
 * sentence, never more than the client could see itself.
 */
export type ValidationResult = { ok: true } | { ok: false; problem: AcmeProblemJson };

export interface ChallengeValidator {
  validate(v: ChallengeValidation): Promise<ValidationResult>;
}
