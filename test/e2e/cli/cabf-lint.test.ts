/**
 * The `cabf-serverauth` and `cabf-smime` lint rule sets from the command line (issue 7):
 *
 * - CAs of every key type (RSA, EC P-256/384/521, Ed25519) that select both sets issue a certificate of
 *   every built-in profile, i.e. each passes the rule sets (lint runs before the signature), and openssl
 *   verifies each and shows the signature hash matching the CA key;
 * - a constructed bad certificate is refused naming the rule, with nothing stored; the same certificate
 *   is issued where only RFC 5280 applies;
 * - a profile selects sets with `"lint": [...]`; `init_ca --lint` / `edit_ca --lint` (comma list or
 *   repeated; `rfc5280` resets) select them per CA and view_ca shows them;
 * - revoke_cert / revoke_ca refuse the reasons the Baseline Requirements do not allow (certificateHold).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { expectRefused, opensslExtensions, opensslVerify, x509Text } from "../../helpers/oracles.js";
import { expectCertRefused, makeCsr, type Csr } from "../../helpers/certs.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";

const CA_TYPES = [
  { name: "Rsa", args: ["--key-type", "RSA", "--key-size", "2048"], sigalg: "sha256WithRSAEncryption" },
  { name: "P256", args: ["--key-type", "EC"], sigalg: "ecdsa-with-SHA256" },
  { name: "P384", args: ["--key-type", "EC", "--elliptic-curve", "secp384r1"], sigalg: "ecdsa-with-SHA384" },
  { name: "P521", args: ["--key-type", "EC", "--elliptic-curve", "secp521r1"], sigalg: "ecdsa-with-SHA512" },
  { name: "Ed25519", args: ["--key-type", "Ed25519"], sigalg: "ED25519" },
] as const;

/** Every built-in profile, with the names a conforming certificate of it needs. */
const PROFILES: [string, string[]][] = [
  ["webserver", []],
  ["server", []],
  ["client", []],
  ["ocsp", []],
  ["enduser", ["--subject", "/CN=Alice Example", "--subject-alternative-name", "email:alice@example.com"]],
];

const sigAlg = (pem: string): string => /^\s+Signature Algorithm: (\S+)$/m.exec(x509Text(pem))![1]!;

let csr: Csr;
const installations: TscaEnv[] = [];
beforeAll(() => {
  csr = makeCsr("ec", "/CN=www.example.com");
});
afterAll(async () => {
  for (const t of installations.splice(0)) await disposeInstallation(t);
});
async function install(backend: (typeof BACKENDS)[number], extra: Record<string, string> = {}): Promise<TscaEnv> {
  const t = tscaEnv(await freshDatabaseUrl(backend), extra);
  installations.push(t);
  return t;
}

describe.each(BACKENDS)("cabf rule sets (%s)", (backend) => {
  it("every CA key type issues every profile under cabf-serverauth and cabf-smime; openssl verifies each", async () => {
    const t = await install(backend);
    for (const ca of CA_TYPES) {
      // Both sets, given as a comma list and repeated, with URLs so that CRL DP and AIA are in play.
      tsca(t, [
        "init_ca",
        ...ca.args,
        "--lint",
        "cabf-serverauth,rfc5280",
        "--lint",
        "cabf-smime",
        "--crl-url",
        `http://crl.example.com/${ca.name}.crl`,
        "--ocsp-url",
        "http://ocsp.example.com/",
        "--issuer-url",
        `http://ca.example.com/${ca.name}.der`,
        ca.name,
        `/CN=${ca.name} Root`,
      ]);
      expect(tsca(t, ["view_ca", ca.name])).toContain("* Lint rule sets: rfc5280, cabf-serverauth, cabf-smime\n");
      const caPem = tsca(t, ["dump_ca", ca.name]);
      expect(sigAlg(caPem), ca.name).toBe(ca.sigalg);
      for (const [profile, extra] of PROFILES) {
        const pem = tsca(t, ["sign_cert", "--ca", ca.name, "--csr", csr.path, `--${profile}`, ...extra]);
        expect(sigAlg(pem), `${ca.name} ${profile}`).toBe(ca.sigalg);
        const purpose = { webserver: "sslserver", server: "sslserver", client: "sslclient", ocsp: "ocsphelper", enduser: "smimesign" }[
          profile
        ]!;
        const v = opensslVerify(caPem, [], pem, ["-purpose", purpose]);
        expect(v.code, `${ca.name} ${profile}: ${v.stdout}${v.stderr}`).toBe(0);
        const exts = opensslExtensions(x509Text(pem));
        if (profile === "ocsp") {
          expect(exts.has("X509v3 CRL Distribution Points")).toBe(false);
          expect(exts.has("Authority Information Access")).toBe(false);
          expect(exts.has("X509v3 Subject Alternative Name")).toBe(false);
          expect(exts.has("OCSP No Check")).toBe(true);
        }
      }
    }
    const json = JSON.parse(tsca(t, ["view_ca", "P256", "--output-format", "json"])) as { lint_rule_sets: string[] };
    expect(json.lint_rule_sets).toEqual(["rfc5280", "cabf-serverauth", "cabf-smime"]);
  });

  it("a bad certificate is refused naming the rule, and issued where only RFC 5280 applies", async () => {
    const t = await install(backend);
    tsca(t, ["init_ca", "--key-type", "EC", "--crl-url", "http://crl.example.com/a.crl", "Strict", "/CN=Strict"]);
    tsca(t, ["init_ca", "--key-type", "EC", "Loose", "/CN=Loose"]);
    tsca(t, ["edit_ca", "--lint", "cabf-serverauth,cabf-smime", "Strict"]);
    const bad: [string[], RegExp][] = [
      [["--expires", "399"], /\(cabf-serverauth\/validity_max, CA\/B BR §6\.3\.2\)\.$/],
      [
        ["--extended-key-usage", "serverAuth,codeSigning"],
        /serverAuth must not be combined with codeSigning \(cabf-serverauth\/eku_combination, /,
      ],
      [["--extended-key-usage", "serverAuth,anyExtendedKeyUsage"], /\(cabf-serverauth\/eku_no_any, /],
      [
        ["--subject-alternative-name", "DNS:www.example.com", "--subject-alternative-name", "email:a@example.com"],
        /\(cabf-serverauth\/san_types, /,
      ],
      [["--enduser", "--subject", "/CN=Alice"], /\(cabf-smime\/san_present, S\/MIME BR §7\.1\.2\.3 \(h\)\)\.$/],
      [["--enduser", "--subject-alternative-name", "email:a@example.com", "--expires", "826"], /\(cabf-smime\/validity_max, /],
      [
        ["--ocsp", "--crl-full-name", "http://crl.example.com/a.crl"],
        /must not carry cRLDistributionPoints \(cabf-serverauth\/ocsp_responder_extensions, /,
      ],
      [
        ["--ocsp", "--subject-alternative-name", "DNS:ocsp.example.com"],
        /must not carry subjectAltName \(cabf-serverauth\/ocsp_responder_extensions, /,
      ],
      [["--profile", "client", "--extended-key-usage", "OCSPSigning"], /id-pkix-ocsp-nocheck \(cabf-serverauth\/ocsp_responder_nocheck, /],
    ];
    for (const [args, rule] of bad) {
      const r = await expectCertRefused(t, ["sign_cert", "--ca", "Strict", "--csr", csr.path, ...args], 1, /^Error: Refused by lint: /);
      expect(r.stderr.trim(), args.join(" ")).toMatch(rule);
      // RFC 5280 alone allows each of them.
      tsca(t, ["sign_cert", "--ca", "Loose", "--csr", csr.path, ...args]);
    }
    // edit_ca --lint rfc5280 resets; an unknown set is a usage error.
    tsca(t, ["edit_ca", "--lint", "rfc5280", "Strict"]);
    expect(tsca(t, ["view_ca", "Strict"])).toContain("* Lint rule sets: rfc5280\n");
    tsca(t, ["sign_cert", "--ca", "Strict", "--csr", csr.path, "--expires", "399"]);
    await expectRefused(
      t,
      ["edit_ca", "--lint", "cabf-ev", "Strict"],
      2,
      /^Error: cabf-ev: Unknown --lint rule set \(one of rfc5280, cabf-serverauth, cabf-smime\)\.\n$/,
    );
  });

  it("a profile selects rule sets with \"lint\"; the CA's and the profile's add up", async () => {
    const profiles = JSON.stringify({
      tls: { keyUsage: ["digitalSignature"], extendedKeyUsage: ["serverAuth"], lint: ["cabf-serverauth"] },
    });
    const t = await install(backend, { TSCA_PROFILES: profiles });
    tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=Root"]);
    await expectCertRefused(
      t,
      ["sign_cert", "--ca", "Root", "--csr", csr.path, "--profile", "tls", "--expires", "400"],
      1,
      /\(cabf-serverauth\/validity_max, /,
    );
    tsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--profile", "tls", "--expires", "398"]);
    tsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--profile", "webserver", "--expires", "400"]);
  });

  it("revoke_cert and revoke_ca refuse certificateHold under a cabf rule set; unspecified (no reasonCode) is fine", async () => {
    const t = await install(backend);
    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "--lint", "cabf-serverauth", "Root", "/CN=Root"]);
    tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Sub", "/CN=Sub"]);
    const serial = (JSON.parse(tsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--output-format", "json"])) as { serial: string })
      .serial;
    await expectCertRefused(
      t,
      ["revoke_cert", serial, "--reason", "certificate_hold"],
      1,
      /^Error: Refused by lint: certificateHold \(suspension\) is not allowed \(cabf-serverauth\/crl_reason, CA\/B BR §7\.2\.2\)\.\n$/,
    );
    await expectCertRefused(t, ["revoke_cert", serial, "--reason", "aa_compromise"], 1, /\(cabf-serverauth\/crl_reason, /);
    await expectRefused(t, ["revoke_ca", "Sub", "--reason", "certificate_hold"], 1, /\(cabf-serverauth\/crl_reason, /);
    tsca(t, ["revoke_cert", serial]);
    expect(tsca(t, ["view_cert", serial])).toMatch(/Status: Revoked/i);
    // Without a cabf set, certificate_hold stays available (RFC 5280 §5.3.1).
    const other = (JSON.parse(tsca(t, ["sign_cert", "--ca", "Sub", "--csr", csr.path, "--output-format", "json"])) as { serial: string })
      .serial;
    tsca(t, ["revoke_cert", other, "--reason", "certificate_hold"]);
    tsca(t, ["revoke_ca", "Sub", "--reason", "superseded"]);
  });
});
