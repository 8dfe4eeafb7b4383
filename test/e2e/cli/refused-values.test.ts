/**
 * Issue 7, "Wrong values are refused, not reinterpreted": a value that is not what an option takes is one
 * usage error naming the option, and leaves the data as it was (database rows, key files, list_cas);
 * conflicting options are refused instead of the last one winning. What reaches a certificate is read
 * back with openssl.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CA_EXTENSION_ARGS, newEcKeyArgs, runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { caPem, expectOneSentence, expectRefused, opensslExtensions, ossl, plainSerial, x509Text } from "../../helpers/oracles.js";

const homes: string[] = [];
const env = (extra: Record<string, string> = {}): TscaEnv => {
  const t = tscaEnv(undefined, extra);
  homes.push(t.home);
  return t;
};
const scratchDir = mkdtempSync(join(tmpdir(), "tsca-refused-"));
afterAll(() => {
  homes.forEach((home) => rmSync(home, { recursive: true, force: true }));
  rmSync(scratchDir, { recursive: true, force: true });
});

/** The stable error code of a refusal (printed by --traceback on the line after the sentence). */
const codeOf = (t: TscaEnv, args: string[]): string | undefined => runTsca(t, [...args, "--traceback"]).stderr.split("\n")[1];

const initEc = (t: TscaEnv, ...args: string[]): string =>
  tsca(t, ["init_ca", "--key-type", "EC", ...args])
    .trim()
    .split("\n")[0]!;

function leafCsr(cn: string): string {
  return ossl(["req", "-new", ...newEcKeyArgs(join(scratchDir, `${cn}.key`)), "-subj", `/CN=${cn}`]);
}

const extensionsOf = (pem: string): Map<string, { critical: boolean; value: string }> => opensslExtensions(x509Text(pem));

describe("URL options take http(s) URLs (ldap for CRLs)", () => {
  let t: TscaEnv;
  beforeAll(() => {
    t = env();
    initEc(t, "--pathlen", "1", "Root", "/CN=root.example.com");
  });

  it("edit_ca --ocsp-url without a scheme is refused instead of becoming DNS:ocsp.example.com", async () => {
    await expectRefused(t, ["edit_ca", "--ocsp-url", "ocsp.example.com", "Root"], 2, /^Error: ocsp\.example\.com: --ocsp-url takes a URL/);
    expect(tsca(t, ["view_ca", "Root"])).not.toContain("DNS:ocsp.example.com");
  });

  it("init_ca --ocsp-url ftp://… is refused", async () => {
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--ocsp-url", "ftp://ocsp.example.com/", "Other", "/CN=other.example.com"],
      2,
      /^Error: ftp:\/\/ocsp\.example\.com\/: --ocsp-url takes a URL starting with http:\/\/ or https:\/\/\.\n$/,
    );
  });

  // Every URL option of init_ca, import_ca/edit_ca (shared), edit_ca and sign_cert, in every spelling.
  const caUrlOptions = [
    "--crl-url",
    "--ca-url",
    "--sign-crl-full-name",
    "--ocsp-url",
    "--sign-ocsp-responder",
    "--issuer-url",
    "--sign-ca-issuer",
    "--freshest-crl-url",
    "--sign-freshest-crl",
  ];
  const ownUrlOptions = ["--ca-crl-url", "--crl-full-name", "--ca-ocsp-url", "--ocsp-responder", "--ca-issuer-url", "--ca-issuer"];
  const bad = ["ocsp.example.com", "DNS:ocsp.example.com", "ftp://files.example.com/x", "email:ca@example.com", "file:///etc/passwd"];

  it.each(ownUrlOptions.concat(caUrlOptions, ["--website", "--tos"]))("init_ca %s refuses values that are not http(s) URLs", (option) => {
    for (const value of bad) {
      const parent = ownUrlOptions.includes(option) ? ["--parent", "Root"] : [];
      const r = runTsca(t, ["init_ca", "--key-type", "EC", ...parent, option, value, "Bad", "/CN=bad.example.com"]);
      expectOneSentence(r, 2, new RegExp(`: ${option} takes a URL starting with http`));
    }
    expect(tsca(t, ["list_cas"])).not.toContain("Bad");
  });

  it.each(caUrlOptions.concat(["--website", "--tos"]))("edit_ca %s refuses values that are not http(s) URLs", (option) => {
    for (const value of bad) expectOneSentence(runTsca(t, ["edit_ca", option, value, "Root"]), 2, new RegExp(`: ${option} takes a URL`));
  });

  it.each(["--crl-full-name", "--ocsp-responder", "--ca-issuer"])("sign_cert %s refuses values that are not http(s) URLs", (option) => {
    const csr = leafCsr("www.example.com");
    for (const value of bad)
      expectOneSentence(runTsca(t, ["sign_cert", "--ca", "Root", option, value], { input: csr }), 2, new RegExp(`: ${option} takes a URL`));
    expect(tsca(t, ["list_certs"])).toBe("");
  });

  it("the CPS URL of a policy is an http(s) URL", () => {
    const r = runTsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--policy-identifier",
      "1.2.3.4",
      "--certification-practice-statement",
      "cps.example.com",
      "P",
      "/CN=p.example.com",
    ]);
    expectOneSentence(r, 2, /^Error: cps\.example\.com: --certification-practice-statement takes a URL/);
  });

  it("ldap:// is a CRL location but not an OCSP responder; the spec's forms and URI: prefixes still work", () => {
    expectOneSentence(runTsca(t, ["edit_ca", "--ocsp-url", "ldap://ldap.example.com/cn=ocsp", "Root"]), 2, /--ocsp-url takes a URL/);
    tsca(t, [
      "edit_ca",
      "--crl-url",
      "ldap://ldap.example.com/cn=Root,o=Example?certificateRevocationList",
      "--crl-url=URI:http://ca.example.com/root.crl",
      "--ocsp-url=http://ocsp.ca.example.com",
      "--sign-ca-issuer",
      "URI:https://ca.example.com/root.der",
      "--website",
      "https://ca.example.com/",
      "Root",
    ]);
    const leaf = tsca(t, ["sign_cert", "--ca", "Root"], { input: leafCsr("ldap.example.com") });
    const ext = extensionsOf(leaf);
    expect(ext.get("X509v3 CRL Distribution Points")?.value).toContain(
      "URI:ldap://ldap.example.com/cn=Root,o=Example?certificateRevocationList",
    );
    expect(ext.get("X509v3 CRL Distribution Points")?.value).toContain("URI:http://ca.example.com/root.crl");
    expect(ext.get("Authority Information Access")?.value).toContain("OCSP - URI:http://ocsp.ca.example.com");
    expect(ext.get("Authority Information Access")?.value).toContain("CA Issuers - URI:https://ca.example.com/root.der");
    expect(x509Text(leaf)).not.toMatch(/DNS:ocsp|URI:URI:/);
  });
});

describe("the database URL and the data directory", () => {
  it("TSCA_DATABASE_URL=mysql://… is refused (ERR_CONFIG) instead of creating a local SQLite file", () => {
    const t = env({ TSCA_DATABASE_URL: "mysql://tsca:secret@db.example.com/tsca" });
    const r = runTsca(t, ["list_cas"]);
    expectOneSentence(r, 1, /TSCA_DATABASE_URL.*postgres:\/\/….*sqlite:PATH or a file path\.\n$/);
    expect(r.stderr).not.toContain("secret"); // the password in the URL is not echoed
    expect(codeOf(t, ["list_cas"])).toBe("ERR_CONFIG");
    expect(readdirSync(t.home)).toEqual([]); // runTsca's working directory: no "mysql:" directory
    // postgres: without // is not PostgreSQL either, and would have been a file name too.
    const t2 = env({ TSCA_DATABASE_URL: "postgres:tsca" });
    expectOneSentence(runTsca(t2, ["list_cas"]), 1, /is not a database tsca can open/);
    expect(readdirSync(t2.home)).toEqual([]);
  });

  it("a TSCA_HOME that is a file, or below a file, is one sentence (ERR_CONFIG)", () => {
    const file = join(scratchDir, "home-is-a-file");
    writeFileSync(file, "");
    for (const home of [file, join(file, "tsca")]) {
      const t: TscaEnv = { home: scratchDir, env: { TSCA_HOME: home } };
      for (const args of [["list_cas"], ["init_ca", "--key-type", "EC", "X", "/CN=x.example.com"]]) {
        const r = runTsca(t, args);
        expectOneSentence(r, 1, /TSCA_HOME (is not a directory\.|cannot be used, because a part of its path is a file)/);
        expect(r.stderr).not.toMatch(/EEXIST|ENOTDIR/);
        expect(codeOf(t, args)).toBe("ERR_CONFIG");
      }
    }
    // The default data directory under an XDG_DATA_HOME that is a file: the same sentence.
    const t: TscaEnv = { home: scratchDir, env: { XDG_DATA_HOME: file } };
    expectOneSentence(runTsca(t, ["list_cas"]), 1, /The data directory .* cannot be used, because a part of its path is a file/);
  });
});

describe("conflicting options are refused, not decided by the last one", () => {
  let t: TscaEnv;
  beforeAll(() => {
    t = env();
    initEc(t, "--pathlen", "1", "Root", "/CN=root.example.com");
  });

  const pairs = [
    ["--pathlen=1", "--no-pathlen"],
    ["--no-pathlen", "--pathlen=1"],
    ["--path-length=1", "--no-path-length"],
    ["--no-path-length", "--path-length=1"],
    ["--pathlen=1", "--no-path-length"],
    ["--path-length=1", "--no-pathlen"],
    ["--pathlen=1", "--path-length=1"],
    ["--default-hostname=ca.example.com", "--no-default-hostname"],
  ];
  it.each(pairs)("init_ca %s %s", async (a, b) => {
    await expectRefused(t, ["init_ca", "--key-type", "EC", a, b, "Two", "/CN=two.example.com"], 2, /^Error: Give .*(not both|once)/);
  });

  it.each([
    ["init_ca", "--expires", "1", "--expires", "2"],
    ["init_ca", "--parent", "Root", "--parent", "Root"],
    ["init_ca", "--key-type", "EC", "--key-type", "RSA"],
    ["init_ca", "--pathlen=0", "--pathlen=1"],
    ["init_ca", "--website", "http://a.example.com", "--website", "http://b.example.com"],
  ])("%s with %s given twice", async (command, ...rest) => {
    const args = [command, ...rest, "Twice", "/CN=twice.example.com"];
    await expectRefused(t, args, 2, new RegExp(`^Error: ${rest[0]!.replace(/=.*/, "")} was given more than once; give it once\\.\\n$`));
  });

  it("repeated single-valued options of other commands (edit_ca, sign_cert, view_ca, dump_crl)", async () => {
    await expectRefused(t, ["edit_ca", "--name", "A", "--name", "B", "Root"], 2, /--name was given more than once/);
    await expectRefused(
      t,
      ["sign_cert", "--ca", "Root", "--ca", "Root", "--expires", "1"],
      2,
      /--ca was given more than once/,
      leafCsr("a"),
    );
    await expectRefused(
      t,
      ["sign_cert", "--ca", "Root", "--expires", "1", "--expires", "2"],
      2,
      /--expires was given more than once/,
      leafCsr("b"),
    );
    expectOneSentence(
      runTsca(t, ["view_ca", "--output-format", "json", "--output-format", "text", "Root"]),
      2,
      /--output-format was given/,
    );
    // Repeatable options stay repeatable.
    tsca(t, ["edit_ca", "--crl-url", "http://a.example.com/1.crl", "--crl-url", "http://a.example.com/2.crl", "Root"]);
  });

  it.each([
    ["--crl-url", "http://ca.example.com/crl", "--clear-crl-url"],
    ["--sign-crl-full-name", "http://ca.example.com/crl", "--clear-crl-url"],
    ["--ocsp-url", "http://ocsp.example.com", "--clear-ocsp-url"],
    ["--issuer-url", "http://ca.example.com/ca.der", "--clear-issuer-url"],
    ["--issuer-alt-name", "URI:http://ca.example.com", "--clear-issuer-alt-name"],
    ["--freshest-crl-url", "http://ca.example.com/delta.crl", "--clear-freshest-crl-url"],
    ["--website", "http://ca.example.com", "--clear-website"],
  ])("edit_ca %s … with %s", async (option, value, clear) => {
    await expectRefused(
      t,
      ["edit_ca", option, value, clear, "Root"],
      2,
      new RegExp(`^Error: Give either ${option} or ${clear}, not both\\.`),
    );
    await expectRefused(t, ["edit_ca", clear, option, value, "Root"], 2, /not both/);
  });

  it("edit_ca with nothing to change is a usage error", async () => {
    await expectRefused(t, ["edit_ca", "Root"], 2, /^Error: Nothing to change/);
  });

  it("import_ca --import-password for a key that is not encrypted (ERR_KEY_PASSWORD_UNEXPECTED)", async () => {
    const key = join(scratchDir, "import.key");
    const cert = join(scratchDir, "import.pem");
    const certPem = ossl(["req", "-x509", ...newEcKeyArgs(key), "-subj", "/CN=import.example.com", "-days", "30", ...CA_EXTENSION_ARGS]);
    writeFileSync(cert, certPem);
    const args = ["import_ca", "--import-password=secret", "Imported", key, cert];
    await expectRefused(t, args, 1, /^Error: A password was given for the private key to import, but that key is not encrypted\.\n$/);
    expect(codeOf(t, args)).toBe("ERR_KEY_PASSWORD_UNEXPECTED");
    // The same key encrypted, with its password, imports; without --import-password the plain key imports.
    const encrypted = join(scratchDir, "import-enc.key");
    ossl(["pkcs8", "-topk8", "-in", key, "-out", encrypted, "-passout", "pass:secret"]);
    const other = env();
    tsca(other, ["import_ca", "--import-password=secret", "Imported", encrypted, cert]);
    // import_ca fills in URL templates for the imported CA.
    tsca(t, ["import_ca", "--crl-url", "http://ca.example.com/{SERIAL_HEX_COLONS}.crl", "Imported", key, cert]);
    const serial = ossl(["x509", "-noout", "-serial"], certPem)
      .trim()
      .replace(/^serial=/, "");
    expect(tsca(t, ["view_ca", "Imported"])).toContain(`* CRL URL: http://ca.example.com/${serial.match(/../g)!.join(":")}.crl`);
  });

  it("unknown keys inside a configured profile are refused at load, naming the key and the profile", () => {
    const viaEnv = env({ TSCA_PROFILES: JSON.stringify({ tls: { extendedKeyUsages: ["serverAuth"] } }) });
    const r = runTsca(viaEnv, ["list_cas"]);
    expectOneSentence(r, 1, /TSCA_PROFILES.*profile "tls" has an unknown key "extendedKeyUsages"/);
    expect(codeOf(viaEnv, ["list_cas"])).toBe("ERR_CONFIG");
    const viaFile = env();
    writeFileSync(
      join(viaFile.home, "tsca.json"),
      JSON.stringify({ profiles: { webserver: { keyUsage: ["digitalSignature"], expire: 90 } } }),
    );
    expectOneSentence(runTsca(viaFile, ["list_cas"]), 1, /tsca\.json key "profiles".*profile "webserver" has an unknown key "expire"/);
  });
});

describe("invalid dotted OIDs are usage errors, not internal errors", () => {
  let t: TscaEnv;
  beforeAll(() => {
    t = env();
    initEc(t, "--pathlen", "1", "Root", "/CN=root.example.com");
  });
  const invalid = ["9.9.9", "1.40.1", "0.99", "1.2.03.4", "1", "1..2"];

  it.each(invalid)("%s as a policy, EKU, RID:, otherName or subject attribute type", (oid) => {
    const cases: [string[], string][] = [
      [["init_ca", "--key-type", "EC", "--policy-identifier", oid, "O", "/CN=o.example.com"], "ERR_INVALID_ARGUMENT"],
      [["init_ca", "--key-type", "EC", "--extended-key-usage", oid, "O", "/CN=o.example.com"], "ERR_INVALID_ARGUMENT"],
      [["init_ca", "--key-type", "EC", "--subject-alternative-name", `RID:${oid}`, "O", "/CN=o.example.com"], "ERR_INVALID_GENERAL_NAME"],
      [
        ["init_ca", "--key-type", "EC", "--subject-alternative-name", `otherName:${oid};UTF8:x`, "O", "/CN=o.example.com"],
        "ERR_INVALID_GENERAL_NAME",
      ],
      [["init_ca", "--key-type", "EC", "O", `/CN=o.example.com/${oid}=x`], "ERR_INVALID_SUBJECT"],
    ];
    for (const [args, code] of cases) {
      if (oid === "1" && code === "ERR_INVALID_SUBJECT") continue; // "1" is no dotted type at all: an unknown attribute type
      const r = runTsca(t, args);
      expectOneSentence(r, 2);
      expect(r.stderr).not.toContain("Internal error");
      expect(codeOf(t, args)).toBe(code);
    }
    const csr = leafCsr("oid.example.com");
    const r = runTsca(t, ["sign_cert", "--ca", "Root", "--policy-identifier", oid], { input: csr });
    expectOneSentence(r, 2, /Not a valid policy identifier/);
    expectOneSentence(runTsca(t, ["sign_cert", "--ca", "Root", "--extended-key-usage", oid], { input: csr }), 2, /Extended Key Usage/);
  });

  it("valid OIDs at the edges of the rules are encoded as given (openssl reads the same OIDs back)", () => {
    const serial = initEc(
      t,
      "--parent",
      "Root",
      "--policy-identifier",
      "2.999.1",
      "--extended-key-usage",
      "1.39.5",
      "--subject-alternative-name",
      "RID:0.39.1",
      "Edges",
      "/CN=edges.example.com/2.5.4.41=name",
    );
    const text = x509Text(caPem(t, serial));
    expect(text).toContain("Policy: 2.999.1");
    expect(extensionsOf(caPem(t, serial)).get("X509v3 Extended Key Usage")?.value).toBe("1.39.5");
    expect(text).toContain("Registered ID:0.39.1");
    expect(text).toMatch(/Subject: CN = edges\.example\.com, name = name/);
  });
});

describe("CA subjects", () => {
  it("a CA subject with two CNs is refused; repeated other attributes stay allowed (the spec's /L=Vienna/L=Vienna)", async () => {
    const t = env();
    for (const subject of ["/CN=a.example.com/CN=b.example.com", "CN=a.example.com,O=Example,CN=b.example.com", "/CN=a.example.com+CN=b"])
      await expectRefused(
        t,
        ["init_ca", "--key-type", "EC", "Two CNs", subject],
        2,
        /A CA subject must contain exactly one common name \(CN\), not 2\./,
      );
    const serial = initEc(t, "Vienna", "/C=AT/L=Vienna/L=Vienna/OU=A/OU=B/CN=vienna.example.com");
    expect(x509Text(caPem(t, serial))).toMatch(/Subject: C = AT, L = Vienna, L = Vienna, OU = A, OU = B, CN = vienna\.example\.com/);
  });
});

describe("URL templates are expanded as django-ca documents them, or refused", () => {
  let t: TscaEnv;
  let root: string;
  let sub: string;
  beforeAll(() => {
    t = env();
    root = initEc(
      t,
      "--pathlen",
      "1",
      "--crl-url",
      "http://ca.example.com/{SERIAL_HEX}.crl",
      "--ocsp-url",
      "URI:http://ca.example.com/{OCSP_PATH}",
      "--issuer-url",
      "http://ca.example.com/{CA_ISSUER_PATH}",
      "--freshest-crl-url",
      "http://ca.example.com/delta/{SERIAL}.crl",
      "Root",
      "/CN=root.example.com",
    );
    sub = initEc(
      t,
      "--parent",
      "Root",
      "--ca-crl-url",
      "http://ca.example.com/{CRL_PATH}",
      "--ca-issuer-url",
      "http://ca.example.com/issuer/{SIGNER_SERIAL_HEX_COLONS}.der",
      "--ca-ocsp-url",
      "http://ocsp.example.com/{SERIAL_HEX}/{SIGNER_SERIAL_HEX}",
      "--crl-url",
      "http://ca.example.com/{CRL_PATH}",
      "Sub",
      "/CN=sub.example.com",
    );
  });

  it("an intermediate's own certificate: SERIAL is the new CA, SIGNER_SERIAL and the paths its parent", () => {
    const ext = extensionsOf(caPem(t, sub));
    expect(ext.get("X509v3 CRL Distribution Points")?.value).toContain(`URI:http://ca.example.com/crl/ca/${plainSerial(root)}`);
    expect(ext.get("Authority Information Access")?.value).toContain(`CA Issuers - URI:http://ca.example.com/issuer/${root}.der`);
    expect(ext.get("Authority Information Access")?.value).toContain(
      `OCSP - URI:http://ocsp.example.com/${plainSerial(sub)}/${plainSerial(root)}`,
    );
  });

  it("what a CA signs: SERIAL, SIGNER_SERIAL and the paths are that CA", () => {
    const leaf = tsca(t, ["sign_cert", "--ca", "Root"], { input: leafCsr("www.example.com") });
    const text = x509Text(leaf);
    const ext = opensslExtensions(text);
    const hex = plainSerial(root);
    expect(ext.get("X509v3 CRL Distribution Points")?.value).toContain(`URI:http://ca.example.com/${hex}.crl`);
    expect(ext.get("X509v3 Freshest CRL")?.value).toContain(`URI:http://ca.example.com/delta/${BigInt(`0x${hex}`).toString(10)}.crl`);
    expect(ext.get("Authority Information Access")?.value).toContain(`OCSP - URI:http://ca.example.com/ocsp/${hex}/cert/`);
    expect(ext.get("Authority Information Access")?.value).toContain(`CA Issuers - URI:http://ca.example.com/issuer/${hex}.der`);
    const subLeaf = tsca(t, ["sign_cert", "--ca", "Sub"], { input: leafCsr("sub-www.example.com") });
    expect(extensionsOf(subLeaf).get("X509v3 CRL Distribution Points")?.value).toContain(
      `URI:http://ca.example.com/crl/${plainSerial(sub)}`,
    );
    expect(text + x509Text(subLeaf) + x509Text(caPem(t, sub))).not.toMatch(/[{}]/);
  });

  it("edit_ca expands them for the CA edited", () => {
    tsca(t, ["edit_ca", "--issuer-url", "http://ca.example.com/{SERIAL_HEX_COLONS}.der", "Sub"]);
    expect(tsca(t, ["view_ca", "Sub"])).toContain(`* Issuer URL: http://ca.example.com/${sub}.der`);
  });

  it("an unknown field, a stray brace, a template where none is expanded: refused at the option", async () => {
    await expectRefused(
      t,
      ["edit_ca", "--crl-url", "http://ca.example.com/{SERIAL_NUMBER}.crl", "Root"],
      2,
      /\{SERIAL_NUMBER\} is not a URL template field/,
    );
    await expectRefused(t, ["edit_ca", "--ocsp-url", "http://ca.example.com/{SERIAL_HEX", "Root"], 2, /A brace that is not part of/);
    await expectRefused(
      t,
      ["edit_ca", "--issuer-alt-name", "URI:http://ca.example.com/{SERIAL_HEX}", "Root"],
      2,
      /must not contain \{ or \}/,
    );
    await expectRefused(
      t,
      ["edit_ca", "--website", "http://ca.example.com/{SERIAL_HEX}", "Root"],
      2,
      /--website does not expand URL templates/,
    );
    await expectRefused(
      t,
      ["sign_cert", "--ca", "Root", "--crl-full-name", "http://ca.example.com/{SERIAL_HEX}.crl"],
      2,
      /--crl-full-name does not expand URL templates/,
      leafCsr("tpl.example.com"),
    );
  });
});

describe("path length", () => {
  let t: TscaEnv;
  beforeAll(() => {
    t = env();
    initEc(t, "--pathlen", "2", "Root", "/CN=root.example.com");
    initEc(t, "--parent", "Root", "--no-pathlen", "Mid", "/CN=mid.example.com");
    initEc(t, "--parent", "Mid", "--no-pathlen", "Low", "/CN=low.example.com");
  });

  it("the refusal names the CA whose limit is reached: the root, when the root is the limit", async () => {
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--parent", "Low", "Below", "/CN=below.example.com"],
      1,
      /^Error: Parent CA "Low" cannot create an intermediate CA due to path length restrictions: the path length of its ancestor "Root" \(2\) allows no further CA level/,
    );
  });

  it("a child path length larger than the parent allows is refused (not issued with an unusable pathlen)", async () => {
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--parent", "Root", "--pathlen", "2", "Wide", "/CN=wide.example.com"],
      1,
      /^Error: A path length of 2 cannot be used below parent CA "Root": its own path length \(2\) allows at most 1/,
    );
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--parent", "Mid", "--path-length", "1", "Wide", "/CN=wide.example.com"],
      1,
      /cannot be used below parent CA "Mid": the path length of its ancestor "Root" \(2\) allows at most 0/,
    );
    // What the parent allows is accepted, and openssl sees that pathlen.
    const ok = initEc(t, "--parent", "Root", "--pathlen", "1", "Narrow", "/CN=narrow.example.com");
    expect(extensionsOf(caPem(t, ok)).get("X509v3 Basic Constraints")?.value).toBe("CA:TRUE, pathlen:1");
    const zero = initEc(t, "--parent", "Mid", "--pathlen", "0", "Zero", "/CN=zero.example.com");
    expect(extensionsOf(caPem(t, zero)).get("X509v3 Basic Constraints")?.value).toBe("CA:TRUE, pathlen:0");
  });
});
