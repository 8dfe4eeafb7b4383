/**
 * npm acme-client 5.4.0 (in-process) against an ACME server over HTTPS (issue 11 evidence; wave2-stack.md §6):
 * IP identifiers (RFC 8738) with http-01 and with tls-alpn-01 (RFC 8737; for an IP the validator sends the
 * reverse-DNS SNI of RFC 8738 §6, which the responder records), key change (RFC 8555 §7.3.5: afterwards
 * the old key finds no account), and account deactivation (§7.3.6: afterwards the account is refused).
 * Every certificate verifies with `openssl verify` up to the issuing root and names exactly the IP.
 *
 * acme-client sends only dns identifiers from auto(), so orders are made with createOrder({identifiers}).
 * Its axios instance trusts the server's TLS root through an https.Agent (NODE_EXTRA_CA_CERTS is read at
 * process start only). TSCA_TEST_ACME_SERVER=pebble runs the same file against Debian's pebble.
 */
import { createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext, createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import * as acme from "acme-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcmeClientLite, AcmeProblemError } from "../../../bench/acme-client-lite.mjs";
import { expectIssued } from "../../helpers/acme-clients.js";
import { startAcmeServer, type AcmeServer } from "../../helpers/acme-server.js";

type Authorization = Awaited<ReturnType<acme.Client["getAuthorizations"]>>[number];

describe("npm acme-client against an ACME server over HTTPS", () => {
  let server: AcmeServer;
  let http01: HttpServer;
  let tlsAlpn: TlsServer;
  /** token → key authorization for http-01; SNI name → [key, cert] for tls-alpn-01. */
  const tokens = new Map<string, string>();
  const alpnCerts = new Map<string, { key: Buffer; cert: Buffer }>();
  const sniSeen: string[] = [];

  beforeAll(async () => {
    server = await startAcmeServer();
    acme.axios.defaults.httpsAgent = new Agent({ ca: readFileSync(server.tlsRoot) });
    http01 = createHttpServer((req, res) => {
      const ka = tokens.get((req.url ?? "").replace("/.well-known/acme-challenge/", ""));
      if (ka === undefined) res.writeHead(404).end();
      else res.writeHead(200).end(ka);
    });
    await new Promise<void>((resolve) => http01.listen(server.http01Port, "127.0.0.1", () => resolve()));
    // RFC 8737 §3: the validator offers only acme-tls/1 and expects the self-signed acmeIdentifier cert.
    tlsAlpn = createTlsServer({
      ALPNProtocols: ["acme-tls/1"],
      SNICallback: (name, cb) => {
        sniSeen.push(name);
        const pair = alpnCerts.get(name);
        if (!pair) return cb(new Error(`no tls-alpn-01 certificate for ${name}`));
        cb(null, createSecureContext({ key: pair.key, cert: pair.cert }));
      },
    });
    await new Promise<void>((resolve) => tlsAlpn.listen(server.tlsAlpn01Port, "127.0.0.1", () => resolve()));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (http01 ? http01.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (tlsAlpn ? tlsAlpn.close(() => resolve()) : resolve()));
    await server?.stop();
  });

  async function newClient(): Promise<acme.Client> {
    const client = new acme.Client({ directoryUrl: server.directory, accountKey: await acme.crypto.createPrivateEcdsaKey() });
    await client.createAccount({ termsOfServiceAgreed: true, contact: ["mailto:acme-client@example.test"] });
    return client;
  }

  /** Orders 127.0.0.1, answers `type` through `present`, finalizes; returns the PEM chain (leaf first). */
  async function issueIp(
    client: acme.Client,
    type: "http-01" | "tls-alpn-01",
    present: (a: Authorization, keyAuth: string) => Promise<void>,
  ): Promise<string> {
    const order = await client.createOrder({ identifiers: [{ type: "ip", value: "127.0.0.1" }] });
    const [authz] = await client.getAuthorizations(order);
    expect(authz!.identifier).toEqual({ type: "ip", value: "127.0.0.1" });
    const challenge = authz!.challenges.find((c) => c.type === type);
    expect(challenge, `${type} offered for an IP identifier`).toBeDefined();
    await present(authz!, await client.getChallengeKeyAuthorization(challenge!));
    await client.completeChallenge(challenge!);
    await client.waitForValidStatus(challenge!);
    const [, csr] = await acme.crypto.createCsr({ altNames: ["127.0.0.1"] });
    const finalized = await client.finalizeOrder(order, csr);
    return client.getCertificate(finalized);
  }

  function expectIpCertificate(pem: string): Promise<void> {
    const file = join(tmpdir(), `tsca-acme-client-${randomBytes(6).toString("hex")}.pem`);
    writeFileSync(file, pem);
    return expectIssued(server, file, ["127.0.0.1"]);
  }

  it("IP identifier with http-01 (RFC 8738): the certificate verifies and names the IP", async () => {
    const client = await newClient();
    const pem = await issueIp(client, "http-01", async (authz, keyAuth) => {
      const challenge = authz.challenges.find((c) => c.type === "http-01")!;
      tokens.set(challenge.token, keyAuth);
    });
    await expectIpCertificate(pem);
  });

  it("IP identifier with tls-alpn-01: the validator asks for the reverse-DNS SNI (RFC 8738 §6)", async () => {
    const client = await newClient();
    const pem = await issueIp(client, "tls-alpn-01", async (authz, keyAuth) => {
      const [key, cert] = await acme.crypto.createAlpnCertificate(authz, keyAuth);
      alpnCerts.set("1.0.0.127.in-addr.arpa", { key, cert });
    });
    expect(sniSeen).toContain("1.0.0.127.in-addr.arpa");
    await expectIpCertificate(pem);
  });

  it("key change: the new key works, the old key finds no account (accountDoesNotExist)", async () => {
    const client = await newClient();
    const accountUrl = client.getAccountUrl();
    const oldKey = (client as unknown as { opts: { accountKey: Buffer } }).opts.accountKey;
    await client.updateAccountKey(await acme.crypto.createPrivateEcdsaKey());
    // The new key still reaches the same account.
    const again = await client.createAccount({ onlyReturnExisting: true });
    expect(client.getAccountUrl()).toBe(accountUrl);
    expect(again.status).toBe("valid");
    // The old key: acme-client is refused, and the problem type (read with the project's client) is
    // accountDoesNotExist (RFC 8555 §7.3.1).
    const stale = new acme.Client({ directoryUrl: server.directory, accountKey: oldKey });
    await expect(stale.createAccount({ onlyReturnExisting: true })).rejects.toThrow();
    const lite = liteWithKey(oldKey);
    try {
      const err = await lite.newAccount({ onlyReturnExisting: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AcmeProblemError);
      expect((err as AcmeProblemError).type).toBe("accountDoesNotExist");
    } finally {
      lite.close();
    }
  });

  it("deactivation: the account is deactivated, then refused (unauthorized)", async () => {
    const client = await newClient();
    const account = await client.updateAccount({ status: "deactivated" });
    expect(account.status).toBe("deactivated");
    await expect(client.createOrder({ identifiers: [{ type: "ip", value: "127.0.0.1" }] })).rejects.toThrow();
    // The same key by kid: unauthorized (RFC 8555 §7.3.6).
    const lite = liteWithKey((client as unknown as { opts: { accountKey: Buffer } }).opts.accountKey);
    lite.kid = client.getAccountUrl();
    try {
      const err = await lite.newOrder([{ type: "ip", value: "127.0.0.1" }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AcmeProblemError);
      expect((err as AcmeProblemError).type).toBe("unauthorized");
    } finally {
      lite.close();
    }
  });

  /** The project's own client with an acme-client account key (PEM), for exact problem types. */
  function liteWithKey(pem: Buffer): AcmeClientLite {
    const privateKey = createPrivateKey(pem);
    return new AcmeClientLite({
      directoryUrl: server.directory,
      ca: readFileSync(server.tlsRoot),
      accountKey: { privateKey, publicKey: createPublicKey(privateKey) },
    });
  }
});
