/**
 * CRLs and CA certificates over HTTP (adapters/web/crl-routes.ts), served from what the CLI stored, with
 * no CA key: content types, PEM on request, cache headers and ETags, problem+json errors, the in-memory
 * cache; and `openssl verify -crl_check_all` with CRLs fetched from a listening server.
 */
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlCaRepository } from "../../../src/adapters/db/ca-repository.js";
import { openDatabase, type OpenDatabase } from "../../../src/adapters/db/connection.js";
import { SqlCrlRepository } from "../../../src/adapters/db/crl-repository.js";
import { crlRoutes } from "../../../src/adapters/web/crl-routes.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { crlNumberOf, crlSerials, crlText, leaf, makePki, verifyWithCrls, type Pki } from "../../helpers/crl.js";

const plain = (serial: string): string => serial.replace(/:/g, "");

describe.each(BACKENDS)("CRL routes (%s)", (backend) => {
  let t: TscaEnv;
  let pki: Pki;
  let db: OpenDatabase;
  let app: FastifyInstance;
  let clock = Date.now();
  let generation = 0;
  let good: ReturnType<typeof leaf>;
  let revoked: ReturnType<typeof leaf>;

  beforeAll(async () => {
    const url = await freshDatabaseUrl(backend);
    t = tscaEnv(url);
    pki = makePki(t);
    good = leaf(t, "Inter", "good.example.test");
    revoked = leaf(t, "Inter", "revoked.example.test");
    tsca(t, ["revoke_cert", revoked.serial, "--reason", "key_compromise"]);
    // --force: init_ca made the first CRLs already, before the revocation.
    tsca(t, ["generate_crls", "--force"]);
    clock = Date.now();
    db = await openDatabase(url ?? join(t.home, "tsca.sqlite3"));
    app = Fastify();
    await crlRoutes(app, {
      crls: new SqlCrlRepository(db.db),
      cas: new SqlCaRepository(db.db),
      cacheSeconds: 30,
      generation: () => generation,
      now: () => new Date(clock),
    });
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it("serves the newest full CRL at /crl/<CA>: no IDP, end-entity certificates and child CAs", async () => {
    const r = await app.inject({ method: "GET", url: `/crl/${plain(pki.inter)}` });
    expect(r.statusCode).toBe(200);
    const text = crlText(r.rawPayload, "DER");
    expect(text).not.toContain("Issuing Distribution Point");
    expect(crlSerials(text)).toEqual([revoked.hex]);
    expect(r.headers.etag).toBe(`"crl-${plain(pki.inter)}-full-${crlNumberOf(text)}"`);
  });

  it("serves the newest user CRL at /crl/<CA>/user as DER with cache headers, and as PEM on request", async () => {
    const r = await app.inject({ method: "GET", url: `/crl/${plain(pki.inter)}/user` });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("application/pkix-crl");
    expect(r.rawPayload[0]).toBe(0x30);
    const text = crlText(r.rawPayload, "DER");
    expect(text).toMatch(/Only User Certificates/);
    expect(crlSerials(text)).toEqual([revoked.hex]);
    const maxAge = Number(/^public, max-age=(\d+)$/.exec(String(r.headers["cache-control"]))![1]);
    expect(maxAge).toBeGreaterThan(86_400 - 120);
    expect(maxAge).toBeLessThanOrEqual(86_400);
    const number = crlNumberOf(text);
    expect(r.headers.etag).toBe(`"crl-${plain(pki.inter)}-user-${number}"`);
    expect(new Date(String(r.headers.expires)).getTime()).toBeGreaterThan(Date.now());
    expect(r.headers["last-modified"]).toBeDefined();

    const pem = await app.inject({ method: "GET", url: `/crl/${plain(pki.inter).toLowerCase()}/user/?encoding=pem` });
    expect(pem.statusCode).toBe(200);
    expect(pem.headers["content-type"]).toBe("application/x-pem-file");
    expect(pem.body).toMatch(/^-----BEGIN X509 CRL-----\n/);
    expect(pem.headers.etag).toBe(`"crl-${plain(pki.inter)}-user-${number}-pem"`);
    expect(crlText(pem.body)).toBe(text);
  });

  it("serves the CA-scope CRL at /crl/ca/<CA> and answers If-None-Match with 304", async () => {
    const r = await app.inject({ method: "GET", url: `/crl/ca/${plain(pki.root)}` });
    expect(r.statusCode).toBe(200);
    expect(crlText(r.rawPayload, "DER")).toMatch(/Only CA Certificates/);
    const again = await app.inject({
      method: "GET",
      url: `/crl/ca/${plain(pki.root)}`,
      headers: { "if-none-match": String(r.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload).toHaveLength(0);
    expect(again.headers["cache-control"]).toMatch(/^public, max-age=\d+$/);
    const head = await app.inject({ method: "HEAD", url: `/crl/ca/${plain(pki.root)}` });
    expect(head.statusCode).toBe(200);
  });

  it("serves the newest full-scope delta CRL at /crl/delta/<CA>, the user-scope one at /crl/<CA>/user/delta", async () => {
    for (const url of [`/crl/delta/${plain(pki.inter)}`, `/crl/${plain(pki.inter)}/user/delta`]) {
      const none = await app.inject({ method: "GET", url });
      expect(none.statusCode, url).toBe(404);
      expect(none.json()).toMatchObject({ code: "ERR_CRL_NOT_FOUND" });
    }
    const userDelta = crlText(tsca(t, ["dump_crl", "--ca", "Inter", "--only-contains-user-certs", "--delta"]));
    const fullDelta = crlText(tsca(t, ["dump_crl", "--ca", "Inter", "--delta"]));
    clock += 31_000;
    const user = await app.inject({ method: "GET", url: `/crl/${plain(pki.inter)}/user/delta` });
    expect(user.statusCode).toBe(200);
    expect(crlText(user.rawPayload, "DER")).toBe(userDelta);
    expect(userDelta).toMatch(/X509v3 Delta CRL Indicator: critical\n/);
    expect(userDelta).toMatch(/Only User Certificates/);
    expect(user.headers.etag).toBe(`"crl-${plain(pki.inter)}-user-delta-${crlNumberOf(userDelta)}"`);
    const full = await app.inject({ method: "GET", url: `/crl/delta/${plain(pki.inter)}` });
    expect(full.statusCode).toBe(200);
    expect(crlText(full.rawPayload, "DER")).toBe(fullDelta);
    expect(fullDelta).toMatch(/X509v3 Delta CRL Indicator: critical\n/);
    expect(fullDelta).not.toContain("Issuing Distribution Point");
    expect(full.headers.etag).toBe(`"crl-${plain(pki.inter)}-full-delta-${crlNumberOf(fullDelta)}"`);
  });

  it("serves the CA certificate at /issuer/<CA>.der", async () => {
    const r = await app.inject({ method: "GET", url: `/issuer/${plain(pki.inter)}.der` });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("application/pkix-cert");
    expect(r.rawPayload.equals(runTsca(t, ["dump_ca", "Inter", "-f", "DER"]).stdoutBytes)).toBe(true);
    const pem = await app.inject({ method: "GET", url: `/issuer/${plain(pki.inter)}.der?encoding=PEM` });
    expect(pem.body).toBe(pki.interPem);
  });

  it("answers problem+json: 404 for an unknown CA or a CA without CRLs, 400 for a bad encoding", async () => {
    tsca(t, ["init_ca", "--key-type", "EC", "Fresh", "/CN=fresh.example.test"]);
    const fresh = plain(
      tsca(t, ["list_cas"])
        .split("\n")
        .find((l) => l.endsWith(" - Fresh"))!
        .split(" ")[0]!,
    );
    for (const url of [
      `/crl/${"AB".repeat(20)}`,
      `/crl/delta/${fresh}`,
      `/crl/${fresh}/user/delta`,
      `/crl/not-hex`,
      `/issuer/${"AB".repeat(20)}.der`,
      `/issuer/x.txt`,
    ]) {
      const r = await app.inject({ method: "GET", url });
      expect(r.statusCode, url).toBe(404);
      expect(r.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(r.json()).toMatchObject({ status: 404, title: "Not Found" });
    }
    const bad = await app.inject({ method: "GET", url: `/crl/${plain(pki.inter)}?encoding=TXT` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ status: 400, detail: "The encoding must be PEM or DER." });
  });

  it("keeps a looked-up CRL in memory for cacheSeconds, then serves the newer stored one", async () => {
    const before = await app.inject({ method: "GET", url: `/crl/${plain(pki.inter)}/user` });
    const first = crlNumberOf(crlText(before.rawPayload, "DER"));
    tsca(t, ["generate_crls", "--force", "Inter"]);
    const cached = await app.inject({ method: "GET", url: `/crl/${plain(pki.inter)}/user` });
    expect(crlNumberOf(crlText(cached.rawPayload, "DER"))).toBe(first);
    clock += 31_000;
    const fresh = await app.inject({ method: "GET", url: `/crl/${plain(pki.inter)}/user` });
    const renewed = crlNumberOf(crlText(fresh.rawPayload, "DER"));
    expect(renewed).toBeGreaterThan(first);
    expect(fresh.headers.etag).toBe(`"crl-${plain(pki.inter)}-user-${renewed}"`);
  });

  it("drops a cached CRL as soon as the generation changes (the server's poll saw a new CRL stored)", async () => {
    const before = await app.inject({ method: "GET", url: `/crl/${plain(pki.inter)}` });
    const first = crlNumberOf(crlText(before.rawPayload, "DER"));
    tsca(t, ["generate_crls", "--force", "Inter"]);
    const cached = await app.inject({ method: "GET", url: `/crl/${plain(pki.inter)}` });
    expect(crlNumberOf(crlText(cached.rawPayload, "DER"))).toBe(first);
    generation++;
    const fresh = await app.inject({ method: "GET", url: `/crl/${plain(pki.inter)}` });
    expect(crlNumberOf(crlText(fresh.rawPayload, "DER"))).toBeGreaterThan(first);
  });

  it("openssl verify -crl_check_all with both CRLs fetched over HTTP: good leaf OK, revoked leaf error 23", async () => {
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    const get = async (path: string): Promise<string> => {
      const res = await fetch(`${address}${path}`);
      expect(res.status).toBe(200);
      return res.text();
    };
    const crls = [await get(`/crl/${plain(pki.inter)}?encoding=PEM`), await get(`/crl/ca/${plain(pki.root)}?encoding=PEM`)];
    const ok = verifyWithCrls(pki.rootPem, [pki.interPem], crls, good.pem);
    expect(ok.out).toMatch(/: OK\n/);
    const bad = verifyWithCrls(pki.rootPem, [pki.interPem], crls, revoked.pem);
    expect(bad.out).toMatch(/error 23 at 0 depth lookup: certificate revoked/);
  });
});
