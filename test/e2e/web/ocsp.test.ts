/**
 * The OCSP responder of `tsca serve`, judged by `openssl ocsp` (POST, nonce checks on, response signature and
 * delegated responder certificate verified) and by Node's fetch for GET; every response that is signed is
 * also read back by `openssl ocsp -respin`. Runs on SQLite and PostgreSQL.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { leaf, makePki } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { scratch } from "../../helpers/oracles.js";
import { ocspStatus, opensslAsync, readOcspResponse, responseStatus, startServe, waitFor, type Server } from "../../helpers/serve.js";

const POLL_MS = 100;
const hex = (colon: string): string => colon.replace(/:/g, "");

describe.each(BACKENDS)("OCSP responder (%s)", (backend) => {
  let t: TscaEnv;
  let server: Server;
  let root: string;
  let inter: string;
  let rootFile: string;
  let interFile: string;
  let leaf1: { pem: string; hex: string; file: string };
  let leaf2: { pem: string; hex: string; file: string };
  const url = (ca: string, scope: "cert" | "ca" = "cert"): string => `${server.base}/ocsp/${ca}/${scope}/`;
  /** openssl ocsp against the intermediate's end-entity responder, verifying the delegation up to the root. */
  const ask = (certs: string[], extra: string[] = []) =>
    ocspStatus(url(inter), interFile, certs, rootFile, ["-verify_other", interFile, ...extra]);

  beforeAll(async () => {
    t = tscaEnv(await freshDatabaseUrl(backend), { TSCA_OCSP_POLL_INTERVAL: String(POLL_MS) });
    const pki = makePki(t);
    root = hex(pki.root);
    inter = hex(pki.inter);
    rootFile = scratch("root.pem", pki.rootPem);
    interFile = scratch("inter.pem", pki.interPem);
    const l1 = leaf(t, "Inter", "one.example.test");
    const l2 = leaf(t, "Inter", "two.example.test");
    leaf1 = { ...l1, file: scratch("leaf1.pem", l1.pem) };
    leaf2 = { ...l2, file: scratch("leaf2.pem", l2.pem) };
    // init_ca made the responders with the CAs: the timer's first run finds them current.
    expect(tsca(t, ["generate_ocsp_keys"])).toMatch(/"Inter" .* is current \(valid until/);
    server = await startServe(t);
  });

  afterAll(async () => {
    const code = await server?.stop();
    expect(code).toBe(0);
    expect(server.logs().map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down", "stopped"]));
    // No secret ever reaches the log: no key material, no responder key secret.
    expect(JSON.stringify(server.logs())).not.toMatch(/PRIVATE KEY|key_secret|keySecret/);
  });

  it("answers good for an issued certificate, signed by the delegated responder, nonce echoed", async () => {
    const r = await ask([leaf1.file], ["-resp_text"]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("Response verify OK");
    expect(r.out).toContain(`${leaf1.file}: good`);
    expect(r.out).not.toContain("WARNING");
    expect(r.out).toMatch(/OCSP Nonce:/);
    expect(r.out).toMatch(/Next Update: /);
    // The responder certificate in `certs` is the one tsca made: EKU OCSPSigning and OCSP no-check.
    expect(r.out).toContain("OCSP Signing");
    expect(r.out).toContain("OCSP No Check");
  });

  it("answers SHA-256 CertIDs with SHA-256 CertIDs", async () => {
    const r = await opensslAsync([
      "ocsp",
      "-issuer",
      interFile,
      "-sha256",
      "-cert",
      leaf1.file,
      "-url",
      url(inter),
      "-CAfile",
      rootFile,
      "-verify_other",
      interFile,
      "-resp_text",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Hash Algorithm: sha256");
    expect(r.stdout).toContain(`${leaf1.file}: good`);
    expect(r.stderr).toContain("Response verify OK");
  });

  it("answers several CertIDs in one response, unknown for a serial the CA never issued", async () => {
    const r = await ask([leaf1.file, leaf2.file], ["-serial", "0x0123456789ABCDEF", "-resp_text"]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("Response verify OK");
    expect(r.out).toContain(`${leaf1.file}: good`);
    expect(r.out).toContain(`${leaf2.file}: good`);
    expect(r.out).toContain("0x0123456789ABCDEF: unknown");
    expect(r.out.match(/Certificate ID:/g)).toHaveLength(3);
  });

  it("serves GET with the base64 request in the path, URL-encoded or with raw '/', '+' and '='", async () => {
    // RFC 5019: no nonce, so the answer comes from the pre-signed cache and carries HTTP caching headers.
    const req = scratch("get-req.der");
    expect((await opensslAsync(["ocsp", "-issuer", interFile, "-cert", leaf1.file, "-no_nonce", "-reqout", req])).code).toBe(0);
    const b64 = readFileSync(req).toString("base64");
    const res = await fetch(`${url(inter)}${encodeURIComponent(b64)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/ocsp-response");
    expect(res.headers.get("cache-control")).toMatch(/max-age=\d+, public, no-transform, must-revalidate/);
    expect(res.headers.get("etag")).toMatch(/^".+"$/);
    expect(res.headers.get("last-modified")).toBeTruthy();
    const resp = scratch("get-resp.der", Buffer.from(await res.arrayBuffer()));
    const v = await readOcspResponse(resp, req, interFile, rootFile);
    expect(v.stderr).toContain("Response verify OK");
    expect(v.stdout).toContain("Cert Status: good");

    // A request whose base64 has '/' in it, put into the path as is (with a nonce, so it is signed live).
    let raw = "";
    let nonceReq = "";
    for (let i = 0; i < 50 && !raw.includes("/"); i++) {
      nonceReq = scratch("get-nonce-req.der");
      await opensslAsync(["ocsp", "-issuer", interFile, "-cert", leaf2.file, "-reqout", nonceReq]);
      raw = readFileSync(nonceReq).toString("base64");
    }
    expect(raw).toContain("/");
    const res2 = await fetch(`${url(inter)}${raw}`);
    expect(res2.headers.get("cache-control")).toBe("no-store");
    const resp2 = scratch("get-nonce-resp.der", Buffer.from(await res2.arrayBuffer()));
    const v2 = await readOcspResponse(resp2, nonceReq, interFile, rootFile);
    expect(v2.stderr).toContain("Response verify OK");
    expect(v2.stderr).not.toContain("WARNING");
    expect(v2.stdout).toContain("Cert Status: good");
  });

  it("answers malformed, oversized and undecodable requests with malformedRequest, and unknown CAs with unauthorized", async () => {
    const post = async (path: string, body: Buffer): Promise<{ status: number; ocsp: number; der: Buffer }> => {
      const res = await fetch(`${server.base}${path}`, {
        method: "POST",
        body: new Uint8Array(body),
        headers: { "content-type": "application/ocsp-request" },
      });
      const der = Buffer.from(await res.arrayBuffer());
      expect(res.headers.get("content-type")).toBe("application/ocsp-response");
      return { status: res.status, ocsp: responseStatus(der), der };
    };
    const req = scratch("req.der");
    await opensslAsync(["ocsp", "-issuer", interFile, "-cert", leaf1.file, "-reqout", req]);
    const good = readFileSync(req);
    const cases: [string, Buffer][] = [
      ["garbage", Buffer.from("this is not DER")],
      ["empty", Buffer.alloc(0)],
      ["truncated", good.subarray(0, good.length - 3)],
      ["trailing bytes", Buffer.concat([good, Buffer.from([0])])],
      ["9 KB", Buffer.concat([Buffer.from([0x30, 0x82, 0x23, 0x28]), Buffer.alloc(9000)])],
      ["1 MB", Buffer.alloc(1024 * 1024, 0x30)],
    ];
    for (const [name, body] of cases) {
      const r = await post(`/ocsp/${inter}/cert/`, body);
      expect([name, r.status, r.ocsp]).toEqual([name, 200, 1]);
    }
    const r = await post(`/ocsp/${inter}/cert/`, Buffer.from("junk"));
    const text = await opensslAsync(["ocsp", "-respin", scratch("bad.der", r.der), "-resp_text", "-noverify"]);
    expect(text.stdout + text.stderr).toMatch(/Responder Error: malformedrequest \(1\)/);

    for (const bad of ["!!!not-base64!!!", "AAAA", ""]) {
      const res = await fetch(`${url(inter)}${bad}`);
      expect([bad, res.status, responseStatus(Buffer.from(await res.arrayBuffer()))]).toEqual([bad, 200, 1]);
    }
    // An unknown CA, and a request for another issuer's certificate: this responder is not authoritative.
    expect((await post(`/ocsp/ABCDEF0123/cert/`, good)).ocsp).toBe(6);
    expect((await post(`/ocsp/${root}/cert/`, good)).ocsp).toBe(6);
    const u = await ocspStatus(`${server.base}/ocsp/ABCDEF0123/cert/`, interFile, [leaf1.file], rootFile);
    expect(u.out).toMatch(/Responder Error: unauthorized \(6\)/);
  });

  it("reports revoked after revoke_cert, dropping the pre-signed answer within one poll interval", async () => {
    const respA = scratch("a.der");
    const respB = scratch("b.der");
    expect((await ask([leaf2.file], ["-no_nonce", "-respout", respA])).out).toContain(`${leaf2.file}: good`);
    expect((await ask([leaf2.file], ["-no_nonce", "-respout", respB])).out).toContain(`${leaf2.file}: good`);
    // Byte-identical: the second answer is the pre-signed one from memory (same producedAt, same signature).
    expect(readFileSync(respB).equals(readFileSync(respA))).toBe(true);

    // The same request over plain HTTP, polled without spawning processes, times how soon the cached
    // answer is replaced; openssl then judges the new answer.
    const post = async (): Promise<Buffer> =>
      Buffer.from(
        await (
          await fetch(url(inter), { method: "POST", body: readFileSync(reqFile), headers: { "content-type": "application/ocsp-request" } })
        ).arrayBuffer(),
      );
    const reqFile = scratch("revoke-req.der");
    await opensslAsync(["ocsp", "-issuer", interFile, "-cert", leaf2.file, "-no_nonce", "-reqout", reqFile]);
    expect((await post()).equals(readFileSync(respA))).toBe(true);
    tsca(t, ["revoke_cert", leaf2.hex, "--reason", "key_compromise", "--compromised", "2026-01-02T03:04:05Z"]);
    const revokedAt = Date.now();
    let fresh: Buffer = Buffer.alloc(0);
    await waitFor(async () => !(fresh = await post()).equals(readFileSync(respA)), undefined, 10);
    // One poll interval plus one query; far below any client's cache lifetime.
    expect(Date.now() - revokedAt).toBeLessThan(POLL_MS + 400);
    const v = await readOcspResponse(scratch("fresh.der", fresh), reqFile, interFile, rootFile);
    expect(v.stderr).toContain("Response verify OK");
    expect(v.stdout).toContain("Cert Status: revoked");
    const r = await ask([leaf2.file], ["-resp_text"]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("Response verify OK");
    expect(r.out).toContain(`${leaf2.file}: revoked`);
    expect(r.out).toContain("Reason: keyCompromise");
    expect(r.out).toMatch(/Invalidity Date:\s*\n?\s*Jan  2 03:04:05 2026 GMT/);
    // The other certificate is untouched.
    expect((await ask([leaf1.file], ["-no_nonce"])).out).toContain(`${leaf1.file}: good`);
  });

  it("reports healthy on /healthz", async () => {
    const res = await fetch(`${server.base}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; revocationFeedAgeMs: number };
    expect(body.status).toBe("ok");
    expect(body.revocationFeedAgeMs).toBeLessThan(5_000);
  });

  it("answers for child CAs at /ca/: good, then revoked after revoke_ca", async () => {
    const caAsk = () => ocspStatus(url(root, "ca"), rootFile, [interFile], rootFile, ["-resp_text"]);
    const before = await caAsk();
    expect(before.out).toContain("Response verify OK");
    expect(before.out).toContain(`${interFile}: good`);
    // The CA scope knows no end-entity certificates, and the end-entity scope no CAs.
    const wrongScope = await ocspStatus(url(root), rootFile, [interFile], rootFile);
    expect(wrongScope.out).toContain(`${interFile}: unknown`);
    tsca(t, ["revoke_ca", "Inter", "--reason", "ca_compromise"]);
    await waitFor(async () => (await caAsk()).out.includes(`${interFile}: revoked`), undefined, 20);
    const after = await caAsk();
    expect(after.out).toContain("Response verify OK");
    expect(after.out).toContain("Reason: cACompromise");
  });
});

describe("OCSP responder without a responder key", () => {
  it("answers internalError until generate_ocsp_keys runs, then good", async () => {
    const t = tscaEnv(undefined, { TSCA_OCSP_POLL_INTERVAL: String(POLL_MS) });
    // init_ca makes the OCSP responder with the CA; a CA whose responder could not be made (its key
    // directory was unusable then: init_ca kept the CA and exited 1) is what has none.
    const blocked = join(t.home, "not-a-directory");
    writeFileSync(blocked, "");
    const made = runTsca({ ...t, env: { ...t.env, TSCA_OCSP_KEY_DIR: join(blocked, "ocsp") } }, [
      "init_ca",
      "--key-type",
      "EC",
      "Root",
      "/CN=Root",
    ]);
    expect(made.stderr).toContain("its OCSP responder could not be made");
    const root = made.stdout.trim();
    const l = leaf(t, "Root", "x.example.test");
    const rootFile = scratch("root.pem", tsca(t, ["dump_ca", "Root"]));
    const leafFile = scratch("leaf.pem", l.pem);
    const server = await startServe(t);
    try {
      const ocspUrl = `${server.base}/ocsp/${hex(root)}/cert/`;
      const before = await ocspStatus(ocspUrl, rootFile, [leafFile], rootFile);
      expect(before.out).toMatch(/Responder Error: internalerror \(2\)/);
      expect(server.logs().some((l) => l.msg === "OCSP responder loaded")).toBe(false);
      tsca(t, ["generate_ocsp_keys", "Root"]);
      // The change feed reports the new responder; the server loads it without a restart.
      await waitFor(async () => (await ocspStatus(ocspUrl, rootFile, [leafFile], rootFile)).out.includes(`${leafFile}: good`));
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
