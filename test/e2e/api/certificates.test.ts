/**
 * The REST API's certificate and signing-request endpoints through the real application (buildApp with the
 * API plugin as `tsca serve` wires it) over a real installation made by the CLI, on SQLite and PostgreSQL:
 * listing with filters and cursor pages, one certificate as JSON (compared with `tsca view_cert
 * --output-format json`) and as a PEM chain (RFC 8555 §9.1) that `openssl verify` accepts, revoke and
 * release, and signing and re-signing through the queue: 202 with a Location, pending until the real
 * `tsca worker --once` runs, then issued with a certificate openssl verifies. Every response is checked
 * against the served OpenAPI document.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tsca } from "../../helpers/cli.js";
import { leaf } from "../../helpers/crl.js";
import { makeCsr, opensslSerial, pemBlocks } from "../../helpers/certs.js";
import { BACKENDS } from "../../helpers/databases.js";
import { ossl, scratch } from "../../helpers/oracles.js";
import { buildApiApp } from "../../helpers/api-app.js";
import { apiClient, type ApiClient } from "../../helpers/api-client.js";
import { closePkiInstallation, openPkiInstallation, type PkiInstallation } from "../../helpers/use-case-context.js";

interface CertJson {
  serial: string;
  common_name: string;
  ca: string;
  status: string;
  revoked_reason: string | null;
  pem: string;
}
interface RequestJson {
  id: string;
  status: "pending" | "issued" | "failed";
  ca: string;
  certificate?: { serial: string; pem: string };
  error?: { code: string; status: number; detail: string };
}

describe.each(BACKENDS)("REST API: certificates and signing requests (%s)", (backend) => {
  let inst: PkiInstallation;
  let app: FastifyInstance;
  let api: ApiClient;
  let signer: string;
  let viewer: string;
  let rootFile: string;
  let interFile: string;
  const leaves: { serial: string; pem: string; cn: string; ca: string }[] = [];
  const errors: unknown[] = [];

  beforeAll(async () => {
    inst = await openPkiInstallation(backend);
    const t = inst.t;
    tsca(t, ["create_user", "ops", "--superuser", "--no-password"]);
    tsca(t, ["create_user", "ci", "--no-password"]);
    tsca(t, ["grant", "ci", "sign", "view", "--ca", "Inter"]);
    tsca(t, ["create_user", "auditor", "--no-password"]);
    tsca(t, ["grant", "auditor", "view"]);
    signer = tsca(t, ["create_token", "ci"]).trim();
    viewer = tsca(t, ["create_token", "auditor"]).trim();
    for (const [ca, cn] of [
      ["Inter", "alpha.api.test"],
      ["Inter", "beta.api.test"],
      ["Inter", "gamma.api.test"],
      ["Root", "delta.api.test"],
      ["Inter", "epsilon.api.test"],
    ] as const)
      leaves.push({ ...leaf(t, ca, cn), cn, ca });
    rootFile = scratch("root.pem", inst.pki.rootPem);
    interFile = scratch("inter.pem", inst.pki.interPem);
    app = await buildApiApp(inst, (e) => errors.push(e));
    api = await apiClient(app, tsca(t, ["create_token", "ops"]).trim());
  });

  afterAll(async () => {
    await app?.close();
    await closePkiInstallation(inst);
    expect(errors).toEqual([]);
  });

  const expectProblem = (
    res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown },
    status: number,
    code?: string,
  ) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers["content-type"]).toBe("application/problem+json");
    const body = res.json() as Record<string, unknown>;
    if (code) expect(body.code).toBe(code);
    return body;
  };

  it("lists certificates in cursor pages that together are every certificate, once", async () => {
    const seen: string[] = [];
    let url = "/api/v1/certificates?limit=2";
    for (let pages = 0; pages < 10; pages++) {
      const res = await api.get(url);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<{ items: CertJson[]; next_cursor: string | null }>();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c) => c.serial));
      if (!page.next_cursor) break;
      url = `/api/v1/certificates?limit=2&cursor=${encodeURIComponent(page.next_cursor)}`;
    }
    expect([...seen].sort()).toEqual(leaves.map((l) => l.serial).sort());
  });

  it("filters by CA, common-name prefix, serial prefix and expiry", async () => {
    const byCa = await api.get("/api/v1/certificates?ca=Root");
    expect(byCa.json<{ items: CertJson[] }>().items.map((c) => c.common_name)).toEqual(["delta.api.test"]);
    const byName = await api.get("/api/v1/certificates?q=BETA");
    expect(byName.json<{ items: CertJson[] }>().items.map((c) => c.common_name)).toEqual(["beta.api.test"]);
    const g = leaves.find((l) => l.cn === "gamma.api.test")!;
    const bySerial = await api.get(`/api/v1/certificates?q=${g.serial.slice(0, 11).toLowerCase()}`);
    expect(bySerial.json<{ items: CertJson[] }>().items.map((c) => c.serial)).toContain(g.serial);
    const none = await api.get("/api/v1/certificates?expires_before=2000-01-01T00:00:00Z");
    expect(none.json<{ items: CertJson[] }>().items).toEqual([]);
    const p = expectProblem(await api.get("/api/v1/certificates?expires_before=tomorrow"), 400);
    expect(p.field).toBe("querystring.expires_before");
    expect(expectProblem(await api.get("/api/v1/certificates?limit=501"), 400).field).toBe("querystring.limit");
    expect(expectProblem(await api.get("/api/v1/certificates?colour=red"), 400).field).toBe("querystring.colour");
  });

  it("shows a certificate as view_cert --output-format json, and as a PEM chain that openssl verifies", async () => {
    const a = leaves[0]!;
    for (const id of [a.serial, a.serial.replace(/:/g, "").toLowerCase(), a.serial.slice(0, 14)]) {
      const res = await api.get(`/api/v1/certificates/${encodeURIComponent(id)}`, { token: viewer });
      expect(res.statusCode, id).toBe(200);
      expect(res.json()).toEqual(JSON.parse(tsca(inst.t, ["view_cert", "--output-format", "json", a.serial])));
    }
    const chain = await api.get(`/api/v1/certificates/${a.serial}`, { headers: { accept: "application/pem-certificate-chain" } });
    expect(chain.statusCode).toBe(200);
    expect(chain.headers["content-type"]).toMatch(/^application\/pem-certificate-chain/);
    const blocks = pemBlocks(chain.body);
    expect(ossl(["x509"], blocks[0]!)).toBe(ossl(["x509"], a.pem));
    expect(ossl(["x509"], blocks[1]!)).toBe(ossl(["x509", "-in", interFile]));
    const file = scratch("chain.pem", chain.body);
    expect(ossl(["verify", "-CAfile", rootFile, "-untrusted", file, file]).trim()).toBe(`${file}: OK`);
    expectProblem(await api.get("/api/v1/certificates/ABCDEF0123"), 404, "ERR_CERT_NOT_FOUND");
  });

  it("revokes with a reason, refuses a second revocation (409), releases only what is on hold", async () => {
    const b = leaves[1]!;
    expectProblem(await api.post(`/api/v1/certificates/${b.serial}/revoke`, { token: viewer, json: {} }), 403, "ERR_FORBIDDEN");
    const bad = expectProblem(await api.post(`/api/v1/certificates/${b.serial}/revoke`, { json: { reason: "because" } }), 400);
    expect(bad.field).toBe("body.reason");
    const res = await api.post(`/api/v1/certificates/${b.serial}/revoke`, {
      json: { reason: "key_compromise", compromised: "2026-01-01T00:00:00Z" },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<CertJson>()).toMatchObject({ serial: b.serial, status: "revoked", revoked_reason: "key_compromise" });
    expect(JSON.parse(tsca(inst.t, ["view_cert", "--output-format", "json", b.serial]))).toMatchObject({ status: "revoked" });
    expectProblem(await api.post(`/api/v1/certificates/${b.serial}/revoke`, { json: {} }), 409, "ERR_ALREADY_REVOKED");
    expectProblem(await api.post(`/api/v1/certificates/${b.serial}/unrevoke`), 409, "ERR_NOT_ON_HOLD");
    const revoked = await api.get("/api/v1/certificates?status=revoked");
    expect(revoked.json<{ items: CertJson[] }>().items.map((c) => c.serial)).toEqual([b.serial]);

    const e = leaves[4]!;
    // No body at all is a revocation with reason unspecified; here: on hold, then released.
    const hold = await api.post(`/api/v1/certificates/${e.serial}/revoke`, { json: { reason: "certificate_hold" } });
    expect(hold.json<CertJson>().status).toBe("revoked");
    const released = await api.post(`/api/v1/certificates/${e.serial}/unrevoke`);
    expect(released.statusCode, released.body).toBe(200);
    expect(released.json<CertJson>().status).toBe("valid");
  });

  it("queues a CSR (202 + Location), reports it pending, and issued once `tsca worker --once` ran", async () => {
    const csr = makeCsr("ec", "/CN=queued.api.test");
    const res = await api.post("/api/v1/cas/Inter/sign", {
      token: signer,
      json: { csr: csr.pem, alt: ["DNS:queued.api.test"], expires: 30 },
    });
    expect(res.statusCode, res.body).toBe(202);
    const queued = res.json<RequestJson>();
    expect(queued.status).toBe("pending");
    expect(res.headers.location).toBe(`/api/v1/requests/${queued.id}`);
    expect((await api.get(res.headers.location as string, { token: signer })).json<RequestJson>().status).toBe("pending");
    // ?wait without a worker in this server: answered at once, still 202.
    const nowait = await api.post("/api/v1/cas/Inter/sign?wait=5", { token: signer, json: { csr: csr.pem } });
    expect(nowait.statusCode).toBe(202);

    tsca(inst.t, ["worker", "--once"]);
    const done = await api.get(res.headers.location as string, { token: signer });
    expect(done.statusCode).toBe(200);
    const issued = done.json<RequestJson>();
    expect(issued.status).toBe("issued");
    const file = scratch("queued.pem", issued.certificate!.pem);
    expect(ossl(["verify", "-CAfile", rootFile, "-untrusted", interFile, file]).trim()).toBe(`${file}: OK`);
    expect(issued.certificate!.serial.replace(/:/g, "")).toBe(opensslSerial(issued.certificate!.pem));
    expect(ossl(["x509", "-noout", "-pubkey"], issued.certificate!.pem)).toBe(ossl(["req", "-noout", "-pubkey", "-in", csr.path]));
    expect(ossl(["x509", "-noout", "-ext", "subjectAltName"], issued.certificate!.pem)).toContain("DNS:queued.api.test");
  });

  it("refuses what the queue can check at once: bad CSR (400 naming body.csr), unknown profile, a CA without a grant (403)", async () => {
    const csr = makeCsr("ec", "/CN=refused.api.test");
    expect(expectProblem(await api.post("/api/v1/cas/Inter/sign", { json: { csr: "hello" } }), 400).field).toBe("body.csr");
    expect(expectProblem(await api.post("/api/v1/cas/Inter/sign", { json: {} }), 400).field).toBe("body.csr");
    expect(expectProblem(await api.post("/api/v1/cas/Inter/sign", { json: { csr: csr.pem, expires: 0 } }), 400).field).toBe("body.expires");
    expect(expectProblem(await api.post("/api/v1/cas/Inter/sign", { json: { csr: csr.pem, alt: "x" } }), 400).field).toBe("body.alt");
    expectProblem(await api.post("/api/v1/cas/Inter/sign", { json: { csr: csr.pem, profile: "nope" } }), 400, "ERR_PROFILE");
    expectProblem(await api.post("/api/v1/cas/Root/sign", { token: signer, json: { csr: csr.pem } }), 403, "ERR_FORBIDDEN");
    expectProblem(await api.post("/api/v1/cas/Inter/sign", { token: viewer, json: { csr: csr.pem } }), 403, "ERR_FORBIDDEN");
    expectProblem(await api.get("/api/v1/requests/0123456789abcdef"), 404, "ERR_REQUEST_NOT_FOUND");
    expect(expectProblem(await api.get("/api/v1/requests/not-hex"), 400).field).toBe("params.id");
  });

  it("a request the worker refuses ends failed, with the problem a direct signing would answer", async () => {
    // The webserver profile needs a DNS or IP name; a CN that is no host name gives none (ERR_NO_SAN).
    const csr = makeCsr("ec", "/CN=not a host name");
    const res = await api.post("/api/v1/cas/Inter/sign", { json: { csr: csr.pem } });
    expect(res.statusCode, res.body).toBe(202);
    tsca(inst.t, ["worker", "--once"]);
    const failed = (await api.get(`/api/v1/requests/${res.json<RequestJson>().id}`)).json<RequestJson>();
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ status: 400 });
    expect(failed.error!.code).toMatch(/^ERR_/);
  });

  it("queues a re-signing (202), issued by the worker with the same key and a new serial", async () => {
    const c = leaves[2]!;
    const res = await api.post(`/api/v1/certificates/${c.serial}/resign`, { token: signer });
    expect(res.statusCode, res.body).toBe(202);
    expectProblem(await api.post(`/api/v1/certificates/${leaves[3]!.serial}/resign`, { token: signer, json: {} }), 403, "ERR_FORBIDDEN");
    tsca(inst.t, ["worker", "--once"]);
    const done = (await api.get(res.headers.location as string)).json<RequestJson>();
    expect(done.status).toBe("issued");
    expect(done.certificate!.serial).not.toBe(c.serial);
    expect(ossl(["x509", "-noout", "-pubkey"], done.certificate!.pem)).toBe(ossl(["x509", "-noout", "-pubkey"], c.pem));
    expect(ossl(["x509", "-noout", "-subject"], done.certificate!.pem)).toBe(ossl(["x509", "-noout", "-subject"], c.pem));
    const file = scratch("resigned.pem", done.certificate!.pem);
    expect(ossl(["verify", "-CAfile", rootFile, "-untrusted", interFile, file]).trim()).toBe(`${file}: OK`);
    expect(api.checked()).toBeGreaterThan(40);
  });
});
