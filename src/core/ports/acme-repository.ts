/**
 * Persistence of ACME resources (migration 0015). Reads may run outside a unit of work; every write a use
 * case makes goes through `tx.acme` of its unit of work, so it commits together with its audit event and
 * the signing request finalize queues. Status changes that race (two hosts validating the same challenge,
 * two finalize requests) are conditional updates that report whether they won.
 */
import type {
  AcmeAccount,
  AcmeAuthorization,
  AcmeAuthorizationStatus,
  AcmeChallenge,
  AcmeChallengeStatus,
  AcmeEabKey,
  AcmeOrder,
  AcmeOrderStatus,
} from "../acme/model.js";

export type AcmeAccountPatch = Partial<Pick<AcmeAccount, "status" | "contact" | "jwk" | "thumbprint" | "termsOfServiceAgreed">>;
export type AcmeOrderPatch = Partial<
  Pick<AcmeOrder, "status" | "error" | "signingRequestId" | "certificateSerial" | "notBefore" | "notAfter">
>;
export type AcmeChallengePatch = Partial<Pick<AcmeChallenge, "status" | "validated" | "error">>;

export interface AcmeRepository {
  /**
   * The installation's nonce key (32 random bytes), made on first use and shared by every web host through
   * the database, so any host can check a nonce another issued (RFC 8555 §6.5).
   */
  nonceKey(): Promise<Buffer>;
  /**
   * Record a nonce as used: true the first time, false if it was used before (on any host). `expires` is
   * when the nonce would be refused anyway; rows past it may be purged.
   */
  useNonce(nonce: string, expires: Date): Promise<boolean>;
  /** Delete used-nonce rows past their expiry and orders/authorizations long expired; returns rows deleted. */
  purgeExpired(now: Date): Promise<number>;

  insertAccount(account: AcmeAccount): Promise<void>;
  getAccount(id: string): Promise<AcmeAccount | undefined>;
  /** The CA's account for this key (RFC 7638 thumbprint), whatever its status. */
  findAccountByThumbprint(caSerial: string, thumbprint: string): Promise<AcmeAccount | undefined>;
  /** Throws TscaError ERR_ACME_KEY_IN_USE if a new thumbprint belongs to another account of the CA (key change, §7.3.5). */
  updateAccount(id: string, patch: AcmeAccountPatch, now: Date): Promise<void>;

  insertEabKey(key: AcmeEabKey): Promise<void>;
  getEabKey(kid: string): Promise<AcmeEabKey | undefined>;
  /** A CA's EAB keys, oldest first (tsca list_eab_keys; the HMAC keys are in the objects, surfaces never show them). */
  listEabKeys(caSerial: string): Promise<AcmeEabKey[]>;
  /** Bind an unbound key to an account: false if it was bound already (a key creates one account). */
  bindEabKey(kid: string, accountId: string, now: Date): Promise<boolean>;

  /** An order with its authorizations and their challenges, all new. */
  insertOrder(order: AcmeOrder, authorizations: AcmeAuthorization[], challenges: AcmeChallenge[]): Promise<void>;
  getOrder(id: string): Promise<AcmeOrder | undefined>;
  /**
   * An account's orders, newest first, after the cursor (an order id from the previous page). With
   * `usableAt`, only those not invalid then: not stored invalid, and valid, processing or not yet expired
   * (RFC 8555 §7.1.2.1: the orders list SHOULD NOT include invalid orders).
   */
  listOrders(accountId: string, limit: number, after?: string, usableAt?: Date): Promise<AcmeOrder[]>;
  /** The order that produced a certificate (revocation by account, ARI). */
  findOrderByCertificate(certificateSerial: string): Promise<AcmeOrder | undefined>;
  /** Orders that replaced this ARI certID (RFC 9773 §5: at most one may succeed). */
  findOrdersReplacing(caSerial: string, certId: string): Promise<AcmeOrder[]>;
  /** Change an order only if its status is one of `from`: true if it did. */
  updateOrder(id: string, from: readonly AcmeOrderStatus[], patch: AcmeOrderPatch, now: Date): Promise<boolean>;

  getAuthorization(id: string): Promise<AcmeAuthorization | undefined>;
  authorizationsOfOrder(orderId: string): Promise<AcmeAuthorization[]>;
  updateAuthorization(id: string, from: readonly AcmeAuthorizationStatus[], status: AcmeAuthorizationStatus, now: Date): Promise<boolean>;
  /** Deactivation of an account (§7.3.6): its pending and valid authorizations become deactivated, pending orders invalid. */
  deactivateAccountResources(accountId: string, now: Date): Promise<void>;

  getChallenge(id: string): Promise<AcmeChallenge | undefined>;
  challengesOfAuthorization(authzId: string): Promise<AcmeChallenge[]>;
  /** Challenges of every authorization of an order, in one query. */
  challengesOfOrder(orderId: string): Promise<AcmeChallenge[]>;
  /** Change a challenge only if its status is one of `from`: true if it did. */
  updateChallenge(id: string, from: readonly AcmeChallengeStatus[], patch: AcmeChallengePatch, now: Date): Promise<boolean>;
  /** Challenges in "processing" since before `before`: validations a host started and never finished (it stopped). */
  staleValidations(before: Date, limit: number): Promise<AcmeChallenge[]>;
}
