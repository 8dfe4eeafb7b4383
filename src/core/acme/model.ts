/**
 * The ACME resources of RFC 8555 §7.1 as tsca stores them. Each resource belongs to one CA (every CA that
 * enables ACME is its own ACME server, /acme/{ca-serial-hex}/directory) and ids are random URL-safe
 * strings, so a URL reveals nothing about how many exist. Times are Dates; JSON-shaped values (the
 * account's JWK, problems) are kept as parsed objects.
 */
import type { AcmeProblemJson } from "./problem.js";

/** §9.7.7 identifier types: "dns" (RFC 8555) and "ip" (RFC 8738). */
export type AcmeIdentifierType = "dns" | "ip";

export interface AcmeIdentifier {
  type: AcmeIdentifierType;
  /** dns: lower-case A-label name, "*." prefix for a wildcard order identifier; ip: canonical text form. */
  value: string;
}

/** §7.1.6 status changes. */
export type AcmeAccountStatus = "valid" | "deactivated" | "revoked";
export type AcmeOrderStatus = "pending" | "ready" | "processing" | "valid" | "invalid";
export type AcmeAuthorizationStatus = "pending" | "valid" | "invalid" | "deactivated" | "expired" | "revoked";
export type AcmeChallengeStatus = "pending" | "processing" | "valid" | "invalid";
export type AcmeChallengeType = "http-01" | "dns-01" | "tls-alpn-01";

/** A public key as JWK (RFC 7517), exactly as the client sent it minus private members. */
export type PublicJwk = Record<string, unknown> & { kty: string };

export interface AcmeAccount {
  id: string;
  caSerial: string;
  status: AcmeAccountStatus;
  jwk: PublicJwk;
  /** RFC 7638 SHA-256 thumbprint of jwk, base64url: unique per CA (one account per key, §7.3). */
  thumbprint: string;
  /** §7.3 contact URLs (mailto: only). */
  contact: string[];
  termsOfServiceAgreed: boolean;
  /** The External Account Binding key id this account was created with (§7.3.4), if any. */
  eabKid: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface AcmeOrder {
  id: string;
  accountId: string;
  caSerial: string;
  status: AcmeOrderStatus;
  identifiers: AcmeIdentifier[];
  notBefore: Date | null;
  notAfter: Date | null;
  expires: Date;
  /** Why the order became invalid (§7.1.3 "error"). */
  error: AcmeProblemJson | null;
  /** The signing request finalize queued (DESIGN.md "Who signs, where"); its outcome makes the order valid or invalid. */
  signingRequestId: string | null;
  certificateSerial: string | null;
  /** RFC 9773 §5: the ARI certID of the certificate this order replaces. */
  replaces: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One authorization per identifier of an order (tsca does not share authorizations between orders). */
export interface AcmeAuthorization {
  id: string;
  orderId: string;
  accountId: string;
  caSerial: string;
  /** For a wildcard order identifier: the base name, wildcard true (§7.1.4). */
  identifier: AcmeIdentifier;
  wildcard: boolean;
  status: AcmeAuthorizationStatus;
  expires: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface AcmeChallenge {
  id: string;
  authzId: string;
  type: AcmeChallengeType;
  /** §8.1: at least 128 bits of entropy, base64url. */
  token: string;
  status: AcmeChallengeStatus;
  validated: Date | null;
  error: AcmeProblemJson | null;
  updatedAt: Date;
}

/** An External Account Binding key (§7.3.4) made by `tsca create_eab_key --ca CA`; usable once. */
export interface AcmeEabKey {
  kid: string;
  caSerial: string;
  /** The HMAC key (HS256), raw bytes; shown once, base64url, by create_eab_key. */
  key: Buffer;
  boundAccountId: string | null;
  createdBy: string;
  createdAt: Date;
}

/** How a CA answers ACME (edit_ca --acme-*); absent on a CA row: ACME disabled. */
export interface CaAcmeSettings {
  enabled: boolean;
  /** Profile for ACME-issued certificates; null: the CA's default profile, then the installation's. */
  profile: string | null;
  requiresContact: boolean;
  eabRequired: boolean;
  /**
   * Identifier policy checked at newOrder on top of the CA's name constraints: patterns "name" (exactly),
   * "*.zone" or ".zone" (anything below zone), or an IP network in CIDR form. Empty allow list: everything
   * not denied.
   */
  allowIdentifiers: string[];
  denyIdentifiers: string[];
}

export const ACME_DISABLED: CaAcmeSettings = {
  enabled: false,
  profile: null,
  requiresContact: false,
  eabRequired: false,
  allowIdentifiers: [],
  denyIdentifiers: [],
};
