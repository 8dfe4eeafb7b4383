/**
 * sign_cert as a verifier sees the result (issue 3, "Evidence"): CSRs made by `openssl req` (RSA-2048,
 * EC P-256, Ed25519) signed by a root and by an intermediate CA of every CA key type pass
 * `openssl verify -x509_strict` and GnuTLS `certtool --verify` with the chain; `openssl x509 -text` shows
 * the profile's key usage / EKU fitted to the key type, the signing CA's URLs, the CN/SAN rules, and
 * every extension option with the criticality asked for.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { openssl, runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { caPem, certtool, opensslExtensions, opensslVerify, ossl, scratch, x509Text } from "../../helpers/oracles.js";
import {
  colonSerial,
  expectCertRefused,
  makeCsr,
  opensslDates,
  opensslSerial,
  opensslSubject,
  pemBlocks,
  type Csr,
  type CsrKey,
} from "../../helpers/certs.js";

const CA_TYPES = [
  { type: "RSA", args: ["--key-type", "RSA", "--key-size", "2048"], sigalg: "sha256WithRSAEncryption" },
  { type: "EC", args: ["--key-type", "EC"], sigalg: "ecdsa-with-SHA256" },
  { type: "Ed25519", args: ["--key-type", "Ed25519"], sigalg: "ED25519" },
  { type: "Ed448", args: ["--key-type", "Ed448"], sigalg: "ED448" },
] as const;

/** Key usage of the default (webserver) profile as openssl prints it, per key type of the certificate. */
const WEBSERVER_KU: Record<CsrKey, string> = {
  rsa: "Digital Signature, Key Encipherment",
  ec: "Digital Signature, Key Agreement",
  ed25519: "Digital Signature",
};

// One CSR per key type, made once by openssl for the whole file (no SAN: the CN must become one).
let csrCache: Record<CsrKey, Csr> | undefined;
const csrs = (): Record<CsrKey, Csr> =>
  (csrCache ??= {
    rsa: makeCsr("rsa", "/CN=rsa.example.com/O=Example"),
    ec: makeCsr("ec", "/CN=ec.example.com/O=Example"),
    ed25519: makeCsr("ed25519", "/CN=ed25519.example.com/O=Example"),
  });

/** The key identifier openssl computes for a CSR's key (`subjectKeyIdentifier=hash` of a self-signed certificate). */
const skiCache = new Map<CsrKey, string>();
function opensslSki(kind: CsrKey): string {
  if (!skiCache.has(kind)) {
    const selfSigned = ossl([
      "req",
      "-x509",
      "-key",
      csrs()[kind].key,
      "-subj",
      "/CN=ski",
      "-days",
      "1",
      "-addext",
      "subjectKeyIdentifier=hash",
    ]);
    skiCache.set(kind, ossl(["x509", "-noout", "-ext", "subjectKeyIdentifier"], selfSigned).split("\n")[1]!.trim());
  }
  return skiCache.get(kind)!;
}

const ext = (pem: string, name: string) => opensslExtensions(x509Text(pem)).get(name);

function expectVerifies(root: string, untrusted: string[], leaf: string): void {
  const r = opensslVerify(root, untrusted, leaf);
  expect(r.stdout + r.stderr).toMatch(/: OK\n/);
  expect(r.code).toBe(0);
  // GnuTLS agrees (a second, independent path validation).
  const chain = scratch("chain.pem", leaf + untrusted.join(""));
  const g = certtool(["--verify", "--load-ca-certificate", scratch("root.pem", root), "--infile", chain]);
  expect(g.stdout + g.stderr).toMatch(/Chain verification output: Verified\./);
  expect(g.code, g.stdout + g.stderr).toBe(0);
}

function sign(t: TscaEnv, args: string[], input?: string | Buffer): string {
  return tsca(t, ["sign_cert", ...args], input !== undefined ? { input } : {});
}

describe.each(BACKENDS)("sign_cert: CSRs of every key type under CAs of every key type (%s)", (backend) => {
  it.each(CA_TYPES)(
    "$type root and $type intermediate sign RSA, EC and Ed25519 CSRs that openssl and certtool verify",
    async ({ type, args, sigalg }) => {
      const t = tscaEnv(await freshDatabaseUrl(backend));
      const root = tsca(t, [
        "init_ca",
        ...args,
        "--pathlen",
        "1",
        "--crl-url",
        `http://crl.example.com/${type}-root.crl`,
        "--ocsp-url",
        `http://ocsp.example.com/${type}-root`,
        "--issuer-url",
        `http://ca.example.com/${type}-root.der`,
        `Root ${type}`,
        `/CN=root-${type.toLowerCase()}.example.com`,
      ]).trim();
      const int = tsca(t, [
        "init_ca",
        ...args,
        "--parent",
        root,
        "--crl-url",
        `http://crl.example.com/${type}-int.crl`,
        "--ocsp-url",
        `http://ocsp.example.com/${type}-int`,
        "--issuer-url",
        `http://ca.example.com/${type}-int.der`,
        `Int ${type}`,
        `/CN=int-${type.toLowerCase()}.example.com`,
      ]).trim();
      const rootPem = caPem(t, root);
      const intPem = caPem(t, int);
      const caSki = {
        root: ext(rootPem, "X509v3 Subject Key Identifier")!.value,
        int: ext(intPem, "X509v3 Subject Key Identifier")!.value,
      };

      for (const [which, ca, untrusted] of [
        ["root", root, []],
        ["int", int, [intPem]],
      ] as const) {
        for (const kind of ["rsa", "ec", "ed25519"] as const) {
          const csr = csrs()[kind];
          const pem = sign(t, ["--csr", csr.path, "--ca", ca]);
          expectVerifies(rootPem, [...untrusted], pem);
          const text = x509Text(pem);
          const exts = opensslExtensions(text);
          expect(text).toMatch(new RegExp(`^\\s+Signature Algorithm: ${sigalg}$`, "m"));
          expect(opensslSubject(pem)).toBe(`O=Example,CN=${kind}.example.com`);
          expect(exts.get("X509v3 Basic Constraints")).toEqual({ critical: true, value: "CA:FALSE" });
          expect(exts.get("X509v3 Key Usage")).toEqual({ critical: true, value: WEBSERVER_KU[kind] });
          expect(exts.get("X509v3 Extended Key Usage")).toEqual({ critical: false, value: "TLS Web Server Authentication" });
          expect(exts.get("X509v3 Subject Alternative Name")).toEqual({ critical: false, value: `DNS:${kind}.example.com` });
          expect(exts.get("X509v3 Authority Key Identifier")?.value.replace(/^keyid:/, "")).toBe(caSki[which]);
          // SKI is the SHA-1 of the subject public key bits (RFC 5280 §4.2.1.2 (1)), as openssl computes it.
          expect(exts.get("X509v3 Subject Key Identifier")).toEqual({ critical: false, value: opensslSki(kind) });
          const name = which === "root" ? `${type}-root` : `${type}-int`;
          expect(exts.get("X509v3 CRL Distribution Points")).toEqual({
            critical: false,
            value: `Full Name:\nURI:http://crl.example.com/${name}.crl`,
          });
          expect(exts.get("Authority Information Access")).toEqual({
            critical: false,
            value: `OCSP - URI:http://ocsp.example.com/${name}\nCA Issuers - URI:http://ca.example.com/${name}.der`,
          });
        }
      }
      // The check above really used the chain: without the intermediate nothing verifies.
      const lone = sign(t, ["--csr", csrs().ec.path, "--ca", int]);
      expect(opensslVerify(rootPem, [], lone).code).not.toBe(0);
      // ... and a root of another installation is not trusted.
      const other = tscaEnv(await freshDatabaseUrl(backend));
      const otherRoot = caPem(
        other,
        tsca(other, ["init_ca", "--key-type", "EC", "Other", `/CN=root-${type.toLowerCase()}.example.com`]).trim(),
      );
      expect(opensslVerify(otherRoot, [intPem], lone).code).not.toBe(0);
      // Stored: 6 + 1 certificates, all listed.
      expect(tsca(t, ["list_certs"]).trim().split("\n")).toHaveLength(7);
    },
  );
});

/** Key usage / EKU of each built-in profile as openssl prints them, for an RSA and an EC certificate key. */
const PROFILES: Record<string, { rsa: string; ec: string; eku: string }> = {
  client: { rsa: "Digital Signature", ec: "Digital Signature", eku: "TLS Web Client Authentication" },
  server: {
    rsa: "Digital Signature, Key Encipherment",
    ec: "Digital Signature, Key Agreement",
    eku: "TLS Web Client Authentication, TLS Web Server Authentication",
  },
  webserver: { rsa: "Digital Signature, Key Encipherment", ec: "Digital Signature, Key Agreement", eku: "TLS Web Server Authentication" },
  enduser: { rsa: "Digital Signature, Key Encipherment", ec: "Digital Signature", eku: "TLS Web Client Authentication, E-mail Protection" },
  ocsp: { rsa: "Digital Signature", ec: "Digital Signature", eku: "OCSP Signing" },
};

function ecRoot(t: TscaEnv, name = "Root", extra: string[] = []): string {
  return tsca(t, ["init_ca", "--key-type", "EC", ...extra, name, `/CN=${name.toLowerCase().replace(/\s/g, "-")}.example.com`]).trim();
}

describe.each(BACKENDS)("sign_cert options (%s)", (backend) => {
  it("profiles: --client … --ocsp and --profile NAME give the profile's key usage (fitted to the key type) and EKU", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = ecRoot(t, "Root", ["--ocsp-url", "http://ocsp.example.com/", "--issuer-url", "http://ca.example.com/root.der"]);
    for (const [profile, want] of Object.entries(PROFILES)) {
      for (const [kind, args] of [
        ["rsa", ["--profile", profile]],
        ["ec", [`--${profile}`]],
      ] as const) {
        const pem = sign(t, ["--csr", csrs()[kind].path, "--ca", root, ...args]);
        const exts = opensslExtensions(x509Text(pem));
        expect(exts.get("X509v3 Key Usage"), `${profile} ${kind}`).toEqual({ critical: true, value: want[kind] });
        expect(exts.get("X509v3 Extended Key Usage"), `${profile} ${kind}`).toEqual({ critical: false, value: want.eku });
        // The OCSP responder profile carries id-pkix-ocsp-nocheck and no AIA (RFC 6960 §4.2.2.2.1, CA/B BR §7.1.2.8).
        expect(exts.has("OCSP No Check"), profile).toBe(profile === "ocsp");
        expect(exts.get("Authority Information Access")?.value).toBe(
          profile === "ocsp" ? undefined : "OCSP - URI:http://ocsp.example.com/\nCA Issuers - URI:http://ca.example.com/root.der",
        );
      }
    }
    // The default is webserver; two profiles at once is a usage error.
    expect(ext(sign(t, ["--csr", csrs().ec.path, "--ca", root]), "X509v3 Extended Key Usage")?.value).toBe("TLS Web Server Authentication");
    await expectCertRefused(t, ["sign_cert", "--csr", csrs().ec.path, "--ca", root, "--client", "--server"], 2, /Choose one profile/);
    // The profile is recorded.
    const json = JSON.parse(sign(t, ["--csr", csrs().ec.path, "--ca", root, "--enduser", "--output-format", "json"])) as {
      profile: string;
    };
    expect(json.profile).toBe("enduser");
  });

  it("custom profiles and the default profile come from configuration", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend), {
      TSCA_PROFILES: JSON.stringify({
        mail: { keyUsage: ["digitalSignature", "keyEncipherment"], extendedKeyUsage: ["emailProtection"], expires: 30 },
      }),
      TSCA_DEFAULT_PROFILE: "client",
    });
    const root = ecRoot(t);
    const byDefault = sign(t, ["--csr", csrs().rsa.path, "--ca", root]);
    expect(ext(byDefault, "X509v3 Extended Key Usage")?.value).toBe("TLS Web Client Authentication");
    const mail = sign(t, ["--csr", csrs().rsa.path, "--ca", root, "--profile", "mail"]);
    expect(ext(mail, "X509v3 Extended Key Usage")?.value).toBe("E-mail Protection");
    expect(ext(mail, "X509v3 Key Usage")).toEqual({ critical: true, value: "Digital Signature, Key Encipherment" });
    const d = opensslDates(mail);
    expect((d.notAfter.getTime() - d.notBefore.getTime() + 1000) / 86_400_000).toBe(30); // both ends count (RFC 5280 §4.1.2.5)
  });

  it("--key-usage and --extended-key-usage replace the profile's; lint refuses usages that do not fit the key", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = ecRoot(t);
    const pem = sign(t, [
      "--csr",
      csrs().ec.path,
      "--ca",
      root,
      "--key-usage",
      "digitalSignature,keyAgreement",
      "--key-usage-non-critical",
      "--extended-key-usage",
      "clientAuth",
      "--extended-key-usage",
      "1.3.6.1.5.5.7.3.8",
      "--extended-key-usage-critical",
    ]);
    expect(ext(pem, "X509v3 Key Usage")).toEqual({ critical: false, value: "Digital Signature, Key Agreement" });
    expect(ext(pem, "X509v3 Extended Key Usage")).toEqual({ critical: true, value: "TLS Web Client Authentication, Time Stamping" });
    // keyAgreement with an RSA key, keyEncipherment with an EC key, keyCertSign in an end entity: refused by lint.
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", csrs().rsa.path, "--ca", root, "--key-usage", "digitalSignature,keyAgreement"],
      1,
      /^Error: Refused by lint: keyAgreement does not fit a RSA key \(key_usage_key_type, RFC 8813 §3/,
    );
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", csrs().ec.path, "--ca", root, "--key-usage", "keyEncipherment"],
      1,
      /keyEncipherment does not fit a EC key/,
    );
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", csrs().ec.path, "--ca", root, "--key-usage", "digitalSignature,keyCertSign"],
      1,
      /keyCertSign must not be set when cA is not asserted \(key_usage_no_cert_sign, RFC 5280 §4\.2\.1\.3\)/,
    );
  });

  it("adds the CA's CRL, OCSP, issuer URLs and IAN; edit_ca changes what later certificates get", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = ecRoot(t, "Root", [
      "--crl-url",
      "http://crl.example.com/a.crl",
      "--crl-url",
      "http://crl2.example.com/a.crl",
      "--ocsp-url",
      "http://ocsp.example.com/a",
      "--issuer-url",
      "http://ca.example.com/a.der",
      "--issuer-alt-name",
      "URI:https://ca.example.com/",
    ]);
    const before = sign(t, ["--csr", csrs().ec.path, "--ca", root]);
    expect(ext(before, "X509v3 CRL Distribution Points")?.value).toBe(
      "Full Name:\nURI:http://crl.example.com/a.crl\nURI:http://crl2.example.com/a.crl",
    );
    expect(ext(before, "Authority Information Access")?.value).toBe(
      "OCSP - URI:http://ocsp.example.com/a\nCA Issuers - URI:http://ca.example.com/a.der",
    );
    expect(ext(before, "X509v3 Issuer Alternative Name")).toEqual({ critical: false, value: "URI:https://ca.example.com/" });

    tsca(t, [
      "edit_ca",
      root,
      "--crl-url",
      "http://crl.example.com/b.crl",
      "--clear-ocsp-url",
      "--issuer-url",
      "http://ca.example.com/b.der",
      "--clear-issuer-alt-name",
    ]);
    const after = sign(t, ["--csr", csrs().ec.path, "--ca", root]);
    expect(ext(after, "X509v3 CRL Distribution Points")?.value).toBe("Full Name:\nURI:http://crl.example.com/b.crl");
    expect(ext(after, "Authority Information Access")?.value).toBe("CA Issuers - URI:http://ca.example.com/b.der");
    expect(ext(after, "X509v3 Issuer Alternative Name")).toBeUndefined();

    tsca(t, ["edit_ca", root, "--clear-crl-url", "--clear-issuer-url"]);
    const bare = opensslExtensions(x509Text(sign(t, ["--csr", csrs().ec.path, "--ca", root])));
    expect([...bare.keys()]).toEqual([
      "X509v3 Basic Constraints",
      "X509v3 Key Usage",
      "X509v3 Extended Key Usage",
      "X509v3 Subject Key Identifier",
      "X509v3 Authority Key Identifier",
      "X509v3 Subject Alternative Name",
    ]);
  });

  it("every extension option appears as asked, non-critical and critical (openssl and certtool)", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = ecRoot(t, "Root", [
      "--crl-url",
      "http://crl.example.com/ca.crl",
      "--ocsp-url",
      "http://ocsp.example.com/",
      "--issuer-url",
      "http://ca.example.com/ca.der",
      "--issuer-alt-name",
      "URI:https://ca.example.com/",
    ]);
    const options = [
      "--tls-feature",
      "status_request",
      "--ocsp-no-check",
      "--policy-identifier",
      "1.3.6.1.4.1.99999.1",
      "--certification-practice-statement",
      "https://cps.example.com/",
      "--user-notice",
      "Relying parties beware",
      "--policy-identifier",
      "2.23.140.1.2.1",
      "--crl-full-name",
      "http://crl.example.net/override.crl",
      "--ocsp-responder",
      "http://ocsp.example.net/",
      "--ca-issuer",
      "http://ca.example.net/ca.der",
      "--issuer-alternative-name",
      "email:ca@example.net",
    ];
    const plain = opensslExtensions(x509Text(sign(t, ["--csr", csrs().ec.path, "--ca", root, ...options])));
    expect(plain.get("TLS Feature")).toEqual({ critical: false, value: "status_request" });
    expect(plain.get("OCSP No Check")).toEqual({ critical: false, value: "" });
    expect(plain.get("X509v3 Certificate Policies")).toEqual({
      critical: false,
      value:
        "Policy: 1.3.6.1.4.1.99999.1\nCPS: https://cps.example.com/\nUser Notice:\nExplicit Text: Relying parties beware\nPolicy: 2.23.140.1.2.1",
    });
    // The overrides replace the CA's URLs and IAN instead of adding to them.
    expect(plain.get("X509v3 CRL Distribution Points")).toEqual({
      critical: false,
      value: "Full Name:\nURI:http://crl.example.net/override.crl",
    });
    expect(plain.get("Authority Information Access")).toEqual({
      critical: false,
      value: "OCSP - URI:http://ocsp.example.net/\nCA Issuers - URI:http://ca.example.net/ca.der",
    });
    expect(plain.get("X509v3 Issuer Alternative Name")).toEqual({ critical: false, value: "email:ca@example.net" });
    expect(plain.get("X509v3 Subject Alternative Name")?.critical).toBe(false);

    const critical = [
      "--tls-feature-critical",
      "--ocsp-no-check-critical",
      "--certificate-policies-critical",
      "--crl-distribution-points-critical",
      "--subject-alternative-name-critical",
      "--extended-key-usage-critical",
    ];
    const pem = sign(t, ["--csr", csrs().ec.path, "--ca", root, ...options, ...critical]);
    const crit = opensslExtensions(x509Text(pem));
    for (const name of [
      "TLS Feature",
      "OCSP No Check",
      "X509v3 Certificate Policies",
      "X509v3 CRL Distribution Points",
      "X509v3 Subject Alternative Name",
      "X509v3 Extended Key Usage",
    ])
      expect(crit.get(name)?.critical, name).toBe(true);
    // AIA and IAN have no criticality flag (AIA MUST be non-critical, RFC 5280 §4.2.2.1).
    expect(crit.get("Authority Information Access")?.critical).toBe(false);

    // GnuTLS reads the same: must-staple, the policy qualifiers, criticality.
    const g = certtool(["-i", "--infile", scratch("cert.pem", pem)]);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toMatch(/TLS Features \(critical\):\n\t+OCSP Status Request\(5\)/);
    expect(g.stdout).toMatch(
      /Certificate Policies \(critical\):\n\t+1\.3\.6\.1\.4\.1\.99999\.1\n\t+URI: https:\/\/cps\.example\.com\/\n\t+Note: Relying parties beware\n\t+2\.23\.140\.1\.2\.1/,
    );
    expect(g.stdout).toMatch(/Unknown extension 1\.3\.6\.1\.5\.5\.7\.48\.1\.5 \(critical\):[\s\S]*?Hexdump: 0500/);
    expect(g.stdout).toMatch(/Issuer Alternative Name \(not critical\):\n\t+RFC822Name: ca@example\.net/);
    // anyPolicy is for CAs only.
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", csrs().ec.path, "--ca", root, "--policy-identifier", "anyPolicy"],
      2,
      /anyPolicy is not allowed in end-entity certificates/,
    );
  });

  it("CN and SAN rules: host-name CN added to the SANs, first SAN becomes the CN, --subject and --alt override the CSR", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = ecRoot(t);
    const s = (csr: Csr, ...args: string[]): { subject: string; san: string | undefined } => {
      const pem = sign(t, ["--csr", csr.path, "--ca", root, ...args]);
      return { subject: opensslSubject(pem), san: ext(pem, "X509v3 Subject Alternative Name")?.value };
    };
    // CN plus requested SANs: the CN comes first, once.
    const withSans = makeCsr("ec", "/CN=www.example.com", { addext: ["subjectAltName=DNS:example.com,DNS:www.example.com,IP:192.0.2.1"] });
    expect(s(withSans)).toEqual({ subject: "CN=www.example.com", san: "DNS:example.com, DNS:www.example.com, IP Address:192.0.2.1" });
    const cnNotInSans = makeCsr("ec", "/CN=www.example.com", { addext: ["subjectAltName=DNS:example.com"] });
    expect(s(cnNotInSans)).toEqual({ subject: "CN=www.example.com", san: "DNS:www.example.com, DNS:example.com" });
    // No CN: the first SAN becomes the CN (appended as the last RDN; RFC 2253 output lists it first).
    const noCn = makeCsr("ec", "/O=Example", { addext: ["subjectAltName=DNS:first.example.com,DNS:second.example.com"] });
    expect(s(noCn)).toEqual({ subject: "CN=first.example.com,O=Example", san: "DNS:first.example.com, DNS:second.example.com" });
    // (An e-mail name alone makes no server certificate, so these two are client certificates.)
    const emptySubject = makeCsr("ec", "/", { addext: ["subjectAltName=email:alice@example.com"] });
    expect(s(emptySubject, "--client")).toEqual({ subject: "CN=alice@example.com", san: "email:alice@example.com" });
    // An IP address CN becomes an IP SAN; a person's name is not a host name and stays out of the SANs.
    expect(s(makeCsr("ec", "/CN=192.0.2.7"))).toEqual({ subject: "CN=192.0.2.7", san: "IP Address:192.0.2.7" });
    expect(s(makeCsr("ec", "/CN=Alice Example"), "--client", "--alt", "email:alice@example.com")).toEqual({
      subject: "CN=Alice Example",
      san: "email:alice@example.com",
    });
    // --subject (both syntaxes) and --alt/--name/--subject-alternative-name replace the CSR's.
    expect(s(withSans, "--subject", "/C=AT/O=Example/CN=override.example.com")).toEqual({
      subject: "CN=override.example.com,O=Example,C=AT",
      san: "DNS:override.example.com, DNS:example.com, DNS:www.example.com, IP Address:192.0.2.1",
    });
    expect(
      s(
        withSans,
        "--subject",
        "C=AT,O=Example,CN=rfc.example.com",
        "--alt",
        "DNS:a.example.net",
        "--name",
        "b.example.net",
        "--subject-alternative-name",
        "URI:https://c.example.net/",
      ),
    ).toEqual({
      subject: "CN=rfc.example.com,O=Example,C=AT",
      san: "DNS:rfc.example.com, DNS:a.example.net, DNS:b.example.net, URI:https://c.example.net/",
    });
  });

  it("CSR from stdin (PEM and DER), --expires, output formats, --bundle, --out and --watch", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = ecRoot(t, "Root", ["--pathlen", "1"]);
    const int = tsca(t, ["init_ca", "--key-type", "Ed25519", "--parent", root, "Int", "/CN=int.example.com"]).trim();
    const rootPem = caPem(t, root);
    const intPem = caPem(t, int);
    const csr = csrs().ed25519;

    const fromPem = sign(t, ["--ca", int], csr.pem);
    const d = opensslDates(fromPem);
    expect((d.notAfter.getTime() - d.notBefore.getTime() + 1000) / 86_400_000).toBe(100); // default 100 days, both ends counted
    expect(Math.abs(d.notBefore.getTime() - Date.now())).toBeLessThan(120_000);
    const derCsr = openssl(["req", "-outform", "DER"], csr.pem).stdoutBytes;
    expect(derCsr[0]).toBe(0x30);
    const fromDer = sign(t, ["--ca", int, "--csr", "-", "--expires", "30"], derCsr);
    const d30 = opensslDates(fromDer);
    expect((d30.notAfter.getTime() - d30.notBefore.getTime() + 1000) / 86_400_000).toBe(30);

    // DER output is the same certificate as openssl sees it.
    const derOut = runTsca(t, ["sign_cert", "--csr", csr.path, "--ca", int, "--output-format", "der"]);
    expect(derOut.code).toBe(0);
    expect(derOut.stdoutBytes[0]).toBe(0x30);
    const asPem = ossl(["x509", "-inform", "DER"], derOut.stdoutBytes);
    expectVerifies(rootPem, [intPem], asPem);

    // --bundle: leaf, intermediate, root — exactly what openssl needs.
    const bundle = sign(t, ["--csr", csr.path, "--ca", int, "--bundle"]);
    const blocks = pemBlocks(bundle);
    expect(blocks).toHaveLength(3);
    expect(blocks.slice(1)).toEqual([intPem, rootPem]);
    expectVerifies(blocks[2]!, [blocks[1]!], blocks[0]!);

    // --out writes the file; nothing on stdout.
    const out = scratch("out.pem");
    expect(sign(t, ["--csr", csr.path, "--ca", int, "--out", out])).toBe("");
    expectVerifies(rootPem, [intPem], ossl(["x509", "-in", out]));

    // text and json describe the certificate openssl reads.
    const text = sign(t, [
      "--csr",
      csr.path,
      "--ca",
      int,
      "--output-format",
      "text",
      "--watch",
      "Alice <alice@example.com>",
      "--watch",
      "bob@example.com",
    ]);
    const pemInText = pemBlocks(text)[0]!;
    expect(text).toContain(`* Serial: ${colonSerial(opensslSerial(pemInText))}`);
    expect(text).toMatch(/^\* Status: Valid$/m);
    expect(text).toMatch(/^\* Watchers:\n {2}\* Alice <alice@example\.com>\n {2}\* bob@example\.com$/m);
    const json = JSON.parse(sign(t, ["--csr", csr.path, "--ca", int, "--output-format", "json"])) as Record<string, unknown>;
    expect(json.serial).toBe(colonSerial(opensslSerial(json.pem as string)));
    expect(json.status).toBe("valid");
    expect(json.ca).toBe(int);
    // Serials are 20 random octets, positive, and differ per certificate.
    const serials = [fromPem, fromDer, asPem, blocks[0]!, pemInText].map(opensslSerial);
    for (const s of serials) expect(s).toMatch(/^[0-7][0-9A-F]{39}$/);
    expect(new Set(serials).size).toBe(serials.length);
    expect(tsca(t, ["list_certs"]).trim().split("\n")).toHaveLength(7);
  });

  it("--ca defaults to the configured default CA, else the usable CA that expires last", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const short = ecRoot(t, "Short", ["--expires", "400"]);
    const long = ecRoot(t, "Long", ["--expires", "800"]);
    const issuerOf = (pem: string): string => ossl(["x509", "-noout", "-issuer", "-nameopt", "RFC2253"], pem).trim();
    expect(issuerOf(sign(t, ["--csr", csrs().ec.path]))).toBe("issuer=CN=long.example.com");
    tsca(t, ["edit_ca", long, "--disable"]);
    expect(issuerOf(sign(t, ["--csr", csrs().ec.path]))).toBe("issuer=CN=short.example.com");
    tsca(t, ["edit_ca", long, "--enable"]);
    expect(issuerOf(tsca({ ...t, env: { ...t.env, TSCA_DEFAULT_CA: short } }, ["sign_cert", "--csr", csrs().ec.path]))).toBe(
      "issuer=CN=short.example.com",
    );
    expect(issuerOf(sign(t, ["--csr", csrs().ec.path, "--ca", "Short"]))).toBe("issuer=CN=short.example.com");
  });
});
