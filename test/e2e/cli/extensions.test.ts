/**
 * What each kind of CA certificate contains, read by `openssl x509 -text` and GnuTLS `certtool -i`:
 * RFC 5280 extensions with the right criticality, signature algorithm, serial number. Name constraints
 * are also checked for their effect: openssl accepts a leaf inside the permitted subtree and refuses one
 * outside it or in an excluded subtree.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import {
  caPem,
  certtool,
  keyFile,
  opensslExtensions,
  opensslLeaf,
  opensslVerify,
  ossl,
  scratch,
  x509Text,
  type OpensslExtension,
} from "../../helpers/oracles.js";

interface Parsed {
  text: string;
  exts: Map<string, OpensslExtension>;
  pem: string;
}

function create(t: TscaEnv, name: string, args: string[]): Parsed & { serial: string } {
  const serial = tsca(t, ["init_ca", ...args, name, `/CN=${name.toLowerCase()}.example.com`]).trim();
  const pem = caPem(t, serial);
  const text = x509Text(pem);
  return { serial, pem, text, exts: opensslExtensions(text) };
}

/** The extensions every CA certificate must have (RFC 5280 §4.2.1.1-3, §4.2.1.9), with the SKI returned. */
function expectCaBasics(p: Parsed, pathlen: string, issuerSki?: string): string {
  expect(p.text).toMatch(/^\s+Version: 3 \(0x2\)$/m);
  expect(p.exts.get("X509v3 Basic Constraints")).toEqual({ critical: true, value: `CA:TRUE${pathlen}` });
  expect(p.exts.get("X509v3 Key Usage")).toEqual({ critical: true, value: "Certificate Sign, CRL Sign" });
  const ski = p.exts.get("X509v3 Subject Key Identifier");
  expect(ski?.critical).toBe(false);
  expect(ski?.value).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
  const aki = p.exts.get("X509v3 Authority Key Identifier");
  expect(aki?.critical).toBe(false);
  // openssl 3.0 prints the key identifier alone; older versions prefix it with "keyid:".
  expect(aki?.value.replace(/^keyid:/, "")).toBe(issuerSki ?? ski!.value);
  return ski!.value;
}

/** RFC 5280 §4.1.2.2: positive, at most 20 octets; tsca makes them exactly 20 octets. */
function expectSerial(p: Parsed & { serial: string }): void {
  const hex = ossl(["x509", "-noout", "-serial"], p.pem)
    .trim()
    .replace(/^serial=/, "");
  expect(hex).toBe(p.serial.replace(/:/g, ""));
  expect(hex).toHaveLength(40);
  expect(parseInt(hex.slice(0, 2), 16)).toBeLessThan(0x80); // the INTEGER is positive without a leading 00
  // The DER INTEGER itself: tag 02, length 20 (asn1parse of the TBS shows it as the second element).
  expect(ossl(["asn1parse", "-inform", "PEM"], p.pem)).toMatch(/d=2 {2}hl=2 l= {2}20 prim: INTEGER +:[0-9A-F]{40}\n/);
}

/** certtool parses it too and sees a CA. */
function expectCerttool(p: Parsed, pathlen?: number): string {
  const r = certtool(["-i", "--infile", scratch("ca.pem", p.pem)]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain("Basic Constraints (critical):");
  expect(r.stdout).toContain("Certificate Authority (CA): TRUE");
  if (pathlen !== undefined) expect(r.stdout).toContain(`Path Length Constraint: ${pathlen}`);
  expect(r.stdout).toMatch(/Key Usage \(critical\):\n\t+Certificate signing\.\n\t+CRL signing\./);
  return r.stdout;
}

const selfVerifies = (p: Parsed): void => {
  const r = opensslVerify(p.pem, [], p.pem);
  expect(r.code, r.stderr + r.stdout).toBe(0);
};

describe.each(BACKENDS)("CA certificate extensions (%s)", (backend) => {
  it("RSA: sha256WithRSAEncryption by default, --algorithm SHA-512 on request", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const p = create(t, "Rsa", ["--key-size", "2048"]);
    expect(p.text).toMatch(/^\s+Signature Algorithm: sha256WithRSAEncryption$/m);
    expect(p.text).toContain("Public-Key: (2048 bit)");
    expectCaBasics(p, ", pathlen:0");
    expectSerial(p);
    expect(expectCerttool(p, 0)).toContain("Signature Algorithm: RSA-SHA256");
    selfVerifies(p);

    const p256 = create(t, "Rsa256", ["--key-size", "2048", "--algorithm", "SHA-512"]);
    expect(p256.text).toMatch(/^\s+Signature Algorithm: sha512WithRSAEncryption$/m);
    selfVerifies(p256);
  });

  it("EC P-256 and P-384: the curve's hash by default (CA/B BR §7.1.3.2.2)", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const p256 = create(t, "P256", ["--key-type", "EC"]);
    expect(p256.text).toMatch(/^\s+Signature Algorithm: ecdsa-with-SHA256$/m);
    expect(p256.text).toContain("NIST CURVE: P-256");
    expectCaBasics(p256, ", pathlen:0");
    expectSerial(p256);
    expect(expectCerttool(p256, 0)).toContain("Curve:\tSECP256R1");
    selfVerifies(p256);

    const p384 = create(t, "P384", ["--key-type", "EC", "--elliptic-curve", "secp384r1"]);
    expect(p384.text).toMatch(/^\s+Signature Algorithm: ecdsa-with-SHA384$/m);
    expect(p384.text).toContain("NIST CURVE: P-384");
    expectCaBasics(p384, ", pathlen:0");
    expect(expectCerttool(p384, 0)).toContain("Curve:\tSECP384R1");
    selfVerifies(p384);
  });

  it("Ed25519 and Ed448: ED25519 / ED448 signatures", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const ed = create(t, "Ed", ["--key-type", "Ed25519"]);
    expect(ed.text).toMatch(/^\s+Signature Algorithm: ED25519$/m);
    expect(ed.text).toMatch(/^\s+Public Key Algorithm: ED25519$/m);
    expectCaBasics(ed, ", pathlen:0");
    expectSerial(ed);
    expect(expectCerttool(ed, 0)).toContain("Subject Public Key Algorithm: EdDSA (Ed25519)");
    selfVerifies(ed);

    const ed448 = create(t, "Ed448", ["--key-type", "Ed448", "--pathlen", "1"]);
    expect(ed448.text).toMatch(/^\s+Signature Algorithm: ED448$/m);
    expectCaBasics(ed448, ", pathlen:1");
    expect(certtool(["-i", "--infile", scratch("ed448.pem", ed448.pem)]).code).toBe(0);
    selfVerifies(ed448);
  });

  it("validity: --expires days from now; an intermediate never outlives its parent", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = create(t, "Short", ["--key-type", "EC", "--pathlen", "1", "--expires", "30"]);
    const child = create(t, "Longer", ["--key-type", "EC", "--parent", "Short", "--expires", "3650"]);
    const dates = (pem: string): [number, number] => {
      const out = ossl(["x509", "-noout", "-startdate", "-enddate"], pem);
      const get = (k: string): number => Date.parse(new RegExp(`${k}=(.*)`).exec(out)![1]!);
      return [get("notBefore"), get("notAfter")];
    };
    const [rootFrom, rootUntil] = dates(root.pem);
    expect(rootUntil - rootFrom).toBe(30 * 86_400_000 - 1000); // both ends count (RFC 5280 §4.1.2.5)
    expect(Math.abs(rootFrom - Date.now())).toBeLessThan(5 * 60_000);
    expect(dates(child.pem)[1]).toBe(rootUntil);
    expect(opensslVerify(root.pem, [], child.pem, ["-attime", String(Math.floor(rootUntil / 1000) - 60)]).code).toBe(0);
  });

  it("--no-pathlen: CA:TRUE without a path length", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const p = create(t, "Open", ["--key-type", "EC", "--no-pathlen"]);
    expectCaBasics(p, "");
    const out = expectCerttool(p);
    expect(out).not.toContain("Path Length Constraint");
  });

  it("name constraints (DNS, IP networks, e-mail; permitted and excluded) are critical and enforced by openssl", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const p = create(t, "Constrained", [
      "--key-type",
      "EC",
      "--name-constraint",
      "permitted,DNS:example.com",
      "--name-constraint",
      "permitted,IP:10.0.0.0/8",
      "--name-constraint",
      "permitted,IP:2001:db8::/32",
      "--name-constraint",
      "permitted,email:example.com",
      "--name-constraint",
      "excluded,DNS:evil.example.com",
      "--name-constraint",
      "excluded,IP:10.66.0.0/16",
    ]);
    expectCaBasics(p, ", pathlen:0");
    expect(p.exts.get("X509v3 Name Constraints")).toEqual({
      critical: true,
      value: [
        "Permitted:",
        "DNS:example.com",
        "IP:10.0.0.0/255.0.0.0",
        "IP:2001:DB8:0:0:0:0:0:0/FFFF:FFFF:0:0:0:0:0:0",
        "email:example.com",
        "Excluded:",
        "DNS:evil.example.com",
        "IP:10.66.0.0/255.255.0.0",
      ].join("\n"),
    });
    const ct = expectCerttool(p);
    expect(ct).toContain("Name Constraints (critical):");
    expect(ct).toMatch(/Permitted:\n\t+DNSname: example\.com\n\t+IPAddress: 10\.0\.0\.0\/8\n/);

    const key = keyFile(t, p.serial);
    const leaf = (cn: string, san: string): number => opensslVerify(p.pem, [], opensslLeaf(p.pem, key, cn, { san }).pem).code;
    expect(leaf("www.example.com", "DNS:www.example.com,IP:10.1.2.3,email:a@example.com")).toBe(0);
    expect(leaf("www.example.com", "IP:2001:db8::1")).toBe(0);
    expect(leaf("www.example.net", "DNS:www.example.net")).not.toBe(0); // outside permitted
    expect(leaf("x.evil.example.com", "DNS:x.evil.example.com")).not.toBe(0); // excluded
    expect(leaf("www.example.com", "IP:10.66.1.1")).not.toBe(0); // excluded network
    expect(leaf("www.example.com", "IP:192.168.1.1")).not.toBe(0); // outside permitted networks
    expect(leaf("www.example.com", "email:a@example.org")).not.toBe(0);
  });

  it("an intermediate with CRL/OCSP/issuer URLs: non-critical CRL DP and AIA, AKI = parent SKI; certtool verifies the chain", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = create(t, "Root", ["--key-type", "EC", "--pathlen", "1"]);
    const rootSki = expectCaBasics(root, ", pathlen:1");
    const sub = create(t, "Sub", [
      "--key-type",
      "EC",
      "--elliptic-curve",
      "secp384r1",
      "--parent",
      "Root",
      "--ca-crl-url",
      "http://ca.example.com/root.crl",
      "--ca-ocsp-url",
      "http://ocsp.example.com/root",
      "--ca-issuer-url",
      "http://ca.example.com/root.crt",
    ]);
    const subSki = expectCaBasics(sub, ", pathlen:0", rootSki);
    expect(subSki).not.toBe(rootSki);
    expect(sub.exts.get("X509v3 CRL Distribution Points")).toEqual({
      critical: false,
      value: "Full Name:\nURI:http://ca.example.com/root.crl",
    });
    expect(sub.exts.get("Authority Information Access")).toEqual({
      critical: false,
      value: "OCSP - URI:http://ocsp.example.com/root\nCA Issuers - URI:http://ca.example.com/root.crt",
    });
    // Signed by the parent with the parent's hash (P-256: SHA-256) over a P-384 key.
    expect(sub.text).toMatch(/^\s+Signature Algorithm: ecdsa-with-SHA256$/m);
    expect(ossl(["x509", "-noout", "-issuer"], sub.pem).trim()).toBe("issuer=CN = root.example.com");
    expectSerial(sub);

    const chain = certtool(["--verify-chain", "--infile", scratch("chain.pem", sub.pem + root.pem)]);
    expect(chain.stdout).toContain("Chain verification output: Verified.");
    expect(chain.code).toBe(0);
    const anchored = certtool([
      "--verify",
      "--load-ca-certificate",
      scratch("root.pem", root.pem),
      "--infile",
      scratch("sub.pem", sub.pem),
    ]);
    expect(anchored.stdout).toContain("Chain verification output: Verified.");
    // certtool really checks: the intermediate alone against another root fails.
    const other = create(t, "Other", ["--key-type", "EC"]);
    const wrong = certtool(["--verify", "--load-ca-certificate", scratch("other.pem", other.pem), "--infile", scratch("sub.pem", sub.pem)]);
    expect(wrong.stdout).not.toContain("Chain verification output: Verified.");
    expect(opensslVerify(root.pem, [], sub.pem).code).toBe(0);

    // An RSA child of an Ed25519 root: the parent's algorithm signs.
    create(t, "EdRoot", ["--key-type", "Ed25519", "--pathlen", "1"]);
    const rsaChild = create(t, "RsaChild", ["--key-size", "2048", "--parent", "EdRoot"]);
    expect(rsaChild.text).toMatch(/^\s+Signature Algorithm: ED25519$/m);
    expect(rsaChild.text).toContain("Public-Key: (2048 bit)");
    expect(opensslVerify(caPem(t, "EdRoot"), [], rsaChild.pem).code).toBe(0);
  });

  it("policies, inhibitAnyPolicy, policy constraints, extended and custom key usage appear as asked", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const p = create(t, "Policies", [
      "--key-type",
      "EC",
      "--policy-identifier",
      "1.2.3.4",
      "--certification-practice-statement",
      "https://x",
      "--user-notice",
      "hi",
      "--policy-identifier",
      "anyPolicy",
      "--inhibit-any-policy",
      "1",
      "--require-explicit-policy",
      "0",
      "--inhibit-policy-mapping",
      "2",
      "--extended-key-usage",
      "serverAuth,clientAuth",
      "--extended-key-usage",
      "OCSPSigning",
      "--key-usage",
      "keyCertSign,cRLSign,digitalSignature",
      "--subject-alternative-name",
      "DNS:policies.example.com",
    ]);
    expect(p.exts.get("X509v3 Certificate Policies")).toEqual({
      critical: false,
      value: "Policy: 1.2.3.4\nCPS: https://x\nUser Notice:\nExplicit Text: hi\nPolicy: X509v3 Any Policy",
    });
    expect(p.exts.get("X509v3 Inhibit Any Policy")).toEqual({ critical: true, value: "1" });
    expect(p.exts.get("X509v3 Policy Constraints")).toEqual({
      critical: true,
      value: "Require Explicit Policy:0, Inhibit Policy Mapping:2",
    });
    expect(p.exts.get("X509v3 Extended Key Usage")).toEqual({
      critical: false,
      value: "TLS Web Server Authentication, TLS Web Client Authentication, OCSP Signing",
    });
    expect(p.exts.get("X509v3 Key Usage")).toEqual({ critical: true, value: "Digital Signature, Certificate Sign, CRL Sign" });
    expect(p.exts.get("X509v3 Subject Alternative Name")).toEqual({ critical: false, value: "DNS:policies.example.com" });
    const ct = certtool(["-i", "--infile", scratch("p.pem", p.pem)]);
    expect(ct.code).toBe(0);
    expect(ct.stdout).toContain("Certificate Policies (not critical):");
    expect(ct.stdout).toMatch(/\t+1\.2\.3\.4\n\t+URI: https:\/\/x\n\t+Note: hi\n\t+2\.5\.29\.32\.0 \(anyPolicy\)\n/);
    expect(ct.stdout).toContain("Inhibit anyPolicy skip certs: 1 (critical)");
    expect(ct.stdout).toMatch(/Key Purpose \(not critical\):\n\t+TLS WWW Server\.\n\t+TLS WWW Client\.\n\t+OCSP signing\./);

    const critical = create(t, "CriticalEku", [
      "--key-type",
      "EC",
      "--extended-key-usage",
      "1.2.3.4.5",
      "--extended-key-usage-critical",
      "--key-usage-non-critical",
    ]);
    expect(critical.exts.get("X509v3 Extended Key Usage")).toEqual({ critical: true, value: "1.2.3.4.5" });
    expect(critical.exts.get("X509v3 Key Usage")).toEqual({ critical: false, value: "Certificate Sign, CRL Sign" });
  });
});
