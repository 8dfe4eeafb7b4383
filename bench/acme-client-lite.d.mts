// Types of bench/acme-client-lite.mjs for the TypeScript tests that import it.
import type { KeyObject } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export interface AcmeIdentifier {
  type: "dns" | "ip";
  value: string;
}
export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
export interface Transport {
  request(
    url: string,
    opts?: { method?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number },
  ): Promise<HttpResponse>;
  close(): void;
}
/* eslint-disable @typescript-eslint/no-explicit-any -- ACME resources are JSON the tests inspect field by field */
export type AcmeObject = Record<string, any>;

export class AcmeProblemError extends Error {
  status: number;
  problem: AcmeObject;
  url: string;
  /** The last part of the problem type URN, e.g. "badNonce". */
  readonly type: string;
}

export function makeCsr(key: KeyObject, publicKey: KeyObject, identifiers: AcmeIdentifier[]): Buffer;
export function ariCertId(cert: string | Buffer): string;
export function transport(opts?: { ca?: string | Buffer; maxSockets?: number }): Transport;

export type Present = (
  authz: AcmeObject,
  challenge: AcmeObject,
  keyAuthorization: string,
) => void | (() => void | Promise<void>) | Promise<void | (() => void | Promise<void>)>;

export class AcmeClientLite {
  constructor(opts: {
    directoryUrl: string;
    ca?: string | Buffer;
    http?: Transport;
    accountKey?: KeyPair;
    pollTimeoutMs?: number;
    honorRetryAfter?: boolean;
  });
  kid: string | undefined;
  key: KeyPair;
  close(): void;
  directory(): Promise<AcmeObject>;
  thumbprint(): Promise<string>;
  keyAuthorization(token: string): Promise<string>;
  dns01Value(token: string): Promise<string>;
  post(
    url: string,
    payload: AcmeObject | "",
    opts?: { useJwk?: boolean; signer?: { key: KeyObject; jwk: AcmeObject }; accept?: string },
  ): Promise<HttpResponse & { json?: AcmeObject }>;
  newAccount(opts?: {
    contact?: string[];
    termsOfServiceAgreed?: boolean;
    onlyReturnExisting?: boolean;
    eab?: { kid: string; hmacKey: string };
  }): Promise<{ url: string; account: AcmeObject; status: number }>;
  newOrder(identifiers: AcmeIdentifier[], opts?: { replaces?: string; notBefore?: string; notAfter?: string }): Promise<AcmeObject>;
  fetchJson(url: string): Promise<AcmeObject>;
  respond(challengeUrl: string): Promise<AcmeObject>;
  poll(url: string, done: string[]): Promise<AcmeObject>;
  finalize(order: AcmeObject, csrDer: Buffer): Promise<AcmeObject>;
  certificate(certificateUrl: string): Promise<string>;
  issue(
    identifiers: AcmeIdentifier[],
    opts: { challengeType?: string; present: Present; replaces?: string },
  ): Promise<{ order: AcmeObject; pem: string; key: KeyPair }>;
  revoke(cert: string | Buffer, opts?: { reason?: number; certKey?: KeyPair }): Promise<HttpResponse>;
  updateAccount(fields: AcmeObject): Promise<AcmeObject>;
  renewalInfo(certOrId: string | Buffer): Promise<{ status: number; retryAfterMs: number | undefined; json: AcmeObject | undefined }>;
}
