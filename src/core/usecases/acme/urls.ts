/**
 * The URLs of one CA's ACME server (11-common "URLs"): everything under {base}/acme/{hex}/, where hex is
 * the CA serial in upper-case hex and base is TSCA_EXTERNAL_URL or what the request was sent to. The
 * JWS "url" (§6.4) and "kid" (§6.2) are compared against exactly these strings.
 */
export class AcmeUrls {
  readonly root: string;
  constructor(
    base: string,
    readonly caHex: string,
  ) {
    this.root = `${base.replace(/\/+$/, "")}/acme/${caHex}`;
  }
  get directory(): string {
    return `${this.root}/directory`;
  }
  get newNonce(): string {
    return `${this.root}/new-nonce`;
  }
  get newAccount(): string {
    return `${this.root}/new-account`;
  }
  get newOrder(): string {
    return `${this.root}/new-order`;
  }
  get revokeCert(): string {
    return `${this.root}/revoke-cert`;
  }
  get keyChange(): string {
    return `${this.root}/key-change`;
  }
  get renewalInfo(): string {
    return `${this.root}/renewal-info`;
  }
  account(id: string): string {
    return `${this.root}/acct/${id}`;
  }
  orders(accountId: string): string {
    return `${this.root}/acct/${accountId}/orders`;
  }
  order(id: string): string {
    return `${this.root}/order/${id}`;
  }
  finalize(orderId: string): string {
    return `${this.root}/order/${orderId}/finalize`;
  }
  authz(id: string): string {
    return `${this.root}/authz/${id}`;
  }
  challenge(id: string): string {
    return `${this.root}/chall/${id}`;
  }
  certificate(orderId: string): string {
    return `${this.root}/cert/${orderId}`;
  }
  /** The account id in an account URL of this CA, or undefined. */
  accountIdOf(url: string): string | undefined {
    const prefix = `${this.root}/acct/`;
    if (!url.startsWith(prefix)) return undefined;
    const id = url.slice(prefix.length);
    return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
  }
}
