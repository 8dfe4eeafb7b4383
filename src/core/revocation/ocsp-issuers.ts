/**
 * The CAs an OCSP responder answers for, each with its CertID identity and its delegated responder key
 * (RFC 6960 §4.2.2.2). Loaded from the database and the OCSP key store on first use and kept in memory;
 * a replaced responder is dropped by the change feed (`forget`) and loaded again on the next request.
 * The list of CAs is re-read at most every `caListMaxAgeMs` when an unknown CA is asked for, so random
 * CA names in URLs cannot turn into a database query each.
 */
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { Clock } from "../ports/clock.js";
import type { OcspKeyStore } from "../ports/ocsp-key-store.js";
import type { OcspResponderRepository } from "../ports/ocsp-responder-repository.js";
import { parseCertificate } from "../x509/certificate.js";
import { IssuerIdentity } from "./ocsp-cert-id.js";
import { prepareSigningKey, type OcspSigningKey } from "./ocsp-response.js";

export interface OcspIssuer {
  ca: CertificateAuthority;
  identity: IssuerIdentity;
  /** undefined: no usable responder (none generated, expired, key file unreadable); see `problem`. */
  key: OcspSigningKey | undefined;
  /** Seconds from thisUpdate to nextUpdate. */
  responseValidity: number;
  problem: string | undefined;
  /** Epoch milliseconds of loading, to retry a missing responder now and then. */
  loadedAt: number;
}

export interface OcspIssuersOptions {
  caListMaxAgeMs: number;
  /** How long a CA without usable responder is answered from memory before looking again. */
  retryMissingMs: number;
  defaultResponseValidity: number;
}

export class OcspIssuers {
  private cas = new Map<string, CertificateAuthority>();
  private listedAt = -Infinity;
  private listing: Promise<void> | undefined;
  private readonly issuers = new Map<string, OcspIssuer>();
  private readonly loading = new Map<string, Promise<OcspIssuer | undefined>>();

  constructor(
    private readonly deps: { cas: CaRepository; responders: OcspResponderRepository; keys: OcspKeyStore; clock: Clock },
    private readonly opts: OcspIssuersOptions,
  ) {}

  /** The loaded issuer when it needs no refresh; the synchronous hot path. */
  peek(caSerial: string, now: number): OcspIssuer | undefined {
    const i = this.issuers.get(caSerial);
    if (!i) return undefined;
    if (i.key) return i.key.notAfter.getTime() > now ? i : undefined;
    return now - i.loadedAt < this.opts.retryMissingMs ? i : undefined;
  }

  /** Load (or reload) an issuer; undefined when no CA has this serial. Database errors propagate. */
  load(caSerial: string): Promise<OcspIssuer | undefined> {
    let p = this.loading.get(caSerial);
    if (!p) {
      p = this.doLoad(caSerial).finally(() => this.loading.delete(caSerial));
      this.loading.set(caSerial, p);
    }
    return p;
  }

  /** Load every CA that has a responder, so the first requests find their keys ready. */
  async warm(): Promise<OcspIssuer[]> {
    await this.refreshList(true);
    const out: OcspIssuer[] = [];
    for (const serial of this.cas.keys()) {
      const i = await this.load(serial);
      if (i) out.push(i);
    }
    return out;
  }

  /** Forget one CA's responder (it was replaced); the next request loads the new one. */
  forget(caSerial: string): void {
    this.issuers.delete(caSerial);
  }

  forgetAll(): void {
    this.issuers.clear();
    this.listedAt = -Infinity;
  }

  private refreshList(force = false): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (!force && now - this.listedAt < this.opts.caListMaxAgeMs) return Promise.resolve();
    this.listing ??= this.deps.cas
      .list()
      .then((all) => {
        this.cas = new Map(all.map((ca) => [ca.serial, ca]));
        this.listedAt = now;
      })
      .finally(() => {
        this.listing = undefined;
      });
    return this.listing;
  }

  private async doLoad(caSerial: string): Promise<OcspIssuer | undefined> {
    if (!this.cas.has(caSerial)) await this.refreshList();
    const ca = this.cas.get(caSerial);
    if (!ca) return undefined;
    const now = this.deps.clock.now();
    const cert = parseCertificate(ca.der);
    const issuer: OcspIssuer = {
      ca,
      identity: new IssuerIdentity(cert.subjectDer, cert.spki),
      key: undefined,
      responseValidity: this.opts.defaultResponseValidity,
      problem: undefined,
      loadedAt: now.getTime(),
    };
    const record = await this.deps.responders.get(caSerial);
    if (!record) issuer.problem = `CA ${ca.name} has no OCSP responder certificate; run generate_ocsp_keys`;
    else if (record.notAfter <= now) issuer.problem = `the OCSP responder certificate of CA ${ca.name} expired; run generate_ocsp_keys`;
    else {
      issuer.responseValidity = record.responseValidity;
      try {
        const signer = await this.deps.keys.load(record.keyRef, record.keySecret);
        if (!signer.spki.equals(parseCertificate(record.der).spki)) throw new Error("the key does not belong to the responder certificate");
        issuer.key = prepareSigningKey(signer, record.der, record.notAfter);
      } catch (e) {
        issuer.problem = `the OCSP responder key of CA ${ca.name} cannot be loaded (${this.deps.keys.describe(record.keyRef)}): ${(e as Error).message}`;
      }
    }
    this.issuers.set(caSerial, issuer);
    return issuer;
  }
}
