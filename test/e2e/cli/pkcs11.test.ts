/**
 * CA keys on a PKCS#11 token (issue 12), end to end with SoftHSM2 and the built CLI: a token root, a token
 * intermediate below it, a file intermediate below the token root and a token intermediate below a file
 * root; everything that signs (sign_cert, resign_cert, dump_crl, generate_crls, generate_ocsp_keys,
 * worker) signs with the token keys; openssl verifies the certificates, the CRLs (`crl -verify`) and the
 * OCSP answers of `tsca serve`. CA_DIR never holds a file for a token CA, and pkcs11-tool (opensc, a
 * PKCS#11 client independent of tsca) finds the keys on the token. Refusals (a wrong PIN, a missing token,
 * a missing module, no PIN) are one sentence each, with no CA row and no key left on the token.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { makeCsr } from "../../helpers/certs.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { caDir, caPem, expectOneSentence, expectRefused, opensslVerify, ossl, scratch } from "../../helpers/oracles.js";
import { ocspStatus, startServe, type Server } from "../../helpers/serve.js";
import { makeSoftHsm, softhsmSkipReason, type SoftHsm } from "../../helpers/softhsm.js";

const hex = (colon: string): string => colon.trim().replace(/:/g, "");
// Skips with a printed reason where SoftHSM2 is missing; .ci/run sets TSCA_TEST_REQUIRE_SOFTHSM=1, which fails instead.
const skip = softhsmSkipReason();

/** pkcs11-tool's list of the token's objects of one type (labels and ids as opensc prints them). */
function tokenObjects(token: SoftHsm, type: "privkey" | "pubkey"): string {
  const r = spawnSync(
    "pkcs11-tool",
    ["--module", token.library, "--token-label", token.token, "--login", "--pin", token.pin, "--list-objects", "--type", type],
    { env: { ...process.env, SOFTHSM2_CONF: token.conf } },
  );
  if (r.status !== 0) throw new Error(`pkcs11-tool exited ${r.status}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}
const objectCount = (token: SoftHsm): number => (tokenObjects(token, "privkey").match(/^Private Key Object/gm) ?? []).length;

/** A leaf for `cn` signed by CA `ca` through sign_cert. */
function leaf(t: TscaEnv, ca: string, cn: string): { pem: string; file: string } {
  const csr = makeCsr("ec", `/CN=${cn}`);
  const pem = tsca(t, ["sign_cert", "--ca", ca, "--csr", csr.path, "--alt", cn]);
  return { pem, file: scratch("leaf.pem", pem) };
}

describe.skipIf(skip !== undefined).each(BACKENDS)("CA keys on a PKCS#11 token (%s)", (backend) => {
  let token: SoftHsm;
  let t: TscaEnv;
  let root: string;
  let sub: string;
  let rootPem: string;
  let subPem: string;
  let server: Server | undefined;
  // CA_DIR is made with the first key file: before that, there is none.
  const fileKeys = (): string[] => (existsSync(caDir(t)) ? readdirSync(caDir(t)).filter((f) => f.endsWith(".key")) : []);

  beforeAll(async () => {
    token = makeSoftHsm("tsca-e2e");
    t = tscaEnv(await freshDatabaseUrl(backend), token.env);
    const onToken = ["--key-backend", "pkcs11", "--pkcs11-token-label", token.token];
    root = hex(tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "2", ...onToken, "HSM Root", "/CN=HSM Root"]));
    sub = hex(
      tsca(t, [
        "init_ca",
        ...["--key-type", "RSA", "--key-size", "2048", "--parent", "HSM Root", "--pathlen", "0"],
        ...onToken,
        ...["--pkcs11-key-label", "hsm-sub-key", "HSM Sub", "/CN=HSM Sub"],
      ]),
    );
    rootPem = caPem(t, "HSM Root");
    subPem = caPem(t, "HSM Sub");
  });

  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
    token?.cleanup();
  });

  it("init_ca makes the keys on the token: CA_DIR holds no key for them, pkcs11-tool lists them, view_ca names token and label", () => {
    expect(fileKeys()).toEqual([]);
    const keys = tokenObjects(token, "privkey");
    expect(keys).toMatch(/label:\s+HSM Root/);
    expect(keys).toMatch(/label:\s+hsm-sub-key/);
    const view = tsca(t, ["view_ca", "HSM Sub"]);
    expect(view).toContain("* backend: pkcs11");
    expect(view).toContain(`* token: ${token.token}`);
    expect(view).toContain("* key label: hsm-sub-key");
    expect(view).toMatch(/\* key id: [0-9A-F]{16,}/);
    // The id view_ca shows is the CKA_ID pkcs11-tool sees on the key labelled hsm-sub-key.
    const id = /\* key id: ([0-9A-F]+)/.exec(view)![1]!.toLowerCase();
    expect(keys.split(/(?=Private Key Object)/).find((o) => o.includes("hsm-sub-key"))).toMatch(new RegExp(`ID:\\s+${id}`));
    expect(opensslVerify(rootPem, [], subPem).code).toBe(0);
  });

  it("sign_cert and resign_cert with the token intermediate and root; openssl verifies each certificate", () => {
    const fromSub = leaf(t, "HSM Sub", "sub-leaf.example.test");
    expect(opensslVerify(rootPem, [subPem], fromSub.pem).stdout).toMatch(/: OK/);
    const fromRoot = leaf(t, "HSM Root", "root-leaf.example.test");
    expect(opensslVerify(rootPem, [], fromRoot.pem).stdout).toMatch(/: OK/);
    const serial = ossl(["x509", "-noout", "-serial"], fromSub.pem)
      .trim()
      .replace(/^serial=/, "");
    const renewed = tsca(t, ["resign_cert", serial]);
    expect(ossl(["x509", "-noout", "-serial"], renewed)).not.toContain(serial);
    expect(opensslVerify(rootPem, [subPem], renewed).stdout).toMatch(/: OK/);
  });

  it("revoke_cert, dump_crl and generate_crls: openssl crl -verify accepts the token CA's CRLs and lists the revoked serial", () => {
    const revoked = leaf(t, "HSM Sub", "revoked.example.test");
    const serial = ossl(["x509", "-noout", "-serial"], revoked.pem)
      .trim()
      .replace(/^serial=/, "");
    tsca(t, ["revoke_cert", serial]);
    const dumped = tsca(t, ["dump_crl", "--ca", "HSM Sub", "-"]);
    const checked = spawnSync("openssl", ["crl", "-noout", "-text", "-CAfile", scratch("sub.pem", subPem)], { input: dumped });
    expect(checked.stderr.toString()).toContain("verify OK");
    expect(checked.stdout.toString()).toContain(`Serial Number: ${serial}`);
    expect(tsca(t, ["generate_crls", "--force"])).toContain("HSM Sub");
    const served = tsca(t, ["dump_crl", "--ca", "HSM Root", "-"]);
    const rootChecked = spawnSync("openssl", ["crl", "-noout", "-CAfile", scratch("root.pem", rootPem)], { input: served });
    expect(rootChecked.stderr.toString()).toContain("verify OK");
  });

  it("generate_ocsp_keys signs responder certificates with the token keys; tsca serve's OCSP answers verify: good and revoked", async () => {
    expect(tsca(t, ["generate_ocsp_keys", "--force"])).toMatch(/HSM Sub/);
    const good = leaf(t, "HSM Sub", "good.example.test");
    const bad = leaf(t, "HSM Sub", "bad.example.test");
    tsca(t, [
      "revoke_cert",
      ossl(["x509", "-noout", "-serial"], bad.pem)
        .trim()
        .replace(/^serial=/, ""),
    ]);
    server = await startServe(t);
    const subFile = scratch("sub.pem", subPem);
    const r = await ocspStatus(`${server.base}/ocsp/${sub}/cert/`, subFile, [good.file, bad.file], scratch("root.pem", rootPem), [
      "-verify_other",
      subFile,
    ]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("Response verify OK");
    expect(r.out).toContain(`${good.file}: good`);
    expect(r.out).toContain(`${bad.file}: revoked`);
    // The token root's CA responder answers for the token intermediate.
    const rootFile = scratch("root.pem", rootPem);
    const ca = await ocspStatus(`${server.base}/ocsp/${root}/ca/`, rootFile, [subFile], rootFile);
    expect(ca.code, ca.out).toBe(0);
    expect(ca.out).toContain("Response verify OK");
    expect(ca.out).toContain(`${subFile}: good`);
  });

  it("tsca worker signs a queued request with the token CA", () => {
    const csr = makeCsr("ec", "/CN=queued.example.test");
    const id = tsca(t, ["submit_request", "--ca", "HSM Sub", "--csr", csr.path, "--alt", "queued.example.test"]).trim();
    const worker = runTsca(t, ["worker", "--once"]);
    expect(worker.code, worker.stderr).toBe(0);
    expect(worker.stderr).toMatch(/1 issued/);
    expect(id).not.toBe("");
    expect(tsca(t, ["list_certs", "--ca", "HSM Sub", "--output-format", "json"])).toContain("queued.example.test");
  });

  it("intermediates across backends: a file CA below the token root, a token CA below a file root; both sign verifiable certificates", () => {
    tsca(t, ["init_ca", "--key-type", "EC", "--parent", "HSM Root", "File Sub", "/CN=File Sub"]);
    expect(fileKeys()).toHaveLength(1);
    const fileSubPem = caPem(t, "File Sub");
    expect(opensslVerify(rootPem, [fileSubPem], leaf(t, "File Sub", "file-sub.example.test").pem).stdout).toMatch(/: OK/);

    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "File Root", "/CN=File Root"]);
    tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--parent",
      "File Root",
      "--key-backend",
      "pkcs11",
      "--pkcs11-token-label",
      token.token,
      "Token Sub",
      "/CN=Token Sub",
    ]);
    expect(fileKeys()).toHaveLength(2); // File Sub and File Root; Token Sub is on the token
    const fileRootPem = caPem(t, "File Root");
    const tokenSubPem = caPem(t, "Token Sub");
    expect(opensslVerify(fileRootPem, [tokenSubPem], leaf(t, "Token Sub", "token-sub.example.test").pem).stdout).toMatch(/: OK/);
  });

  it("import_ca --key-backend pkcs11 puts a key file's key on the token, and takes a CA whose key is on the token already", () => {
    // A root made by openssl, imported with its key file: the key goes onto the token, not into CA_DIR.
    const key = scratch("imported.key");
    const cert = ossl([
      "req",
      "-x509",
      ...["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key],
      ...["-subj", "/CN=Imported Root", "-days", "3650"],
      ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    ]);
    const keysBefore = fileKeys().length;
    tsca(t, [
      "import_ca",
      "--key-backend",
      "pkcs11",
      "--pkcs11-token-label",
      token.token,
      "Imported Root",
      key,
      scratch("imported.pem", cert),
    ]);
    expect(fileKeys()).toHaveLength(keysBefore);
    expect(tokenObjects(token, "privkey")).toMatch(/label:\s+Imported Root/);
    expect(opensslVerify(cert, [], leaf(t, "Imported Root", "imported.example.test").pem).stdout).toMatch(/: OK/);

    // A key the operator made on the token with pkcs11-tool, certified by openssl with that public key.
    const env = { ...process.env, SOFTHSM2_CONF: token.conf };
    const made = spawnSync(
      "pkcs11-tool",
      [
        ...["--module", token.library, "--token-label", token.token, "--login", "--pin", token.pin],
        ...["--keypairgen", "--key-type", "EC:prime256v1", "--label", "operator-key", "--id", "0badcafe"],
      ],
      { env },
    );
    expect(made.status, made.stderr.toString()).toBe(0);
    const pubDer = spawnSync(
      "pkcs11-tool",
      ["--module", token.library, "--token-label", token.token, "--read-object", "--type", "pubkey", "--id", "0badcafe"],
      { env },
    );
    expect(pubDer.status, pubDer.stderr.toString()).toBe(0);
    const pub = ossl(["pkey", "-pubin", "-inform", "DER", "-outform", "PEM"], pubDer.stdout);
    const otherKey = scratch("placeholder.key");
    const csr = ossl([
      "req",
      "-new",
      ...["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", otherKey],
      "-subj",
      "/CN=Operator Sub",
    ]);
    const ext = scratch(
      "ext.cnf",
      "[v3]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    );
    const subCert = ossl([
      "x509",
      "-req",
      ...["-in", scratch("op.csr", csr), "-force_pubkey", scratch("op.pub", pub)],
      ...["-CA", scratch("imported.pem", cert), "-CAkey", key, "-set_serial", "0x5eed01", "-days", "1000"],
      ...["-extfile", ext, "-extensions", "v3"],
    ]);
    tsca(t, [
      "import_ca",
      "--parent",
      "Imported Root",
      "--key-backend",
      "pkcs11",
      "--pkcs11-token-label",
      token.token,
      "Operator Sub",
      scratch("op.pem", subCert),
    ]);
    expect(tsca(t, ["view_ca", "Operator Sub"])).toContain("* key label: operator-key");
    expect(opensslVerify(cert, [subCert], leaf(t, "Operator Sub", "operator.example.test").pem).stdout).toMatch(/: OK/);
  });

  it("tsca check reaches every token CA's key", () => {
    const r = runTsca(t, ["check", "--json"]);
    const report = JSON.parse(r.stdout) as { checks: { name: string; ok: boolean; problems?: string[] }[] };
    const keys = report.checks.find((c) => /key/i.test(c.name));
    expect(keys, r.stdout).toBeDefined();
    expect(keys!.ok, r.stdout).toBe(true);
  });

  describe("refusals: one sentence, no CA row, no key left on the token", () => {
    const newRoot = (extra: string[] = []): string[] => [
      "init_ca",
      ...["--key-type", "EC", "--key-backend", "pkcs11", "--pkcs11-token-label", token.token],
      ...extra,
      "Refused Root",
      "/CN=Refused Root",
    ];
    const refusedOn = async (env: Record<string, string>, args: string[], message: RegExp, exitCode = 1): Promise<string> => {
      const before = objectCount(token);
      const r = await expectRefused({ home: t.home, env: { ...t.env, ...env } }, args, exitCode, message);
      expect(objectCount(token)).toBe(before);
      return r.stderr;
    };

    it("a wrong PIN", async () => {
      const stderr = await refusedOn({ TSCA_PKCS11_PIN: "987654" }, newRoot(), /PIN/);
      expect(stderr).not.toContain("987654");
    });

    it("a token label no slot has", async () => {
      await refusedOn(
        {},
        ["init_ca", "--key-type", "EC", "--key-backend", "pkcs11", "--pkcs11-token-label", "no-such-token", "Refused Root", "/CN=R"],
        /no-such-token/,
      );
    });

    it("a module path that does not exist, and no module configured", async () => {
      await refusedOn({ TSCA_PKCS11_LIBRARY: "/nonexistent/libpkcs11.so" }, newRoot(), /\/nonexistent\/libpkcs11\.so/);
      const r = runTsca({ home: t.home, env: { ...t.env, TSCA_PKCS11_LIBRARY: "" } }, newRoot());
      expectOneSentence(r, 1, /TSCA_PKCS11_LIBRARY/);
    });

    it("no PIN configured and no terminal; a PIN file others can read", async () => {
      await refusedOn({ TSCA_PKCS11_PIN: "" }, newRoot(), /PIN/);
      const pinFile = scratch("pin", `${token.pin}\n`);
      chmodSync(pinFile, 0o644);
      await refusedOn({ TSCA_PKCS11_PIN: "" }, newRoot(["--pkcs11-pin-file", pinFile]), /mode 0644/);
      chmodSync(pinFile, 0o600);
      // The same file, private: the CA is made with the PIN from it.
      tsca({ home: t.home, env: { ...t.env, TSCA_PKCS11_PIN: "" } }, newRoot(["--pkcs11-pin-file", pinFile]));
      expect(tsca(t, ["view_ca", "Refused Root"])).toContain("* backend: pkcs11");
    });

    it("a password for a token key, and PKCS#11 options without --key-backend pkcs11", async () => {
      await refusedOn(
        {},
        [
          "init_ca",
          "--key-type",
          "EC",
          "--key-backend",
          "pkcs11",
          "--pkcs11-token-label",
          token.token,
          "--password",
          "secret",
          "P Root",
          "/CN=P",
        ],
        /password/i,
      );
      await refusedOn(
        {},
        ["init_ca", "--key-type", "EC", "--pkcs11-token-label", token.token, "Q Root", "/CN=Q"],
        /needs --key-backend pkcs11/,
        2, // a usage error
      );
    });
  });
});
