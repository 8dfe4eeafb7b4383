/**
 * Two `tsca serve` hosts on one database (DESIGN.md "Who signs, where"; docs/acme.md "Two hosts"): two
 * applications with their own database connections over the same installation, on SQLite and PostgreSQL.
 * A nonce issued by one host is accepted by the other, once; an account made on one is used on the
 * other; the same challenge answered on both at once is validated once (one audit event); the same
 * order finalized on both at once queues one signing request, the other host answering orderNotReady.
 */
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { calculateJwkThumbprint } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type OpenDatabase } from "../../../src/adapters/db/connection.js";
import { ACME_BASE, AcmeTestClient, buildAcmeApp } from "../../helpers/acme-app.js";
import { freePort, makeCsr } from "../../helpers/certs.js";
import { tsca } from "../../helpers/cli.js";
import { BACKENDS } from "../../helpers/databases.js";
import { closePkiInstallation, openPkiInstallation, type PkiInstallation } from "../../helpers/use-case-context.js";

const HANG_GUARD_MS = 60_000;
const b64url = (pem: string): string =>
  Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64").toString("base64url");

describe.each(BACKENDS)("ACME on two hosts (%s)", (backend) => {
  let inst: PkiInstallation;
  let db2: OpenDatabase;
  let hostA: FastifyInstance;
  let hostB: FastifyInstance;
  let http01: Server;
  const tokens = new Map<string, string>();
  const errors: unknown[] = [];
  let root: string;

  beforeAll(async () => {
    inst = await openPkiInstallation(backend);
    tsca(inst.t, ["edit_ca", "Inter", "--acme-enable"]);
    root = `${ACME_BASE}/acme/${inst.pki.inter.replace(/:/g, "").toUpperCase()}`;
    db2 = await openDatabase(inst.t.env.TSCA_DATABASE_URL ?? join(inst.t.home, "tsca.sqlite3"));
    const port = await freePort();
    http01 = createServer((req, res) => {
      const ka = tokens.get((req.url ?? "").replace("/.well-known/acme-challenge/", ""));
      res.writeHead(ka ? 200 : 404).end(ka ?? "");
    });
    await new Promise<void>((resolve) => http01.listen(port, "127.0.0.1", resolve));
    const env = { TSCA_ACME_HTTP01_PORT: String(port), TSCA_ACME_ALLOW_LOOPBACK: "1" };
    hostA = await buildAcmeApp(inst, env, (e) => errors.push(e));
    hostB = await buildAcmeApp({ t: inst.t, db: db2 }, env, (e) => errors.push(e));
  });

  afterAll(async () => {
    await hostA?.close();
    await hostB?.close();
    await new Promise((resolve) => http01?.close(resolve));
    await db2?.close();
    await closePkiInstallation(inst);
    expect(errors).toEqual([]);
  });

  it("a nonce from one host is good once on the other; an account made on A is used on B", async () => {
    const a = await AcmeTestClient.create(hostA, `${root}/directory`);
    const nonce = await a.freshNonce();
    const b = await AcmeTestClient.create(hostB, `${root}/directory`);
    b.keys = a.keys;
    const made = await b.post(`${root}/new-account`, {}, { nonce });
    expect(made.statusCode, made.body).toBe(201);
    const replay = await a.post(`${root}/new-account`, {}, { nonce });
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toMatchObject({ type: "urn:ietf:params:acme:error:badNonce" });
    a.kid = made.headers.location as string;
    expect((await a.post(a.kid, "")).json()).toMatchObject({ status: "valid" });
    // One key registered on both hosts at once: one account (§7.3.1), 201 on one host, 200 on the other.
    const c = await AcmeTestClient.create(hostA, `${root}/directory`);
    const d = await AcmeTestClient.create(hostB, `${root}/directory`);
    d.keys = c.keys;
    const [rc, rd] = await Promise.all([c.post(`${root}/new-account`, {}), d.post(`${root}/new-account`, {})]);
    expect([rc.statusCode, rd.statusCode].sort()).toEqual([200, 201]);
    expect(rc.headers.location).toBe(rd.headers.location);
  });

  it("the same challenge answered on both hosts at once is validated once; finalize on both at once queues one request", async () => {
    const a = await AcmeTestClient.create(hostA, `${root}/directory`);
    const made = await a.post(`${root}/new-account`, {});
    a.kid = made.headers.location as string;
    const b = await AcmeTestClient.create(hostB, `${root}/directory`);
    b.keys = a.keys;
    b.kid = a.kid;
    const o = await a.post(`${root}/new-order`, { identifiers: [{ type: "ip", value: "127.0.0.1" }] });
    const orderUrl = o.headers.location as string;
    const order = o.json<{ authorizations: string[]; finalize: string }>();
    const authz = (await a.post(order.authorizations[0]!, "")).json<{ challenges: { type: string; url: string; token: string }[] }>();
    const ch = authz.challenges.find((c) => c.type === "http-01")!;
    tokens.set(ch.token, `${ch.token}.${await calculateJwkThumbprint(a.keys.publicJwk, "sha256")}`);
    const [ra, rb] = await Promise.all([a.post(ch.url, {}), b.post(ch.url, {})]);
    expect([ra.statusCode, rb.statusCode]).toEqual([200, 200]);
    const deadline = Date.now() + HANG_GUARD_MS;
    let status = "pending";
    while (status === "pending" && Date.now() < deadline) status = (await b.post(orderUrl, "")).json<{ status: string }>().status;
    expect(status).toBe("ready");
    const events = JSON.parse(tsca(inst.t, ["audit", "--json", "--object", `acme-challenge:${ch.url.split("/").pop()}`])) as unknown[];
    expect(events).toHaveLength(1);
    const csr = b64url(makeCsr("ec", "/", { addext: ["subjectAltName=IP:127.0.0.1"] }).pem);
    const [fa, fb] = await Promise.all([a.post(order.finalize, { csr }), b.post(order.finalize, { csr })]);
    expect([fa.statusCode, fb.statusCode].sort()).toEqual([200, 403]);
    expect((fa.statusCode === 403 ? fa : fb).json()).toMatchObject({ type: "urn:ietf:params:acme:error:orderNotReady" });
    const finalized = JSON.parse(tsca(inst.t, ["audit", "--json", "--action", "order.finalize"])) as unknown[];
    expect(finalized).toHaveLength(1);
    tsca(inst.t, ["worker", "--once"]);
    expect((await b.post(orderUrl, "")).json()).toMatchObject({ status: "valid" });
    expect((await a.post(orderUrl, "")).json()).toMatchObject({ status: "valid" });
  });
});
