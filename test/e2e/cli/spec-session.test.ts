/**
 * spec/ca-management.txt, tried as a new user would: its shell session verbatim (with `tsca` in place of
 * `python manage.py`) and every other runnable example, in 1.x and 3.x spellings. What the CA certificates
 * contain is read back with openssl, not with tsca's own parser.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { runTsca, tsca, tscaEnv } from "../../helpers/cli.js";
import { caPem, linesOf, opensslExtensions, opensslVerify, ossl, serialPrefix, x509Text } from "../../helpers/oracles.js";

const SERIAL = /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/;

describe.each(BACKENDS)("spec: CA management (%s)", (backend) => {
  it("runs the spec's shell session verbatim (default RSA-4096 key)", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    // $ python manage.py init_ca --pathlen=2 --crl-url=… --ocsp-url=… --issuer-url=… TestCA /C=AT/L=Vienna/…
    const serial = tsca(t, [
      "init_ca",
      "--pathlen=2",
      "--crl-url=http://ca.example.com/crl",
      "--ocsp-url=http://ocsp.ca.example.com",
      "--issuer-url=http://ca.example.com/ca.crt",
      "TestCA",
      "/C=AT/L=Vienna/L=Vienna/O=Example/OU=ExampleUnit/CN=ca.example.com",
    ]).trim();
    expect(serial).toMatch(SERIAL);

    // $ python manage.py list_cas
    expect(tsca(t, ["list_cas"])).toBe(`${serial} - TestCA\n`);

    // $ python manage.py view_ca BD:5B:AB:5B:A2
    const prefix = serialPrefix(serial);
    expect(prefix).toMatch(/^([0-9A-F]{2}:){4}[0-9A-F]{2}$/);
    const view = tsca(t, ["view_ca", prefix]);
    expect(linesOf(view)).toContain("* OCSP URL: http://ocsp.ca.example.com");
    expect(linesOf(view)).toContain("* CRL URL: http://ca.example.com/crl");
    expect(linesOf(view)).toContain("* Issuer URL: http://ca.example.com/ca.crt");
    expect(linesOf(view)).toContain(`* Serial: ${serial}`);

    // $ python manage.py edit_ca --ocsp-url=http://new-ocsp.ca.example.com BD:5B:AB:5B:A2
    const edit = runTsca(t, ["edit_ca", "--ocsp-url=http://new-ocsp.ca.example.com", prefix]);
    expect(edit).toMatchObject({ code: 0, stdout: "", stderr: "" });

    // $ python manage.py view_ca BD:5B:AB:5B:A2
    const after = linesOf(tsca(t, ["view_ca", prefix]));
    expect(after).toContain("* OCSP URL: http://new-ocsp.ca.example.com");
    expect(after).not.toContain("* OCSP URL: http://ocsp.ca.example.com");
    // edit_ca replaces only what it was given.
    expect(after).toContain("* CRL URL: http://ca.example.com/crl");
    expect(after).toContain("* Issuer URL: http://ca.example.com/ca.crt");
    // ... and each value can be cleared.
    tsca(t, ["edit_ca", "--clear-crl-url", prefix]);
    const cleared = linesOf(tsca(t, ["view_ca", prefix]));
    expect(cleared.filter((l) => l.startsWith("* CRL URL:"))).toEqual([]);
    expect(cleared).toContain("* OCSP URL: http://new-ocsp.ca.example.com");

    // "you can just use the start of a serial": colons and case are ignored.
    expect(tsca(t, ["view_ca", "--output-format", "pem", prefix.replace(/:/g, "").toLowerCase()])).toBe(caPem(t, "TestCA"));

    // The certificate itself, as openssl reads it.
    const pem = caPem(t, "TestCA");
    const text = x509Text(pem);
    expect(ossl(["x509", "-noout", "-subject"], pem).trim()).toBe(
      "subject=C = AT, L = Vienna, L = Vienna, O = Example, OU = ExampleUnit, CN = ca.example.com",
    );
    expect(ossl(["x509", "-noout", "-serial"], pem).trim()).toBe(`serial=${serial.replace(/:/g, "")}`);
    expect(text).toContain("Public-Key: (4096 bit)");
    // RSA signs with SHA-256 unless told otherwise (CA/B BR §7.1.3.2.1; the spec shows no algorithm).
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    const exts = opensslExtensions(text);
    expect(exts.get("X509v3 Basic Constraints")).toEqual({ critical: true, value: "CA:TRUE, pathlen:2" });
    // --crl-url/--ocsp-url/--issuer-url are for signed certificates; a root carries none of them itself.
    expect(exts.has("X509v3 CRL Distribution Points")).toBe(false);
    expect(exts.has("Authority Information Access")).toBe(false);
    expect(opensslVerify(pem, [], pem).code).toBe(0);
  });

  it('--pathlen=2 and --no-pathlen ("unlimited number of intermediate CAs")', async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen=2", "Two", "/CN=two.example.com"]);
    tsca(t, ["init_ca", "--key-type", "EC", "--no-pathlen", "Unlimited", "/CN=unlimited.example.com"]);
    tsca(t, ["init_ca", "--key-type", "EC", "Default", "/CN=default.example.com"]);
    const bc = (ca: string): string | undefined => opensslExtensions(x509Text(caPem(t, ca))).get("X509v3 Basic Constraints")?.value;
    expect(bc("Two")).toBe("CA:TRUE, pathlen:2");
    expect(bc("Unlimited")).toBe("CA:TRUE");
    expect(bc("Default")).toBe("CA:TRUE, pathlen:0"); // secure by default
    expect(tsca(t, ["view_ca", "Unlimited"])).toContain("* Maximum levels of sub-CAs (path length): unlimited\n");
  });

  it("name constraints: permitted DNS:com and DNS:net, excluded DNS:evil.com", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--name-constraint",
      "permitted,DNS:com",
      "--name-constraint",
      "permitted,DNS:net",
      "--name-constraint",
      "excluded,DNS:evil.com",
      "Constrained",
      "/CN=constrained.example.com",
    ]);
    const nc = opensslExtensions(x509Text(caPem(t, "Constrained"))).get("X509v3 Name Constraints");
    expect(nc).toEqual({ critical: true, value: "Permitted:\nDNS:com\nDNS:net\nExcluded:\nDNS:evil.com" });
  });

  it("--ocsp-url for certificates this CA signs (spec: `init_ca --ocsp-url http://ocsp.ca.example.com/example`)", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, ["init_ca", "--key-type", "EC", "--ocsp-url", "http://ocsp.ca.example.com/example", "Example", "/CN=example.com"]);
    expect(linesOf(tsca(t, ["view_ca", "Example"]))).toContain("* OCSP URL: http://ocsp.ca.example.com/example");
  });

  it('init_ca --parent=<serial prefix> after list_cas, as in "Create intermediate CAs"', async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen=2", "Root CA", "/CN=example.com"]).trim();
    expect(tsca(t, ["list_cas"])).toBe(`${root} - Root CA\n`);
    // $ python manage.py init_ca --parent=BD:5B:AB:5B ...
    const child = tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      `--parent=${serialPrefix(root, 4)}`,
      "--pathlen=1",
      "sub1",
      "/CN=sub1.example.com",
    ]).trim();
    expect(child).toMatch(SERIAL);
    const childPem = caPem(t, child);
    expect(ossl(["x509", "-noout", "-issuer"], childPem).trim()).toBe("issuer=CN = example.com");
    expect(opensslVerify(caPem(t, root), [], childPem).code).toBe(0);
    expect(tsca(t, ["view_ca", "sub1"])).toContain(`* Parent: Root CA (${root})\n`);
  });

  it("--parent root by name, with --ca-url (alias of --crl-url) and --ca-crl-url / --ca-ocsp-url", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen=1", "root", "/CN=root.example.com"]);
    // $ python manage.py init_ca --parent root --ca-url http://ca.example.com/root.crl
    tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--parent",
      "root",
      "--ca-url",
      "http://ca.example.com/root.crl",
      "crl-child",
      "/CN=crl.example.com",
    ]);
    expect(linesOf(tsca(t, ["view_ca", "crl-child"]))).toContain("* CRL URL: http://ca.example.com/root.crl");
    expect(opensslExtensions(x509Text(caPem(t, "crl-child"))).has("X509v3 CRL Distribution Points")).toBe(false);

    // $ python manage.py init_ca --parent root --ca-ocsp-url http://ocsp.ca.example.com/root
    tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--parent",
      "root",
      "--ca-ocsp-url",
      "http://ocsp.ca.example.com/root",
      "--ca-crl-url",
      "http://ca.example.com/root.crl",
      "ocsp-child",
      "/CN=ocsp.example.com",
    ]);
    const pem = caPem(t, "ocsp-child");
    const exts = opensslExtensions(x509Text(pem));
    expect(exts.get("Authority Information Access")).toEqual({ critical: false, value: "OCSP - URI:http://ocsp.ca.example.com/root" });
    expect(exts.get("X509v3 CRL Distribution Points")).toEqual({
      critical: false,
      value: "Full Name:\nURI:http://ca.example.com/root.crl",
    });
    expect(tsca(t, ["view_ca", "ocsp-child"])).toContain("No certificate extensions for signed certificates.\n");
    expect(opensslVerify(caPem(t, "root"), [], pem).code).toBe(0);
  });

  it("accepts the 3.x spellings: --path-length, --sign-*, --permit-name/--exclude-name, --crl-full-name/--ocsp-responder/--ca-issuer, RFC 4514 subjects", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--path-length",
      "1",
      "--sign-crl-full-name",
      "http://ca.example.com/crl",
      "--sign-ocsp-responder",
      "http://ocsp.ca.example.com",
      "--sign-ca-issuer",
      "http://ca.example.com/ca.crt",
      "--permit-name",
      "DNS:example.com",
      "--exclude-name",
      "DNS:bad.example.com",
      "Modern",
      "C=AT,O=Example\\, Inc.,OU=A+OU=B,CN=modern.example.com",
    ]);
    const view = linesOf(tsca(t, ["view_ca", "Modern"]));
    expect(view).toEqual(
      expect.arrayContaining([
        "* OCSP URL: http://ocsp.ca.example.com",
        "* CRL URL: http://ca.example.com/crl",
        "* Issuer URL: http://ca.example.com/ca.crt",
      ]),
    );
    const pem = caPem(t, "Modern");
    // RFC 4514 escapes and a multi-valued RDN survive into the DER; order as written (C first).
    expect(ossl(["x509", "-noout", "-subject", "-nameopt", "oneline"], pem).trim()).toBe(
      'subject=C = AT, O = "Example, Inc.", OU = A + OU = B, CN = modern.example.com',
    );
    const exts = opensslExtensions(x509Text(pem));
    expect(exts.get("X509v3 Basic Constraints")?.value).toBe("CA:TRUE, pathlen:1");
    expect(exts.get("X509v3 Name Constraints")).toEqual({
      critical: true,
      value: "Permitted:\nDNS:example.com\nExcluded:\nDNS:bad.example.com",
    });

    tsca(t, [
      "init_ca",
      "--key-type",
      "Ed25519",
      "--parent",
      "Modern",
      "--no-path-length",
      "--crl-full-name",
      "http://ca.example.com/modern.crl",
      "--ocsp-responder",
      "http://ocsp.ca.example.com/modern",
      "--ca-issuer",
      "http://ca.example.com/modern.crt",
      "Modern child",
      "CN=child.example.com",
    ]);
    const child = caPem(t, "Modern child");
    const cexts = opensslExtensions(x509Text(child));
    expect(cexts.get("X509v3 Basic Constraints")?.value).toBe("CA:TRUE");
    expect(cexts.get("X509v3 CRL Distribution Points")?.value).toBe("Full Name:\nURI:http://ca.example.com/modern.crl");
    expect(cexts.get("Authority Information Access")?.value).toBe(
      "OCSP - URI:http://ocsp.ca.example.com/modern\nCA Issuers - URI:http://ca.example.com/modern.crt",
    );
    expect(opensslVerify(pem, [], child).code).toBe(0);
    // The child's --no-path-length does not lift the parent's limit of 1.
    expect(tsca(t, ["view_ca", "Modern child"])).toContain("* Maximum levels of sub-CAs (path length): 0\n");
  });
});

describe("spec: -h", () => {
  it("documents every option with -h", () => {
    const t = tscaEnv();
    for (const cmd of ["init_ca", "import_ca", "list_cas", "view_ca", "edit_ca", "dump_ca"]) {
      const r = runTsca(t, [cmd, "-h"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: tsca ${cmd}`);
    }
    const help = tsca(t, ["init_ca", "-h"]);
    for (const opt of [
      "--pathlen",
      "--no-pathlen",
      "--path-length",
      "--crl-url",
      "--ca-url",
      "--ocsp-url",
      "--issuer-url",
      "--ca-crl-url",
      "--ca-ocsp-url",
      "--name-constraint",
      "--parent",
      "--password",
    ])
      expect(help).toContain(opt);
  });
});
