/**
 * The REST API end to end, black box, as an operator's script uses it (issue 10, "Evidence"): users, grants
 * and tokens made by the real `bin/tsca.js`, a real `tsca serve --worker`, every API call made by `curl`, and
 * `openssl` judging what comes back — `openssl verify` for the certificate signed through the API,
 * `openssl x509 -ocsp_uri` for a CA's OCSP URL changed through PATCH, `openssl ocsp` against the server for
 * a revocation made through the API (RFC 6960 §2.2 certStatus revoked with its CRLReason, RFC 5280 §5.3.1).
 * Authorization follows RFC 6750: a view-only token gets 403 on revoke, a revoked or expired token 401.
 * Every JSON body (answers and problems) is also checked against the served OpenAPI document.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiContract } from "../../helpers/api-contract.js";
import { tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { freePort, makeCsr, opensslSerial, pemBlocks } from "../../helpers/certs.js";
import { curl, type CurlRequest, type CurlResponse } from "../../helpers/curl.js";
import { ossl, scratch } from "../../helpers/oracles.js";
import { opensslAsync, startServe, waitFor, type Server } from "../../helpers/serve.js";

const TOKEN_LINE = /^tsca_[A-Za-z0-9_-]{43}\n$/;

describe("the REST API driven by curl, judged by openssl (sqlite)", () => {
  let t: TscaEnv;
  let server: Server | undefined;
  let rootFile: string;
  let interFile: string;
  let superToken: string;
  let viewToken: string;
  /** Every curl answer, for the contract check at the end. */
  const answers: { method: string; path: string; res: CurlResponse }[] = [];

  /** curl against the server; the answer is remembered for the contract check. */
  const api = (path: string, req: CurlRequest = {}): CurlResponse => {
    const res = curl(`${server!.base}${path}`, req);
    answers.push({ method: req.method ?? "GET", path, res });
    return res;
  };

  /** An error answer: problem+json (RFC 9457) with the status repeated in the body. */
  const expectProblem = (res: CurlResponse, status: number): void => {
    expect(res.status, res.body).toBe(status);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect((res.json as { status: number }).status).toBe(status);
  };

  const token = (args: string[]): string => {
    const out = tsca(t, ["create_token", ...args]);
    expect(out).toMatch(TOKEN_LINE);
    return out.trim();
  };

  beforeAll(async () => {
    // The CAs' OCSP, CRL and issuer URLs point at the server this test starts (TSCA_DEFAULT_HOSTNAME), so
    // `openssl ocsp -url $(openssl x509 -ocsp_uri)` asks it; a short poll interval only makes the
    // revocation show sooner (the test waits for it either way).
    const port = await freePort();
    t = tscaEnv(undefined, { TSCA_DEFAULT_HOSTNAME: `127.0.0.1:${port}`, TSCA_OCSP_POLL_INTERVAL: "100" });
    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=API Root"]);
    tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Inter", "/CN=API Inter"]);
    tsca(t, ["generate_ocsp_keys"]);
    rootFile = scratch("root.pem", tsca(t, ["dump_ca", "Root"]));
    interFile = scratch("inter.pem", tsca(t, ["dump_ca", "Inter"]));

    tsca(t, ["create_user", "ops", "--superuser", "--no-password"]);
    tsca(t, ["create_user", "auditor", "--no-password"]);
    tsca(t, ["grant", "auditor", "view", "--ca", "Inter"]);
    superToken = token(["ops", "--name", "ops-ci"]);
    viewToken = token(["auditor", "--name", "auditor-main"]);

    server = await startServe(t, ["--worker", "--port", String(port)]);
  });

  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
  });

  let issuedPem = "";
  let issuedSerial = "";

  it("signs an openssl CSR through POST /cas/{ca}/sign?wait=30: 201, a PEM that openssl verifies", async () => {
    const csr = makeCsr("ec", "/CN=api.example.test");
    const res = api("/api/v1/cas/Inter/sign?wait=30", {
      method: "POST",
      token: superToken,
      json: { csr: csr.pem, alt: ["api.example.test"] },
    });
    expect(res.status, res.body).toBe(201);
    const body = res.json as { id: string; status: string; certificate: { serial: string; pem: string } };
    expect(body.status).toBe("issued");
    issuedPem = body.certificate.pem;
    issuedSerial = body.certificate.serial;
    expect(res.headers.location).toBe(`/api/v1/certificates/${issuedSerial}`);
    const leafFile = scratch("leaf.pem", issuedPem);
    expect(ossl(["verify", "-CAfile", rootFile, "-untrusted", interFile, leafFile]).trim()).toBe(`${leafFile}: OK`);
    // The serial the API names is the certificate's (openssl reads it), and the key is the CSR's.
    expect(issuedSerial.replace(/:/g, "")).toBe(opensslSerial(issuedPem));
    expect(ossl(["x509", "-noout", "-pubkey"], issuedPem)).toBe(ossl(["req", "-noout", "-pubkey", "-in", csr.path]));
    expect(ossl(["x509", "-noout", "-ext", "subjectAltName"], issuedPem)).toContain("DNS:api.example.test");

    // The Location answers with the chain (RFC 8555 §9.1 media type): the leaf first, then its issuer.
    const chain = api(res.headers.location!, { token: superToken, headers: { Accept: "application/pem-certificate-chain" } });
    expect(chain.status).toBe(200);
    expect(chain.headers["content-type"]).toMatch(/^application\/pem-certificate-chain/);
    const blocks = pemBlocks(chain.body);
    expect(ossl(["x509"], blocks[0]!)).toBe(ossl(["x509"], issuedPem));
    expect(ossl(["x509"], blocks[1]!)).toBe(ossl(["x509", "-in", interFile]));
    const chainFile = scratch("chain.pem", chain.body);
    expect(ossl(["verify", "-CAfile", rootFile, "-untrusted", chainFile, chainFile]).trim()).toBe(`${chainFile}: OK`);
  });

  it("a view-only token reads but gets 403 problem+json on revoke", () => {
    const cas = api("/api/v1/cas", { token: viewToken });
    expect(cas.status, cas.body).toBe(200);
    const cert = api(`/api/v1/certificates/${issuedSerial}`, { token: viewToken });
    expect(cert.status, cert.body).toBe(200);
    expect((cert.json as { serial: string }).serial).toBe(issuedSerial);
    const revoke = api(`/api/v1/certificates/${issuedSerial}/revoke`, {
      method: "POST",
      token: viewToken,
      json: { reason: "key_compromise" },
    });
    expectProblem(revoke, 403);
    // Nor may it sign.
    expectProblem(
      api("/api/v1/cas/Inter/sign", { method: "POST", token: viewToken, json: { csr: makeCsr("ec", "/CN=nope.example.test").pem } }),
      403,
    );
    // Nothing was revoked.
    expect((api(`/api/v1/certificates/${issuedSerial}`, { token: superToken }).json as { revoked_at: unknown }).revoked_at).toBeNull();
  });

  it("revokes through the API with reason key_compromise, and openssl ocsp against the server says so", async () => {
    const res = api(`/api/v1/certificates/${issuedSerial}/revoke`, {
      method: "POST",
      token: superToken,
      json: { reason: "key_compromise" },
    });
    expect(res.status, res.body).toBe(200);
    const body = res.json as { serial: string; status: string; revoked_reason: string; revoked_at: string | null };
    expect(body.serial).toBe(issuedSerial);
    expect(body.status).toBe("revoked");
    expect(body.revoked_reason).toBe("key_compromise");

    const leafFile = scratch("leaf.pem", issuedPem);
    const url = ossl(["x509", "-noout", "-ocsp_uri", "-in", leafFile]).trim();
    expect(url).toBe(`${server!.base}/ocsp/${opensslSerial(ossl(["x509", "-in", interFile]))}/cert/`);
    const ask = () =>
      opensslAsync(["ocsp", "-issuer", interFile, "-cert", leafFile, "-url", url, "-CAfile", rootFile, "-verify_other", interFile]);
    // The responder learns of the revocation from the change feed's next poll: wait for it, not for a time.
    await waitFor(async () => (await ask()).stdout.includes(`${leafFile}: revoked`), undefined, 100);
    const r = await ask();
    expect(r.stderr).toContain("Response verify OK");
    expect(r.stdout).toContain(`${leafFile}: revoked`);
    expect(r.stdout).toContain("Reason: keyCompromise");
    // Each token acted as its user: the audit log names the API actor `api:USER/TOKEN` of the revocation and
    // of the view-only token's refused attempt.
    const events = JSON.parse(tsca(t, ["audit", "--action", "cert.revoke", "--json"])) as { actor: string; outcome: string }[];
    expect(events.map((e) => [e.actor, e.outcome])).toEqual([
      ["api:auditor/auditor-main", "failure"],
      ["api:ops/ops-ci", "success"],
    ]);
  });

  it("PATCH /cas/{ca} sign.ocsp_urls shows in the next certificate sign_cert makes", () => {
    const res = api("/api/v1/cas/Inter", { method: "PATCH", token: superToken, json: { sign: { ocsp_urls: ["http://ocsp.example/x"] } } });
    expect(res.status, res.body).toBe(200);
    const ca = res.json as { name: string; sign: { ocsp_urls: string[] }; key_location?: unknown };
    expect(ca.name).toBe("Inter");
    expect(ca.sign.ocsp_urls.map((u) => u.replace(/^URI:/, ""))).toEqual(["http://ocsp.example/x"]);
    // The API's CA is view_ca's JSON without the key's location on the key host.
    expect(ca).not.toHaveProperty("key_location");

    const csr = makeCsr("ec", "/CN=after-patch.example.test");
    const pem = tsca(t, ["sign_cert", "--ca", "Inter", "--csr", csr.path, "--alt", "after-patch.example.test"]);
    expect(ossl(["x509", "-noout", "-ocsp_uri"], pem).trim()).toBe("http://ocsp.example/x");
    // Same through GET.
    const again = api("/api/v1/cas/Inter", { token: viewToken });
    expect((again.json as { sign: { ocsp_urls: string[] } }).sign.ocsp_urls.map((u) => u.replace(/^URI:/, ""))).toEqual([
      "http://ocsp.example/x",
    ]);
    // A view-only token may not edit (403), and the CA stays as it is.
    expectProblem(api("/api/v1/cas/Inter", { method: "PATCH", token: viewToken, json: { website: "https://example.test/" } }), 403);
  });

  it("a token revoked with `tsca revoke_token` gets 401", () => {
    const doomed = token(["auditor", "--name", "auditor-doomed"]);
    expect(api("/api/v1/cas", { token: doomed }).status).toBe(200);
    tsca(t, ["revoke_token", "auditor-doomed"]);
    const res = api("/api/v1/cas", { token: doomed });
    expectProblem(res, 401);
    // RFC 6750 §3: a presented token that does not work is invalid_token.
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer realm="tsca"/);
    expect(res.headers["www-authenticate"]).toContain('error="invalid_token"');
  });

  it("an expired token gets 401", () => {
    const expiring = token(["auditor", "--name", "auditor-expiring", "--expires", "1"]);
    expect(api("/api/v1/cas", { token: expiring }).status).toBe(200);
    // --expires takes whole days, and waiting a day is no test: move this one token's expiry into the past
    // with one SQL UPDATE on the test's own database, as a day passing would leave it.
    const db = new Database(join(t.home, "tsca.sqlite3"));
    try {
      const r = db
        .prepare("UPDATE api_token SET expires_at = ? WHERE name = ?")
        .run(new Date(Date.now() - 60_000).toISOString(), "auditor-expiring");
      expect(r.changes).toBe(1);
    } finally {
      db.close();
    }
    const res = api("/api/v1/cas", { token: expiring });
    expectProblem(res, 401);
    expect(res.headers["www-authenticate"]).toContain('error="invalid_token"');
    // No token at all: 401 with the challenge but no error code (RFC 6750 §3.1).
    const none = api("/api/v1/cas");
    expectProblem(none, 401);
    expect(none.headers["www-authenticate"]).toMatch(/^Bearer realm="tsca"/);
    expect(none.headers["www-authenticate"]).not.toContain("error=");
    // The other tokens still work.
    expect(api("/api/v1/cas", { token: viewToken }).status).toBe(200);
  });

  it("every JSON answer above matches the OpenAPI document", async () => {
    expect(answers.length).toBeGreaterThan(10);
    const contract = await ApiContract.load(server!.base);
    for (const { method, path, res } of answers)
      contract.check({ method, path, status: res.status, contentType: res.headers["content-type"], body: res.body });
  });
});
