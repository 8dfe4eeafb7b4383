/**
 * `?wait=SECONDS` with a real `tsca serve --worker` (the signing worker in the server's process), on SQLite
 * and PostgreSQL: a CSR signed through POST /cas/{ca}/sign?wait answers 201 with the certificate and a
 * Location naming it; a request the worker refuses answers its problem (the status of its error code) with
 * a `request` member; a re-signing waits the same way. Requests go over HTTP (Node's fetch) and every
 * answer is checked against the document the server serves; certificates are judged by `openssl verify`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { makeCsr } from "../../helpers/certs.js";
import { makePki } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { ossl, scratch } from "../../helpers/oracles.js";
import { startServe, type Server } from "../../helpers/serve.js";
import { ApiContract } from "../../helpers/api-contract.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

describe.each(BACKENDS)("REST API ?wait with tsca serve --worker (%s)", (backend) => {
  let t: TscaEnv;
  let server: Server | undefined;
  let contract: ApiContract;
  let token: string;
  let rootFile: string;
  let interFile: string;

  beforeAll(async () => {
    t = tscaEnv(await freshDatabaseUrl(backend));
    const pki = makePki(t);
    rootFile = scratch("root.pem", pki.rootPem);
    interFile = scratch("inter.pem", pki.interPem);
    tsca(t, ["create_user", "ci", "--no-password"]);
    tsca(t, ["grant", "ci", "sign", "view", "--ca", "Inter"]);
    token = tsca(t, ["create_token", "ci"]).trim();
    server = await startServe(t, ["--worker"]);
    contract = await ApiContract.load(server.base);
  });

  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
    await disposeInstallation(t);
  });

  const post = async (path: string, body: unknown): Promise<Answer> => {
    const res = await fetch(`${server!.base}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    contract.check({ method: "POST", path, status: res.status, contentType: res.headers.get("content-type") ?? undefined, body: text });
    return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> };
  };

  const verify = (pem: string): string => {
    const file = scratch("leaf.pem", pem);
    return ossl(["verify", "-CAfile", rootFile, "-untrusted", interFile, file]).trim().replace(`${file}: `, "");
  };

  it("answers 201 with the certificate when the worker issues it while the request waits", async () => {
    const csr = makeCsr("ec", "/CN=wait.api.test");
    const res = await post("/api/v1/cas/Inter/sign?wait=60", { csr: csr.pem, alt: ["wait.api.test"] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const cert = res.body.certificate as { serial: string; pem: string };
    expect(res.body.status).toBe("issued");
    expect(res.headers.get("location")).toBe(`/api/v1/certificates/${cert.serial}`);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(verify(cert.pem)).toBe("OK");
  });

  it("answers the worker's refusal as problem+json with the request's id", async () => {
    const csr = makeCsr("ec", "/CN=no host name here");
    const res = await post("/api/v1/cas/Inter/sign?wait=60", { csr: csr.pem });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body.request).toMatch(/^[0-9a-f]{32}$/);
    expect(String(res.body.code)).toMatch(/^ERR_/);
  });

  it("without ?wait answers 202 every time, even when the worker signs before the answer is written", async () => {
    const csr = makeCsr("ec", "/CN=nowait.api.test");
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post("/api/v1/cas/Inter/sign", { csr: csr.pem, alt: [`n${i}.nowait.api.test`] })),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    for (const a of answers) expect(a.headers.get("location")).toBe(`/api/v1/requests/${String(a.body.id)}`);
    // Each ends issued: the worker beside the server was woken by the submission (polled until it says so).
    for (const a of answers) {
      let state = a.body;
      while (state.status === "pending") {
        await sleep(20);
        const res = await fetch(`${server!.base}/api/v1/requests/${String(a.body.id)}`, { headers: { authorization: `Bearer ${token}` } });
        state = (await res.json()) as Record<string, unknown>;
      }
      expect(state.status).toBe("issued");
    }
  });

  it("re-signs with ?wait: 201 with a new certificate for the same key", async () => {
    const csr = makeCsr("ec", "/CN=renew.api.test");
    const first = await post("/api/v1/cas/Inter/sign?wait=60", { csr: csr.pem });
    const old = first.body.certificate as { serial: string; pem: string };
    const res = await post(`/api/v1/certificates/${old.serial}/resign?wait=60`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const cert = res.body.certificate as { serial: string; pem: string };
    expect(cert.serial).not.toBe(old.serial);
    expect(ossl(["x509", "-noout", "-pubkey"], cert.pem)).toBe(ossl(["x509", "-noout", "-pubkey"], old.pem));
    expect(verify(cert.pem)).toBe("OK");
  });
});
