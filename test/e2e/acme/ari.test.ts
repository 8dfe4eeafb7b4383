/**
 * ACME Renewal Information (RFC 9773) over real HTTPS against `tsca serve --worker`, driven by the project's
 * own client (bench/acme-client-lite.mjs: no Debian or npm client speaks ARI, wave2-stack.md §6), which
 * computes each certID from the certificate itself (AKI keyIdentifier "." serial, §4.1), independently of
 * the server: the directory names renewalInfo (§3); an issued certificate gets a window inside its
 * validity with Retry-After (§4.2); once revoked, a window in the past; newOrder with `replaces` (§5)
 * works once, a second order replacing the same certificate gets alreadyReplaced, and naming another
 * account's certificate is refused. Every certificate verifies with `openssl verify` against the chain.
 * Pebble has no ARI, so this file runs against tsca only.
 */
import { X509Certificate, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcmeClientLite, AcmeProblemError, ariCertId, type AcmeIdentifier, type Present } from "../../../bench/acme-client-lite.mjs";
import { expectIssued } from "../../helpers/acme-clients.js";
import { startAcmeServer, type AcmeServer } from "../../helpers/acme-server.js";
import { BACKENDS } from "../../helpers/databases.js";

describe.each(BACKENDS)("ACME Renewal Information (RFC 9773) against tsca serve over HTTPS (%s)", (backend) => {
  let server: AcmeServer;
  let http01: HttpServer;
  const tokens = new Map<string, string>();
  const clients: AcmeClientLite[] = [];
  const present: Present = (_authz, challenge, keyAuthorization) => {
    tokens.set(challenge.token as string, keyAuthorization);
    return () => void tokens.delete(challenge.token as string);
  };

  beforeAll(async () => {
    server = await startAcmeServer({ kind: "tsca", backend });
    http01 = createHttpServer((req, res) => {
      const ka = tokens.get((req.url ?? "").replace("/.well-known/acme-challenge/", ""));
      if (ka === undefined) res.writeHead(404).end();
      else res.writeHead(200).end(ka);
    });
    await new Promise<void>((resolve) => http01.listen(server.http01Port, "127.0.0.1", () => resolve()));
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await new Promise<void>((resolve) => (http01 ? http01.close(() => resolve()) : resolve()));
    await server?.stop();
  });

  async function account(): Promise<AcmeClientLite> {
    const c = new AcmeClientLite({ directoryUrl: server.directory, ca: readFileSync(server.tlsRoot) });
    clients.push(c);
    await c.newAccount({ contact: ["mailto:ari@example.test"] });
    return c;
  }

  /** Issues a certificate for a fresh name; checks it with openssl verify; returns the leaf PEM. */
  async function issue(c: AcmeClientLite, replaces?: string): Promise<{ pem: string; name: string }> {
    const name = `ari-${randomBytes(4).toString("hex")}.example.test`;
    server.addName(name);
    const ids: AcmeIdentifier[] = [{ type: "dns", value: name }];
    const { pem } = await c.issue(ids, { present, ...(replaces ? { replaces } : {}) });
    const file = join(tmpdir(), `tsca-ari-${randomBytes(6).toString("hex")}.pem`);
    writeFileSync(file, pem);
    await expectIssued(server, file, [name]);
    return { pem: pem.slice(0, pem.indexOf("-----END CERTIFICATE-----") + 25) + "\n", name };
  }

  it("the directory names renewalInfo", async () => {
    const c = await account();
    const dir = await c.directory();
    expect(dir.renewalInfo).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/acme\/[0-9A-F]+\/renewal-info$/i);
  });

  it("renewal-info of an issued certificate: a window inside its validity, then in the past once revoked", async () => {
    const c = await account();
    const { pem } = await issue(c);
    const x = new X509Certificate(pem);
    const info = await c.renewalInfo(pem);
    expect(info.status).toBe(200);
    expect(info.retryAfterMs).toBeGreaterThan(0);
    const start = Date.parse(info.json!.suggestedWindow.start);
    const end = Date.parse(info.json!.suggestedWindow.end);
    expect(start).toBeLessThan(end);
    expect(start).toBeGreaterThan(Date.parse(x.validFrom));
    expect(end).toBeLessThan(Date.parse(x.validTo));
    // An unknown certID (same AKI, another serial) is no certificate of this CA. The serial's first byte
    // is below 0x80: DER INTEGER content with the high bit set is a negative number, a malformed certID (400).
    const [aki] = ariCertId(pem).split(".");
    const serial = Buffer.concat([Buffer.from([0x42]), randomBytes(15)]).toString("base64url");
    expect((await c.renewalInfo(`${aki}.${serial}`)).status).toBe(404);

    await c.revoke(pem, { reason: 4 });
    const after = await c.renewalInfo(pem);
    expect(after.status).toBe(200);
    expect(Date.parse(after.json!.suggestedWindow.end)).toBeLessThan(Date.now());
    expect(Date.parse(after.json!.suggestedWindow.start)).toBeLessThan(Date.parse(after.json!.suggestedWindow.end));
  });

  it("newOrder with replaces works once; a second order replacing it gets alreadyReplaced", async () => {
    const c = await account();
    const { pem } = await issue(c);
    const certId = ariCertId(pem);
    const { pem: renewed } = await issue(c, certId);
    expect(ariCertId(renewed)).not.toBe(certId);
    const err = await c.newOrder([{ type: "dns", value: "ari-again.example.test" }], { replaces: certId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AcmeProblemError);
    expect((err as AcmeProblemError).type).toBe("alreadyReplaced");
  });

  it("replaces naming another account's certificate is refused (malformed) and makes no order", async () => {
    const owner = await account();
    const { pem } = await issue(owner);
    const other = await account();
    const err = await other
      .newOrder([{ type: "dns", value: "ari-foreign.example.test" }], { replaces: ariCertId(pem) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AcmeProblemError);
    expect((err as AcmeProblemError).type).toBe("malformed");
    expect((err as AcmeProblemError).status).toBe(400);
    // The owner can still replace it: the refused order claimed nothing.
    await issue(owner, ariCertId(pem));
  });
});
