/**
 * The ACME server (RFC 8555) through the real application (buildApp with the ACME plugin as `tsca serve`
 * wires it) over a real installation made by the CLI, on SQLite and PostgreSQL, driven by a small JWS
 * client (test/helpers/acme-app.ts): directory and nonces; newAccount with onlyReturnExisting, contacts,
 * terms of service and External Account Binding; replayed nonces, bad signatures, wrong URLs; newOrder
 * against the CA's identifier policy; finalize before ready and with a bad CSR; a full issuance whose
 * http-01 challenge the real validator checks against a responder on 127.0.0.1, signed by the real
 * `tsca worker --once`, whose chain `openssl verify` accepts; revocation by the account and by the
 * certificate's key, seen by `tsca view_cert`.
 */
import { createServer, type Server } from "node:http";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { sql } from "kysely";
import { calculateJwkThumbprint, exportJWK, FlattenedSign, importPKCS8 } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACME_BASE, AcmeTestClient, buildAcmeApp, eabJws, newKeys } from "../../helpers/acme-app.js";
import { freePort, makeCsr, opensslDates, opensslSerial, pemBlocks } from "../../helpers/certs.js";
import { tsca } from "../../helpers/cli.js";
import { BACKENDS } from "../../helpers/databases.js";
import { ossl, scratch } from "../../helpers/oracles.js";
import { closePkiInstallation, openPkiInstallation, type PkiInstallation } from "../../helpers/use-case-context.js";

const NS = "urn:ietf:params:acme:error:";
const HANG_GUARD_MS = 60_000;

function expectProblem(r: LightMyRequestResponse, status: number, type: string): Record<string, unknown> {
  expect(r.statusCode, r.body).toBe(status);
  expect(r.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(r.headers["replay-nonce"]).toMatch(/^[A-Za-z0-9_-]{54}$/);
  const body = r.json<Record<string, unknown>>();
  expect(body.type).toBe(NS + type);
  expect(typeof body.detail).toBe("string");
  return body;
}

const b64url = (pem: string): string =>
  Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64").toString("base64url");

describe.each(BACKENDS)("ACME protocol (%s)", (backend) => {
  let inst: PkiInstallation;
  let app: FastifyInstance;
  let http01: Server;
  const tokens = new Map<string, string>();
  const errors: unknown[] = [];
  let interHex: string;
  let eabHex: string;
  let dir: string;

  beforeAll(async () => {
    inst = await openPkiInstallation(backend);
    const t = inst.t;
    tsca(t, ["edit_ca", "Inter", "--acme-enable", "--tos", "https://example.test/tos", "--acme-deny", "denied.example.test"]);
    tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "--acme-enable", "--acme-eab-required", "Eab", "/CN=eab.example.test"]);
    tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--parent",
      "Root",
      "--acme-enable",
      "--name-constraint",
      "permitted,DNS:inside.test",
      "Narrow",
      "/CN=narrow",
    ]);
    interHex = inst.pki.inter.replace(/:/g, "").toUpperCase();
    eabHex = (JSON.parse(tsca(t, ["view_ca", "--output-format", "json", "Eab"])) as { serial: string }).serial.replace(/:/g, "");
    const port = await freePort();
    http01 = createServer((req, res) => {
      const m = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)$/.exec(req.url ?? "");
      const ka = m ? tokens.get(m[1]!) : undefined;
      res.writeHead(ka ? 200 : 404, { "content-type": "application/octet-stream" }).end(ka ?? "");
    });
    await new Promise<void>((resolve) => http01.listen(port, "127.0.0.1", resolve));
    // Two orders per page of an orders list, so that paging is seen with few orders.
    app = await buildAcmeApp(inst, { TSCA_ACME_HTTP01_PORT: String(port), TSCA_ACME_ALLOW_LOOPBACK: "1" }, (e) => errors.push(e), {
      ordersPage: 2,
    });
    dir = `${ACME_BASE}/acme/${interHex}/directory`;
  });

  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => http01?.close(resolve));
    await closePkiInstallation(inst);
    expect(errors).toEqual([]);
  });

  it("serves the directory, nonces (HEAD 200 / GET 204, no-store) and refuses unknown CAs with an ACME 404", async () => {
    const c = await AcmeTestClient.create(app, dir);
    const r = await c.get(dir);
    expect(r.statusCode).toBe(200);
    const d = r.json<Record<string, unknown>>();
    const root = `${ACME_BASE}/acme/${interHex}`;
    expect(d).toMatchObject({
      newNonce: `${root}/new-nonce`,
      newAccount: `${root}/new-account`,
      newOrder: `${root}/new-order`,
      revokeCert: `${root}/revoke-cert`,
      keyChange: `${root}/key-change`,
      renewalInfo: `${root}/renewal-info`,
      meta: { termsOfService: "https://example.test/tos", externalAccountRequired: false },
    });
    expect(r.headers.link).toBe(`<${dir}>;rel="index"`);
    const head = await app.inject({ method: "HEAD", url: `/acme/${interHex}/new-nonce` });
    expect(head.statusCode).toBe(200);
    expect(head.headers["cache-control"]).toBe("no-store");
    const get = await app.inject({ method: "GET", url: `/acme/${interHex.toLowerCase()}/new-nonce` });
    expect(get.statusCode).toBe(204);
    expect(get.headers["replay-nonce"]).not.toBe(head.headers["replay-nonce"]);
    expectProblem(await app.inject({ method: "GET", url: "/acme/ABCDEF/directory" }), 404, "malformed");
    // The CA is judged before the body: an unknown CA is 404 whatever the content type.
    expectProblem(
      await app.inject({ method: "POST", url: "/acme/ABCDEF/new-order", headers: { "content-type": "text/plain" }, payload: "x" }),
      404,
      "malformed",
    );
    expectProblem(await app.inject({ method: "GET", url: `/acme/${interHex}/nothing-here` }), 404, "malformed");
    expectProblem(await app.inject({ method: "GET", url: `/acme/${interHex}/new-order` }), 405, "malformed");
    // The default CA: the ACME-enabled CA that expires last.
    expect((await app.inject({ method: "GET", url: "/acme/directory" })).statusCode).toBe(200);
  });

  it("newAccount: terms of service, contacts, onlyReturnExisting, the same key twice", async () => {
    const c = await AcmeTestClient.create(app, dir);
    const url = `${ACME_BASE}/acme/${interHex}/new-account`;
    expectProblem(await c.post(url, { onlyReturnExisting: true }), 400, "accountDoesNotExist");
    expectProblem(await c.post(url, { contact: ["mailto:a@example.test"] }), 400, "malformed");
    expectProblem(await c.post(url, { termsOfServiceAgreed: true, contact: ["tel:+431234"] }), 400, "unsupportedContact");
    expectProblem(await c.post(url, { termsOfServiceAgreed: true, contact: ["mailto:a@example.test?subject=x"] }), 400, "invalidContact");
    const made = await c.post(url, { termsOfServiceAgreed: true, contact: ["mailto:ops@Example.TEST"] });
    expect(made.statusCode, made.body).toBe(201);
    const loc = made.headers.location as string;
    expect(loc).toMatch(new RegExp(`^${ACME_BASE}/acme/${interHex}/acct/[A-Za-z0-9_-]+$`));
    expect(made.json()).toMatchObject({ status: "valid", contact: ["mailto:ops@example.test"], termsOfServiceAgreed: true });
    const again = await c.post(url, { onlyReturnExisting: true });
    expect(again.statusCode).toBe(200);
    expect(again.headers.location).toBe(loc);
    c.kid = loc;
    const upd = await c.post(loc, { contact: ["mailto:new@example.test"] });
    expect(upd.statusCode, upd.body).toBe(200);
    expect(upd.json()).toMatchObject({ contact: ["mailto:new@example.test"] });
    const audit = tsca(inst.t, ["audit", "--json"]);
    expect(audit).toContain("account.create");
    expect(audit).toContain("account.update");
  });

  it("External Account Binding: required, right key, wrong MAC, key used twice", async () => {
    const eabDir = `${ACME_BASE}/acme/${eabHex}/directory`;
    const url = `${ACME_BASE}/acme/${eabHex}/new-account`;
    const key = JSON.parse(tsca(inst.t, ["create_eab_key", "--ca", "Eab", "--json"])) as { kid: string; hmac_key: string };
    const hmac = Buffer.from(key.hmac_key, "base64url");
    const c = await AcmeTestClient.create(app, eabDir);
    expect((await c.directory()).meta).toMatchObject({ externalAccountRequired: true });
    expectProblem(await c.post(url, {}), 401, "externalAccountRequired");
    const wrong = await eabJws(key.kid, Buffer.alloc(32, 7), url, c.keys.publicJwk);
    expectProblem(await c.post(url, { externalAccountBinding: wrong }), 403, "unauthorized");
    const otherKey = await newKeys();
    const forOther = await eabJws(key.kid, hmac, url, otherKey.publicJwk);
    expectProblem(await c.post(url, { externalAccountBinding: forOther }), 400, "malformed");
    const ok = await c.post(url, { externalAccountBinding: await eabJws(key.kid, hmac, url, c.keys.publicJwk) });
    expect(ok.statusCode, ok.body).toBe(201);
    const d = await AcmeTestClient.create(app, eabDir);
    expectProblem(await d.post(url, { externalAccountBinding: await eabJws(key.kid, hmac, url, d.keys.publicJwk) }), 403, "unauthorized");
  });

  it("JWS checks: replayed nonce → badNonce with a fresh nonce, bad signature, wrong url, unknown kid, wrong content type", async () => {
    const c = await AcmeTestClient.create(app, dir);
    const url = `${ACME_BASE}/acme/${interHex}/new-account`;
    const nonce = await c.freshNonce();
    expect((await c.post(url, { termsOfServiceAgreed: true }, { nonce })).statusCode).toBe(201);
    const replay = await c.post(url, { termsOfServiceAgreed: true }, { nonce, jwk: true });
    expectProblem(replay, 400, "badNonce");
    const fresh = replay.headers["replay-nonce"] as string;
    expect(fresh).not.toBe(nonce);
    expect((await c.post(url, { onlyReturnExisting: true }, { nonce: fresh, jwk: true })).statusCode).toBe(200);
    expectProblem(await c.post(url, { onlyReturnExisting: true }, { nonce: "A".repeat(54), jwk: true }), 400, "badNonce");
    expectProblem(await c.post(url, { onlyReturnExisting: true }, { jwk: true, tamper: true }), 400, "malformed");
    expectProblem(
      await c.post(url, { onlyReturnExisting: true }, { jwk: true, url: `${ACME_BASE}/acme/${interHex}/new-order` }),
      403,
      "unauthorized",
    );
    const stranger = await AcmeTestClient.create(app, dir);
    stranger.kid = `${ACME_BASE}/acme/${interHex}/acct/doesnotexist`;
    expectProblem(await stranger.post(`${ACME_BASE}/acme/${interHex}/new-order`, { identifiers: [] }), 400, "accountDoesNotExist");
    const r = await app.inject({
      method: "POST",
      url: `/acme/${interHex}/new-account`,
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(await c.jws(url, {}, { jwk: true })),
    });
    expectProblem(r, 415, "malformed");
  });

  async function account(): Promise<AcmeTestClient> {
    const c = await AcmeTestClient.create(app, dir);
    const r = await c.post(`${ACME_BASE}/acme/${interHex}/new-account`, { termsOfServiceAgreed: true });
    expect(r.statusCode, r.body).toBe(201);
    c.kid = r.headers.location as string;
    return c;
  }

  it("newOrder: identifiers outside the policy are rejectedIdentifier with one subproblem each; finalize before ready is orderNotReady", async () => {
    const c = await account();
    const newOrder = `${ACME_BASE}/acme/${interHex}/new-order`;
    const bad = expectProblem(
      await c.post(newOrder, {
        identifiers: [
          { type: "dns", value: "denied.example.test" },
          { type: "dns", value: "fine.example.test" },
        ],
      }),
      400,
      "rejectedIdentifier",
    );
    expect(bad.subproblems).toEqual([
      expect.objectContaining({ type: NS + "rejectedIdentifier", identifier: { type: "dns", value: "denied.example.test" } }),
    ]);
    const o = await c.post(newOrder, {
      identifiers: [
        { type: "dns", value: "*.wild.example.test" },
        { type: "ip", value: "127.0.0.1" },
      ],
    });
    expect(o.statusCode, o.body).toBe(201);
    const order = o.json<{ status: string; authorizations: string[]; finalize: string }>();
    expect(order.status).toBe("pending");
    const types = await Promise.all(
      order.authorizations.map(async (u) => {
        const a = (await c.post(u, "")).json<{ identifier: { value: string }; wildcard?: boolean; challenges: { type: string }[] }>();
        return [a.identifier.value, a.wildcard ?? false, a.challenges.map((ch) => ch.type).sort()];
      }),
    );
    expect(types.sort()).toEqual([
      ["127.0.0.1", false, ["http-01", "tls-alpn-01"]],
      ["wild.example.test", true, ["dns-01"]],
    ]);
    const csr = makeCsr("ec", "/", { addext: ["subjectAltName=IP:127.0.0.1"] });
    expectProblem(await c.post(order.finalize, { csr: b64url(csr.pem) }), 403, "orderNotReady");
  });

  it("issues for real: http-01 validated against 127.0.0.1, bad CSR refused, worker signs, chain verifies, revoked by the account", async () => {
    const c = await account();
    const o = await c.post(`${ACME_BASE}/acme/${interHex}/new-order`, { identifiers: [{ type: "ip", value: "127.0.0.1" }] });
    expect(o.statusCode, o.body).toBe(201);
    const orderUrl = o.headers.location as string;
    const order = o.json<{ authorizations: string[]; finalize: string }>();
    const authz = (await c.post(order.authorizations[0]!, "")).json<{ challenges: { type: string; url: string; token: string }[] }>();
    const ch = authz.challenges.find((x) => x.type === "http-01")!;
    const thumb = await calculateJwkThumbprint(c.keys.publicJwk, "sha256");
    tokens.set(ch.token, `${ch.token}.${thumb}`);
    const resp = await c.post(ch.url, {});
    expect(resp.statusCode, resp.body).toBe(200);
    expect(resp.headers.link).toContain(`<${order.authorizations[0]}>;rel="up"`);
    // Wait on the order's progress (the validation runs in the background), with a hang guard.
    const deadline = Date.now() + HANG_GUARD_MS;
    let status = "pending";
    while (status === "pending" && Date.now() < deadline) status = (await c.post(orderUrl, "")).json<{ status: string }>().status;
    expect(status).toBe("ready");
    const chal = (await c.post(ch.url, "")).json<{ status: string; validated?: string }>();
    expect(chal.status).toBe("valid");
    expect(chal.validated).toBeDefined();
    // A CSR for another name is badCSR and leaves the order ready.
    const wrongCsr = makeCsr("ec", "/", { addext: ["subjectAltName=IP:127.0.0.2"] });
    expectProblem(await c.post(order.finalize, { csr: b64url(wrongCsr.pem) }), 400, "badCSR");
    const csr = makeCsr("ec", "/", { addext: ["subjectAltName=IP:127.0.0.1"] });
    const fin = await c.post(order.finalize, { csr: b64url(csr.pem) });
    expect(fin.statusCode, fin.body).toBe(200);
    expect(fin.json()).toMatchObject({ status: "processing" });
    expect(fin.headers["retry-after"]).toBeDefined();
    tsca(inst.t, ["worker", "--once"]);
    const done = (await c.post(orderUrl, "")).json<{ status: string; certificate: string }>();
    expect(done.status).toBe("valid");
    const cert = await c.post(done.certificate, "");
    expect(cert.statusCode).toBe(200);
    expect(cert.headers["content-type"]).toMatch(/^application\/pem-certificate-chain/);
    const blocks = pemBlocks(cert.body);
    expect(blocks).toHaveLength(2);
    const rootFile = scratch("root.pem", inst.pki.rootPem);
    const interFile = scratch("inter.pem", blocks[1]!);
    const leafFile = scratch("leaf.pem", blocks[0]!);
    expect(ossl(["verify", "-CAfile", rootFile, "-untrusted", interFile, leafFile])).toContain("OK");
    expect(ossl(["x509", "-noout", "-ext", "subjectAltName", "-in", leafFile])).toContain("IP Address:127.0.0.1");
    // RFC 9773: the certificate's ARI id from openssl (AKI keyIdentifier "." serial DER), its window, and replaces.
    const aki = /keyid:([0-9A-F:]+)|\n\s+([0-9A-F:]+)\s*$/m.exec(
      ossl(["x509", "-noout", "-ext", "authorityKeyIdentifier", "-in", leafFile]),
    )!;
    const akiHex = (aki[1] ?? aki[2]!).replace(/:/g, "");
    let serialHex = opensslSerial(blocks[0]!).replace(/:/g, "");
    if (serialHex.length % 2) serialHex = "0" + serialHex;
    if (parseInt(serialHex.slice(0, 2), 16) & 0x80) serialHex = "00" + serialHex;
    const certId = `${Buffer.from(akiHex, "hex").toString("base64url")}.${Buffer.from(serialHex, "hex").toString("base64url")}`;
    const ari = await c.get(`${ACME_BASE}/acme/${interHex}/renewal-info/${certId}`);
    expect(ari.statusCode, ari.body).toBe(200);
    expect(Number(ari.headers["retry-after"])).toBeGreaterThan(0);
    const win = ari.json<{ suggestedWindow: { start: string; end: string } }>().suggestedWindow;
    const { notBefore, notAfter } = opensslDates(blocks[0]!);
    expect(new Date(win.start).getTime()).toBeGreaterThan(notBefore.getTime());
    expect(new Date(win.end).getTime()).toBeLessThan(notAfter.getTime());
    expectProblem(await c.get(`${ACME_BASE}/acme/${interHex}/renewal-info/${Buffer.from("x").toString("base64url")}.AQ`), 404, "malformed");
    const replacing = await c.post(`${ACME_BASE}/acme/${interHex}/new-order`, {
      identifiers: [{ type: "ip", value: "127.0.0.1" }],
      replaces: certId,
    });
    expect(replacing.statusCode, replacing.body).toBe(201);
    expect(replacing.json()).toMatchObject({ replaces: certId });
    expectProblem(
      await c.post(`${ACME_BASE}/acme/${interHex}/new-order`, { identifiers: [{ type: "ip", value: "127.0.0.1" }], replaces: certId }),
      409,
      "alreadyReplaced",
    );
    const strangerReplaces = await account();
    expectProblem(
      await strangerReplaces.post(`${ACME_BASE}/acme/${interHex}/new-order`, {
        identifiers: [{ type: "ip", value: "127.0.0.1" }],
        replaces: certId,
      }),
      400,
      "malformed",
    );
    // Revocation by the ordering account (§7.6), then already revoked.
    const revokeUrl = `${ACME_BASE}/acme/${interHex}/revoke-cert`;
    const stranger = await account();
    expectProblem(await stranger.post(revokeUrl, { certificate: b64url(blocks[0]!) }), 403, "unauthorized");
    expectProblem(await c.post(revokeUrl, { certificate: b64url(blocks[0]!), reason: 7 }), 400, "badRevocationReason");
    const rev = await c.post(revokeUrl, { certificate: b64url(blocks[0]!), reason: 4 });
    expect(rev.statusCode, rev.body).toBe(200);
    const serial = opensslSerial(blocks[0]!);
    expect(JSON.parse(tsca(inst.t, ["view_cert", "--output-format", "json", serial]))).toMatchObject({ status: "revoked" });
    expectProblem(await c.post(revokeUrl, { certificate: b64url(blocks[0]!) }), 400, "alreadyRevoked");
    // A revoked certificate's renewal window lies in the past: renew now.
    const revokedWin = (await c.get(`${ACME_BASE}/acme/${interHex}/renewal-info/${certId}`)).json<{ suggestedWindow: { end: string } }>();
    expect(new Date(revokedWin.suggestedWindow.end).getTime()).toBeLessThan(Date.now());
    // Revocation by the certificate's own key ("jwk" signed by the leaf key).
    const o2 = await c.post(`${ACME_BASE}/acme/${interHex}/new-order`, { identifiers: [{ type: "ip", value: "127.0.0.1" }] });
    const order2 = o2.json<{ authorizations: string[]; finalize: string }>();
    const a2 = (await c.post(order2.authorizations[0]!, "")).json<{ challenges: { type: string; url: string; token: string }[] }>();
    const ch2 = a2.challenges.find((x) => x.type === "http-01")!;
    tokens.set(ch2.token, `${ch2.token}.${thumb}`);
    await c.post(ch2.url, {});
    let s2 = "pending";
    while (s2 === "pending" && Date.now() < deadline)
      s2 = (await c.post(o2.headers.location as string, "")).json<{ status: string }>().status;
    expect(s2).toBe("ready");
    const csr2 = makeCsr("ec", "/", { addext: ["subjectAltName=IP:127.0.0.1"] });
    expect((await c.post(order2.finalize, { csr: b64url(csr2.pem) })).statusCode).toBe(200);
    tsca(inst.t, ["worker", "--once"]);
    const done2 = (await c.post(o2.headers.location as string, "")).json<{ certificate: string }>();
    const leaf2 = pemBlocks((await c.post(done2.certificate, "")).body)[0]!;
    const keyPem = readFileSync(csr2.key, "utf8");
    const certKeys = {
      privateKey: await importPKCS8(createPrivateKey(keyPem).export({ format: "pem", type: "pkcs8" }) as string, "ES256"),
      publicJwk: await exportJWK(createPublicKey(keyPem)),
    };
    const byKey = await AcmeTestClient.create(app, dir);
    expectProblem(await byKey.post(revokeUrl, { certificate: b64url(leaf2) }, { jwk: true }), 403, "unauthorized");
    const rev2 = await byKey.post(revokeUrl, { certificate: b64url(leaf2), reason: 1 }, { jwk: true, keys: certKeys });
    expect(rev2.statusCode, rev2.body).toBe(200);
    expect(JSON.parse(tsca(inst.t, ["view_cert", "--output-format", "json", opensslSerial(leaf2)]))).toMatchObject({
      status: "revoked",
      revoked_reason: expect.stringMatching(/key_?compromise/i),
    });
  });

  it("the orders list comes in pages linked by rel=next and leaves out invalid orders (§7.1.2.1)", async () => {
    const c = await account();
    const root = `${ACME_BASE}/acme/${interHex}`;
    const made: { url: string; authz: string }[] = [];
    for (const name of ["p1.example.test", "p2.example.test", "p3.example.test"]) {
      const o = await c.post(`${root}/new-order`, { identifiers: [{ type: "dns", value: name }] });
      expect(o.statusCode, o.body).toBe(201);
      made.push({ url: o.headers.location as string, authz: o.json<{ authorizations: string[] }>().authorizations[0]! });
    }
    // The middle order becomes invalid with its authorization; nobody reads it before the list does.
    expect((await c.post(made[1]!.authz, { status: "deactivated" })).statusCode).toBe(200);
    const first = await c.post(`${c.kid}/orders`, "");
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ orders: [made[2]!.url] });
    const links = ([] as string[]).concat(first.headers.link as string | string[]);
    const next = links.map((l) => /^<([^>]+)>;rel="next"$/.exec(l)?.[1]).find(Boolean);
    expect(next).toMatch(/\/orders\?cursor=[A-Za-z0-9_-]+$/);
    // The JWS "url" of a page is its whole URL: the query is part of what the client signs (§6.4).
    expectProblem(await c.post(next!, "", { url: `${c.kid}/orders` }), 403, "unauthorized");
    const second = await c.post(next!, "");
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toEqual({ orders: [made[0]!.url] });
    expect(([] as string[]).concat(second.headers.link as string | string[]).join(",")).not.toContain('rel="next"');
    expectProblem(await c.post(`${c.kid}/orders?cursor=no%20such`, ""), 400, "malformed");
  });

  it("key change, the orders list, authorization and account deactivation", async () => {
    const c = await account();
    const root = `${ACME_BASE}/acme/${interHex}`;
    const o = await c.post(`${root}/new-order`, { identifiers: [{ type: "dns", value: "kc.example.test" }] });
    expect(o.statusCode, o.body).toBe(201);
    const orderUrl = o.headers.location as string;
    const list = await c.post(`${c.kid}/orders`, "");
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json()).toEqual({ orders: [orderUrl] });
    // §7.3.5: the inner JWS is signed by the new key, payload {account, oldKey}.
    const next = await newKeys();
    const innerJws = await new FlattenedSign(new TextEncoder().encode(JSON.stringify({ account: c.kid, oldKey: c.keys.publicJwk })))
      .setProtectedHeader({ alg: "ES256", jwk: next.publicJwk, url: `${root}/key-change` })
      .sign(next.privateKey);
    const wrongOld = await new FlattenedSign(new TextEncoder().encode(JSON.stringify({ account: c.kid, oldKey: next.publicJwk })))
      .setProtectedHeader({ alg: "ES256", jwk: next.publicJwk, url: `${root}/key-change` })
      .sign(next.privateKey);
    expectProblem(await c.post(`${root}/key-change`, wrongOld), 400, "malformed");
    const kc = await c.post(`${root}/key-change`, innerJws);
    expect(kc.statusCode, kc.body).toBe(200);
    const old = c.keys;
    c.keys = next;
    expect((await c.post(c.kid!, "")).statusCode).toBe(200);
    c.keys = old;
    expectProblem(await c.post(c.kid!, ""), 400, "malformed");
    c.keys = next;
    // §7.5.2: deactivating an authorization makes the order invalid.
    const authzUrl = o.json<{ authorizations: string[] }>().authorizations[0]!;
    const deact = await c.post(authzUrl, { status: "deactivated" });
    expect(deact.statusCode, deact.body).toBe(200);
    expect(deact.json()).toMatchObject({ status: "deactivated" });
    expect((await c.post(orderUrl, "")).json()).toMatchObject({ status: "invalid" });
    // §7.3.6: a deactivated account can do nothing more.
    const gone = await c.post(c.kid!, { status: "deactivated" });
    expect(gone.statusCode, gone.body).toBe(200);
    expect(gone.json()).toMatchObject({ status: "deactivated" });
    expectProblem(await c.post(`${root}/new-order`, { identifiers: [{ type: "dns", value: "x.example.test" }] }), 403, "unauthorized");
    const audit = tsca(inst.t, ["audit", "--json"]);
    expect(audit).toContain("account.key_change");
    expect(audit).toContain("account.deactivate");
  });

  it("newOrder outside the CA's name constraints is rejectedIdentifier naming the identifier", async () => {
    const narrowHex = (JSON.parse(tsca(inst.t, ["view_ca", "--output-format", "json", "Narrow"])) as { serial: string }).serial.replace(
      /:/g,
      "",
    );
    const root = `${ACME_BASE}/acme/${narrowHex}`;
    const c = await AcmeTestClient.create(app, `${root}/directory`);
    const made = await c.post(`${root}/new-account`, {});
    expect(made.statusCode, made.body).toBe(201);
    c.kid = made.headers.location as string;
    const bad = expectProblem(
      await c.post(`${root}/new-order`, {
        identifiers: [
          { type: "dns", value: "www.inside.test" },
          { type: "dns", value: "outside.test" },
        ],
      }),
      400,
      "rejectedIdentifier",
    );
    expect(bad.subproblems).toEqual([expect.objectContaining({ identifier: { type: "dns", value: "outside.test" } })]);
    expect((await c.post(`${root}/new-order`, { identifiers: [{ type: "dns", value: "www.inside.test" }] })).statusCode).toBe(201);
  });

  /** An order for 127.0.0.1 that `c` validated over http-01: ready to finalize. */
  const readyOrder = async (c: AcmeTestClient): Promise<{ orderUrl: string; finalize: string }> => {
    const root = `${ACME_BASE}/acme/${interHex}`;
    const o = await c.post(`${root}/new-order`, { identifiers: [{ type: "ip", value: "127.0.0.1" }] });
    expect(o.statusCode, o.body).toBe(201);
    const order = o.json<{ authorizations: string[]; finalize: string }>();
    const a = (await c.post(order.authorizations[0]!, "")).json<{ challenges: { type: string; url: string; token: string }[] }>();
    const ch = a.challenges.find((x) => x.type === "http-01")!;
    tokens.set(ch.token, `${ch.token}.${await calculateJwkThumbprint(c.keys.publicJwk, "sha256")}`);
    await c.post(ch.url, {});
    const deadline = Date.now() + HANG_GUARD_MS;
    let status = "pending";
    while (status === "pending" && Date.now() < deadline)
      status = (await c.post(o.headers.location as string, "")).json<{ status: string }>().status;
    expect(status).toBe("ready");
    return { orderUrl: o.headers.location as string, finalize: order.finalize };
  };

  it("finalize is one transaction: when it cannot be stored the order stays ready, nothing is queued, and the retry works", async () => {
    const c = await account();
    const { orderUrl, finalize } = await readyOrder(c);
    const csr = makeCsr("ec", "/", { addext: ["subjectAltName=IP:127.0.0.1"] });
    const queued = async (): Promise<number> =>
      Number((await sql<{ n: number }>`SELECT count(*) AS n FROM signing_request`.execute(inst.db.db)).rows[0]!.n);
    const before = await queued();
    // A real database failure in the middle of the transaction: the signing request's insert is refused.
    const sqlite = inst.db.dialect === "sqlite";
    await sql
      .raw(
        sqlite
          ? "CREATE TRIGGER fail_submit BEFORE INSERT ON signing_request BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
          : "CREATE FUNCTION fail_submit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
      )
      .execute(inst.db.db);
    if (!sqlite)
      await sql
        .raw("CREATE TRIGGER fail_submit BEFORE INSERT ON signing_request FOR EACH ROW EXECUTE FUNCTION fail_submit()")
        .execute(inst.db.db);
    try {
      // A database that refuses is an outage to the client: 503 with Retry-After, try again.
      const refused = await c.post(finalize, { csr: b64url(csr.pem) });
      expectProblem(refused, 503, "serverInternal");
      expect(refused.headers["retry-after"]).toBeDefined();
    } finally {
      await sql.raw(sqlite ? "DROP TRIGGER fail_submit" : "DROP TRIGGER fail_submit ON signing_request").execute(inst.db.db);
      if (!sqlite) await sql.raw("DROP FUNCTION fail_submit()").execute(inst.db.db);
    }
    // The server logged the cause; the client saw only serverInternal.
    expect(JSON.stringify(errors.splice(0))).toContain("injected failure");
    expect((await c.post(orderUrl, "")).json()).toMatchObject({ status: "ready" });
    expect(await queued()).toBe(before);
    const retry = await c.post(finalize, { csr: b64url(csr.pem) });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toMatchObject({ status: "processing" });
    expect(await queued()).toBe(before + 1);
  });

  it("revocation by another account that holds valid authorizations for every identifier (§7.6)", async () => {
    const root = `${ACME_BASE}/acme/${interHex}`;
    const owner = await account();
    const { orderUrl, finalize } = await readyOrder(owner);
    const csr = makeCsr("ec", "/", { addext: ["subjectAltName=IP:127.0.0.1"] });
    expect((await owner.post(finalize, { csr: b64url(csr.pem) })).statusCode).toBe(200);
    tsca(inst.t, ["worker", "--once"]);
    const done = (await owner.post(orderUrl, "")).json<{ status: string; certificate: string }>();
    expect(done.status).toBe("valid");
    const leaf = pemBlocks((await owner.post(done.certificate, "")).body)[0]!;
    const holder = await account();
    await readyOrder(holder);
    const rev = await holder.post(`${root}/revoke-cert`, { certificate: b64url(leaf), reason: 5 });
    expect(rev.statusCode, rev.body).toBe(200);
    expect(JSON.parse(tsca(inst.t, ["view_cert", "--output-format", "json", opensslSerial(leaf)]))).toMatchObject({ status: "revoked" });

    // The certificate's own names count, not an order's: one the CA issued outside ACME for the same address
    // is the holder's to revoke; one that also names a host the holder never validated is not.
    const issue = (alts: string[]): string =>
      tsca(inst.t, ["sign_cert", "--ca", "Inter", ...alts.flatMap((a) => ["--alt", a])], {
        input: makeCsr("ec", "/CN=127.0.0.1").pem,
      });
    const own = issue(["IP:127.0.0.1"]);
    const wider = issue(["IP:127.0.0.1", "DNS:not-validated.example.test"]);
    const refused = await holder.post(`${root}/revoke-cert`, { certificate: b64url(wider) });
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json()).toMatchObject({ type: "urn:ietf:params:acme:error:unauthorized" });
    expect(JSON.parse(tsca(inst.t, ["view_cert", "--output-format", "json", opensslSerial(wider)]))).toMatchObject({ status: "valid" });
    const ok = await holder.post(`${root}/revoke-cert`, { certificate: b64url(own) });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(JSON.parse(tsca(inst.t, ["view_cert", "--output-format", "json", opensslSerial(own)]))).toMatchObject({ status: "revoked" });
  });

  it("a challenge left processing by a host that stopped is validated again when the client retries", async () => {
    const c = await account();
    const o = await c.post(`${ACME_BASE}/acme/${interHex}/new-order`, { identifiers: [{ type: "ip", value: "127.0.0.1" }] });
    const order = o.json<{ authorizations: string[] }>();
    const a = (await c.post(order.authorizations[0]!, "")).json<{ challenges: { type: string; url: string; token: string }[] }>();
    const ch = a.challenges.find((x) => x.type === "http-01")!;
    tokens.set(ch.token, `${ch.token}.${await calculateJwkThumbprint(c.keys.publicJwk, "sha256")}`);
    // What a host leaves behind when it stops after pending → processing: no validation will finish it.
    const id = ch.url.split("/").pop()!;
    expect(await inst.deps.acme.updateChallenge(id, ["pending"], { status: "processing" }, new Date(Date.now() - 3_600_000))).toBe(true);
    expect((await c.post(ch.url, "")).json()).toMatchObject({ status: "processing" });
    const retry = await c.post(ch.url, {});
    expect(retry.statusCode, retry.body).toBe(200);
    const deadline = Date.now() + HANG_GUARD_MS;
    let status = "processing";
    while (status === "processing" && Date.now() < deadline) status = (await c.post(ch.url, "")).json<{ status: string }>().status;
    expect(status).toBe("valid");
    expect((await c.post(o.headers.location as string, "")).json()).toMatchObject({ status: "ready" });
  });
});
