/**
 * Defaults that public-trust tooling accepts (issue 7), checked with openssl as the oracle:
 *
 * - a CA signs with the hash that matches its key: its own certificate and the leaves it signs say
 *   ecdsa-with-SHA256/384/512 for P-256/384/521 and sha256WithRSAEncryption for RSA, also when
 *   TSCA_DEFAULT_SIGNATURE_HASH=SHA-512 (which now applies to RSA only); an explicit --algorithm that does
 *   not match the curve is kept under RFC 5280 alone and refused under a cabf rule set;
 * - `--expires N` is exactly N days for init_ca, sign_cert and resign_cert (notAfter = notBefore + N days − 1 s);
 * - a server certificate without a DNS/IP SAN is refused (ERR_NO_SAN), never issued;
 * - the ocsp profile carries no CRL distribution point and no AIA; enduser has no codeSigning;
 * - import_ca refuses a CA certificate without SKI unless --allow-missing-ski;
 * - migration 0007 moves EC CAs made with the old SHA-512 default to their curve's hash.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { expectRefused, opensslExtensions, ossl, pgQuery, scratch, x509Text } from "../../helpers/oracles.js";
import { expectCertRefused, makeCsr, opensslDates } from "../../helpers/certs.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";

const DAY = 86_400_000;
const installations: TscaEnv[] = [];
afterEach(async () => {
  for (const t of installations.splice(0)) await disposeInstallation(t);
});
async function install(backend: (typeof BACKENDS)[number], extra: Record<string, string> = {}): Promise<TscaEnv> {
  const t = tscaEnv(await freshDatabaseUrl(backend), extra);
  installations.push(t);
  return t;
}

const sigAlg = (pem: string): string => /^\s+Signature Algorithm: (\S+)$/m.exec(x509Text(pem))![1]!;
/** Validity in milliseconds counting both ends, as RFC 5280 §4.1.2.5 does. */
const validity = (pem: string): number => {
  const d = opensslDates(pem);
  return d.notAfter.getTime() - d.notBefore.getTime() + 1000;
};

describe.each(BACKENDS)("signature hash defaults (%s)", (backend) => {
  it("each CA key type signs its own certificate and its leaves with the matching hash, whatever the configured default", async () => {
    // The old default was SHA-512 for everything; set it explicitly: it must still not reach EC keys.
    const t = await install(backend, { TSCA_DEFAULT_SIGNATURE_HASH: "SHA-512" });
    const csr = makeCsr("ec", "/CN=www.example.com");
    const cases = [
      { name: "P256", args: ["--key-type", "EC"], want: "ecdsa-with-SHA256" },
      { name: "P384", args: ["--key-type", "EC", "--elliptic-curve", "secp384r1"], want: "ecdsa-with-SHA384" },
      { name: "P521", args: ["--key-type", "EC", "--elliptic-curve", "P-521"], want: "ecdsa-with-SHA512" },
      { name: "Rsa", args: ["--key-type", "RSA", "--key-size", "2048", "--pathlen", "1"], want: "sha512WithRSAEncryption" },
    ];
    for (const c of cases) {
      tsca(t, ["init_ca", ...c.args, c.name, `/CN=${c.name}`]);
      expect(sigAlg(tsca(t, ["dump_ca", c.name])), c.name).toBe(c.want);
      expect(sigAlg(tsca(t, ["sign_cert", "--ca", c.name, "--csr", csr.path])), c.name).toBe(c.want);
    }
    // Unset (auto), RSA signs with SHA-256.
    const auto = await install(backend);
    tsca(auto, ["init_ca", "--key-type", "RSA", "--key-size", "2048", "Rsa", "/CN=Rsa"]);
    expect(sigAlg(tsca(auto, ["dump_ca", "Rsa"]))).toBe("sha256WithRSAEncryption");
    expect(sigAlg(tsca(auto, ["sign_cert", "--ca", "Rsa", "--csr", csr.path]))).toBe("sha256WithRSAEncryption");
    // An intermediate is signed with its parent's hash; what it signs with its own.
    tsca(t, ["edit_ca", "--lint", "cabf-serverauth", "P256"]);
    tsca(t, ["init_ca", "--key-type", "EC", "--elliptic-curve", "secp384r1", "--parent", "Rsa", "Sub384", "/CN=Sub384"]);
    expect(sigAlg(tsca(t, ["dump_ca", "Sub384"]))).toBe("sha512WithRSAEncryption");
    expect(sigAlg(tsca(t, ["sign_cert", "--ca", "Sub384", "--csr", csr.path]))).toBe("ecdsa-with-SHA384");
    expect(tsca(t, ["view_ca", "Sub384"])).toContain("* Hash for signing: SHA-384\n");
  });

  it("an explicit mismatching --algorithm is kept under RFC 5280 alone and refused under a cabf rule set", async () => {
    const t = await install(backend);
    await expectRefused(
      t,
      ["init_ca", "--key-type", "EC", "--algorithm", "SHA-512", "--lint", "cabf-serverauth", "Strict", "/CN=Strict"],
      1,
      /^Error: Refused by lint: a secp256r1 key must sign with SHA-256, not SHA-512 \(cabf-serverauth\/hash_curve_match, CA\/B BR §7\.1\.3\.2\.2\)\.\n$/,
    );
    tsca(t, ["init_ca", "--key-type", "EC", "--algorithm", "SHA-512", "Loose", "/CN=Loose"]);
    expect(sigAlg(tsca(t, ["dump_ca", "Loose"]))).toBe("ecdsa-with-SHA512");
    await expectRefused(t, ["edit_ca", "--lint", "cabf-smime", "Loose"], 1, /\(cabf-smime\/hash_curve_match, S\/MIME BR §7\.1\.3\.2\.2\)/);
    expect(tsca(t, ["view_ca", "Loose"])).toContain("* Lint rule sets: rfc5280\n");
  });
});

describe.each(BACKENDS)("--expires N is exactly N days (%s)", (backend) => {
  it("init_ca, sign_cert and resign_cert: notAfter = notBefore + N days − 1 s", async () => {
    const t = await install(backend);
    tsca(t, ["init_ca", "--key-type", "EC", "--expires", "30", "--pathlen", "1", "Root", "/CN=Root"]);
    const root = tsca(t, ["dump_ca", "Root"]);
    expect(validity(root)).toBe(30 * DAY);
    expect(opensslDates(root).notAfter.getTime() - opensslDates(root).notBefore.getTime()).toBe(30 * DAY - 1000);
    tsca(t, ["init_ca", "--key-type", "EC", "--expires", "10", "--parent", "Root", "Sub", "/CN=Sub"]);
    expect(validity(tsca(t, ["dump_ca", "Sub"]))).toBe(10 * DAY);
    const csr = makeCsr("ec", "/CN=www.example.com");
    const leaf = tsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--expires", "7", "--output-format", "json"]);
    const { serial, pem } = JSON.parse(leaf) as { serial: string; pem: string };
    expect(validity(pem)).toBe(7 * DAY);
    const renewed = tsca(t, ["resign_cert", serial, "--expires", "3"]);
    expect(validity(renewed)).toBe(3 * DAY);
    // Exactly up to the CA's notAfter is allowed: 30 days from the CA's notBefore is its whole life.
    await expectCertRefused(
      t,
      ["sign_cert", "--ca", "Root", "--csr", csr.path, "--expires", "31"],
      1,
      /the maximum for this CA is (29|30) days/,
    );
  });
});

describe.each(BACKENDS)("profiles (%s)", (backend) => {
  it("a server certificate without a DNS or IP name is refused, never issued without SAN", async () => {
    const t = await install(backend);
    tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=Root"]);
    const csr = makeCsr("ec", "/CN=My Server");
    for (const profile of [[], ["--server"], ["--webserver"], ["--client", "--extended-key-usage", "serverAuth"]])
      await expectCertRefused(
        t,
        ["sign_cert", "--ca", "Root", "--csr", csr.path, ...profile],
        1,
        /^Error: The common name "My Server" is not a host name or IP address, so this server certificate would have no DNS or IP subject alternative name; give one with --subject-alternative-name\.\n$/,
      );
    // A client certificate may carry any CN; a server certificate with an explicit SAN is fine.
    expect(
      opensslExtensions(x509Text(tsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--client"]))).has(
        "X509v3 Subject Alternative Name",
      ),
    ).toBe(false);
    const named = x509Text(
      tsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--subject-alternative-name", "DNS:server.example.com"]),
    );
    expect(opensslExtensions(named).get("X509v3 Subject Alternative Name")?.value).toBe("DNS:server.example.com");
    // A single-label host name (localhost, an intranet host) is a server's name: it becomes its DNS SAN.
    const local = x509Text(tsca(t, ["sign_cert", "--ca", "Root", "--csr", makeCsr("ec", "/CN=localhost").path, "--server"]));
    expect(opensslExtensions(local).get("X509v3 Subject Alternative Name")?.value).toBe("DNS:localhost");
  });

  it("ocsp: no CRL distribution point and no AIA even when the CA has URLs; enduser: no codeSigning", async () => {
    const t = await install(backend);
    tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--crl-url",
      "http://crl.example.com/root.crl",
      "--ocsp-url",
      "http://ocsp.example.com/",
      "--issuer-url",
      "http://ca.example.com/root.der",
      "Root",
      "/CN=Root",
    ]);
    const csr = makeCsr("rsa", "/CN=ocsp.example.com");
    const ocsp = opensslExtensions(x509Text(tsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--ocsp"])));
    expect([...ocsp.keys()].sort()).toEqual([
      "OCSP No Check",
      "X509v3 Authority Key Identifier",
      "X509v3 Basic Constraints",
      "X509v3 Extended Key Usage",
      "X509v3 Key Usage",
      "X509v3 Subject Key Identifier",
    ]);
    expect(ocsp.get("X509v3 Key Usage")).toEqual({ critical: true, value: "Digital Signature" });
    const web = opensslExtensions(x509Text(tsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path])));
    expect(web.has("X509v3 CRL Distribution Points")).toBe(true);
    expect(web.has("Authority Information Access")).toBe(true);
    const mail = ["--subject-alternative-name", "email:alice@example.com", "--subject", "/CN=Alice"];
    const enduser = opensslExtensions(x509Text(tsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--enduser", ...mail])));
    expect(enduser.get("X509v3 Extended Key Usage")?.value).toBe("TLS Web Client Authentication, E-mail Protection");
    expect(enduser.get("X509v3 Key Usage")?.value).toBe("Digital Signature, Key Encipherment");
  });
});

describe.each(BACKENDS)("import_ca and the Subject Key Identifier (%s)", (backend) => {
  it("refuses a CA certificate without SKI in one sentence, and imports it with --allow-missing-ski", async () => {
    const t = await install(backend);
    const key = scratch("noski.key");
    const cert = scratch("noski.pem");
    ossl([
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
      "-subj", "/CN=No SKI Root", "-days", "30",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
      "-addext", "subjectKeyIdentifier=none", "-addext", "authorityKeyIdentifier=none",
    ]); // prettier-ignore
    // The oracle agrees that the certificate has no SKI.
    expect(opensslExtensions(x509Text(ossl(["x509", "-in", cert]))).has("X509v3 Subject Key Identifier")).toBe(false);
    await expectRefused(
      t,
      ["import_ca", "NoSki", key, cert],
      1,
      /^Error: The CA certificate has no Subject Key Identifier, which RFC 5280 §4\.2\.1\.2 requires of CA certificates; give --allow-missing-ski to import it anyway\.\n$/,
    );
    tsca(t, ["import_ca", "--allow-missing-ski", "NoSki", key, cert]);
    expect(tsca(t, ["list_cas"])).toContain("NoSki");
    // Imported EC CAs sign with their curve's hash.
    expect(tsca(t, ["view_ca", "NoSki"])).toContain("* Hash for signing: SHA-256\n");
  });
});

describe.each(BACKENDS)("migration 0007 (%s)", (backend) => {
  it("moves EC CAs made with the old SHA-512 default to their curve's hash, and keeps P-521 and RSA", async () => {
    const t = await install(backend);
    for (const [name, args] of [
      ["P256", ["--key-type", "EC"]],
      ["P384", ["--key-type", "EC", "--elliptic-curve", "secp384r1"]],
      ["P521", ["--key-type", "EC", "--elliptic-curve", "secp521r1"]],
      ["Rsa", ["--key-type", "RSA", "--key-size", "2048", "--algorithm", "SHA-512"]],
    ] as const)
      tsca(t, ["init_ca", ...args, name, `/CN=${name}`]);
    // Put the database back to before 0007, with the hash the old default chose.
    const revert = [
      "UPDATE certificate_authority SET signature_hash = 'SHA-512'",
      "ALTER TABLE certificate_authority DROP COLUMN lint_rule_sets",
      "DELETE FROM tsca_migrations WHERE id = '0007-ca-lint-rule-sets'",
    ];
    const url = t.env.TSCA_DATABASE_URL;
    if (url) for (const sql of revert) await pgQuery(url, sql);
    else {
      const db = new Database(join(t.home, "tsca.sqlite3"));
      for (const sql of revert) db.exec(sql);
      db.close();
    }
    const hashOf = (name: string): string => /\* Hash for signing: (\S+)/.exec(tsca(t, ["view_ca", name]))![1]!;
    expect(hashOf("P256")).toBe("SHA-256");
    expect(hashOf("P384")).toBe("SHA-384");
    expect(hashOf("P521")).toBe("SHA-512");
    expect(hashOf("Rsa")).toBe("SHA-512");
    const csr = makeCsr("ec", "/CN=www.example.com");
    expect(sigAlg(tsca(t, ["sign_cert", "--ca", "P256", "--csr", csr.path]))).toBe("ecdsa-with-SHA256");
    expect(tsca(t, ["view_ca", "P256"])).toContain("* Lint rule sets: rfc5280\n");
  });
});
