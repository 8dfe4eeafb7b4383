/**
 * Rows of the acme_* tables (migration 0015) and the ACME model, both ways: times are ISO 8601 text in UTC,
 * booleans 0/1, JSON-shaped members JSON text. Used by SqlAcmeRepository.
 */
import type { Selectable } from "kysely";
import type {
  AcmeAccount,
  AcmeAccountStatus,
  AcmeAuthorization,
  AcmeAuthorizationStatus,
  AcmeChallenge,
  AcmeChallengeStatus,
  AcmeChallengeType,
  AcmeEabKey,
  AcmeIdentifier,
  AcmeIdentifierType,
  AcmeOrder,
  AcmeOrderStatus,
  PublicJwk,
} from "../../core/acme/model.js";
import type { AcmeProblemJson } from "../../core/acme/problem.js";
import type { AcmeAccountTable, AcmeAuthzTable, AcmeChallengeTable, AcmeEabKeyTable, AcmeOrderTable } from "./schema.js";

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null): string | null => (d === null ? null : d.toISOString());
export const dateOrNull = (s: string | null): Date | null => (s === null ? null : new Date(s));
export const jsonOrNull = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

export function accountFromRow(r: Selectable<AcmeAccountTable>): AcmeAccount {
  return {
    id: r.id,
    caSerial: r.ca_serial,
    status: r.status as AcmeAccountStatus,
    jwk: JSON.parse(r.jwk) as PublicJwk,
    thumbprint: r.thumbprint,
    contact: JSON.parse(r.contact) as string[],
    termsOfServiceAgreed: Boolean(Number(r.tos_agreed)),
    eabKid: r.eab_kid,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export function eabKeyFromRow(r: Selectable<AcmeEabKeyTable>): AcmeEabKey {
  return {
    kid: r.kid,
    caSerial: r.ca_serial,
    key: Buffer.from(r.hmac_key),
    boundAccountId: r.bound_account_id,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
  };
}

export function orderToRow(o: AcmeOrder): AcmeOrderTable {
  return {
    id: o.id,
    account_id: o.accountId,
    ca_serial: o.caSerial,
    status: o.status,
    identifiers: JSON.stringify(o.identifiers),
    not_before: isoOrNull(o.notBefore),
    not_after: isoOrNull(o.notAfter),
    expires_at: iso(o.expires),
    error: o.error === null ? null : JSON.stringify(o.error),
    signing_request_id: o.signingRequestId,
    certificate_serial: o.certificateSerial,
    replaces: o.replaces,
    created_at: iso(o.createdAt),
    updated_at: iso(o.updatedAt),
  };
}

export function orderFromRow(r: Selectable<AcmeOrderTable>): AcmeOrder {
  return {
    id: r.id,
    accountId: r.account_id,
    caSerial: r.ca_serial,
    status: r.status as AcmeOrderStatus,
    identifiers: JSON.parse(r.identifiers) as AcmeIdentifier[],
    notBefore: dateOrNull(r.not_before),
    notAfter: dateOrNull(r.not_after),
    expires: new Date(r.expires_at),
    error: jsonOrNull<AcmeProblemJson>(r.error),
    signingRequestId: r.signing_request_id,
    certificateSerial: r.certificate_serial,
    replaces: r.replaces,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export function authzToRow(a: AcmeAuthorization): AcmeAuthzTable {
  return {
    id: a.id,
    order_id: a.orderId,
    account_id: a.accountId,
    ca_serial: a.caSerial,
    identifier_type: a.identifier.type,
    identifier_value: a.identifier.value,
    wildcard: a.wildcard ? 1 : 0,
    status: a.status,
    expires_at: iso(a.expires),
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
  };
}

export function authzFromRow(r: Selectable<AcmeAuthzTable>): AcmeAuthorization {
  return {
    id: r.id,
    orderId: r.order_id,
    accountId: r.account_id,
    caSerial: r.ca_serial,
    identifier: { type: r.identifier_type as AcmeIdentifierType, value: r.identifier_value },
    wildcard: Boolean(Number(r.wildcard)),
    status: r.status as AcmeAuthorizationStatus,
    expires: new Date(r.expires_at),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export function challengeToRow(c: AcmeChallenge): AcmeChallengeTable {
  return {
    id: c.id,
    authz_id: c.authzId,
    type: c.type,
    token: c.token,
    status: c.status,
    validated_at: isoOrNull(c.validated),
    error: c.error === null ? null : JSON.stringify(c.error),
    updated_at: iso(c.updatedAt),
  };
}

export function challengeFromRow(r: Selectable<AcmeChallengeTable>): AcmeChallenge {
  return {
    id: r.id,
    authzId: r.authz_id,
    type: r.type as AcmeChallengeType,
    token: r.token,
    status: r.status as AcmeChallengeStatus,
    validated: dateOrNull(r.validated_at),
    error: jsonOrNull<AcmeProblemJson>(r.error),
    updatedAt: new Date(r.updated_at),
  };
}
