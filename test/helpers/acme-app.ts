/**
 * The ACME server in-process for the protocol tests: buildApp with the ACME plugin wired by src/main/acme.ts
 * (the same wiring `tsca serve` uses) over a real installation (Root and Inter made by the CLI, Inter with
 * ACME enabled), plus a small JWS client (jose: ES256 account keys, flattened JWS, RFC 8555 §6.2) that
 * speaks to it through app.inject(). The challenge validator is the real one of src/adapters/acme, with
 * the installation's TSCA_ACME_* settings. URLs are made under TSCA_EXTERNAL_URL=https://acme.test.
 */
import type { FastifyBaseLogger, FastifyInstance, LightMyRequestResponse } from "fastify";
import { exportJWK, FlattenedSign, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { pino } from "pino";
import { buildApp } from "../../src/adapters/web/app.js";
import { loadSettings } from "../../src/config/settings.js";
import { acmeDeps, acmeSurface, challengeValidator } from "../../src/main/acme.js";
import type { AcmeWebDeps } from "../../src/adapters/web/acme/plugin.js";
import { databasePorts } from "../../src/main/composition.js";
import type { PkiInstallation } from "./use-case-context.js";

export const ACME_BASE = "https://acme.test";

export async function buildAcmeApp(
  inst: Pick<PkiInstallation, "t" | "db">,
  env: Record<string, string>,
  onErrorLog: (entry: Record<string, unknown>) => void,
  overrides: Partial<AcmeWebDeps> = {},
): Promise<FastifyInstance> {
  const settings = loadSettings({ ...inst.t.env, TSCA_EXTERNAL_URL: ACME_BASE, ...env });
  const ports = databasePorts(inst.db);
  const logger = pino(
    { level: "warn" },
    {
      write: (line: string) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (Number(entry.level) >= 50) onErrorLog(entry);
      },
    },
  );
  return buildApp({
    logger: logger as unknown as FastifyBaseLogger,
    accessLog: false,
    limits: { headersTimeoutMs: 10_000, requestTimeoutMs: 10_000, idleTimeoutMs: 65_000, maxConnections: 100 },
    health: () => ({ ok: true, detail: {} }),
    plugins: [
      acmeSurface({
        ...acmeDeps(ports, settings, challengeValidator(settings), undefined, logger as unknown as FastifyBaseLogger),
        ...overrides,
      }),
    ],
  } as Parameters<typeof buildApp>[0]);
}

export interface SignOptions {
  /** Sign with the embedded key ("jwk") instead of the account URL ("kid"). */
  jwk?: boolean;
  nonce?: string;
  /** The "url" header member, if not the URL posted to. */
  url?: string;
  /** Another key pair to sign with. */
  keys?: { privateKey: CryptoKey; publicJwk: JWK };
  contentType?: string;
  /** Replace the signature with this one's (a valid JWS with a wrong signature). */
  tamper?: boolean;
}

/** A minimal ACME client for the tests: one ES256 account key, nonces from responses. */
export class AcmeTestClient {
  kid: string | undefined;
  private nonce: string | undefined;
  private constructor(
    readonly app: FastifyInstance,
    readonly directoryUrl: string,
    public keys: { privateKey: CryptoKey; publicJwk: JWK },
  ) {}

  static async create(app: FastifyInstance, directoryUrl: string): Promise<AcmeTestClient> {
    return new AcmeTestClient(app, directoryUrl, await newKeys());
  }

  async directory(): Promise<Record<string, string>> {
    return (await this.get(this.directoryUrl)).json();
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.app.inject({ method: "GET", url: url.slice(ACME_BASE.length) });
  }

  async freshNonce(): Promise<string> {
    const d = await this.directory();
    const r = await this.app.inject({ method: "HEAD", url: d.newNonce!.slice(ACME_BASE.length) });
    return r.headers["replay-nonce"] as string;
  }

  async jws(url: string, payload: unknown, o: SignOptions = {}): Promise<Record<string, string>> {
    const keys = o.keys ?? this.keys;
    const nonce = o.nonce ?? this.nonce ?? (await this.freshNonce());
    this.nonce = undefined;
    const header: Record<string, unknown> = { alg: "ES256", nonce, url: o.url ?? url };
    if (o.jwk || !this.kid) header.jwk = keys.publicJwk;
    else header.kid = this.kid;
    const body = payload === "" ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(payload));
    const jws = (await new FlattenedSign(body).setProtectedHeader(header).sign(keys.privateKey)) as unknown as Record<string, string>;
    if (o.tamper) {
      const other = (await new FlattenedSign(new TextEncoder().encode("{}"))
        .setProtectedHeader(header)
        .sign(keys.privateKey)) as unknown as Record<string, string>;
      jws.signature = other.signature!;
    }
    return jws;
  }

  /** POST a JWS (payload "" = POST-as-GET); keeps the Replay-Nonce of the answer for the next request. */
  async post(url: string, payload: unknown, o: SignOptions = {}): Promise<LightMyRequestResponse> {
    const body = JSON.stringify(await this.jws(url, payload, o));
    const r = await this.app.inject({
      method: "POST",
      url: url.slice(ACME_BASE.length),
      headers: { "content-type": o.contentType ?? "application/jose+json" },
      payload: body,
    });
    const n = r.headers["replay-nonce"];
    if (typeof n === "string") this.nonce = n;
    return r;
  }
}

export async function newKeys(): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

/** An External Account Binding JWS (RFC 8555 §7.3.4): HS256 over the account key. */
export async function eabJws(kid: string, hmacKey: Buffer, url: string, jwk: JWK): Promise<Record<string, string>> {
  return (await new FlattenedSign(new TextEncoder().encode(JSON.stringify(jwk)))
    .setProtectedHeader({ alg: "HS256", kid, url })
    .sign(hmacKey)) as unknown as Record<string, string>;
}
