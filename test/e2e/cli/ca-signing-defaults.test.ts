/**
 * A CA's own signing defaults (migration 0013): edit_ca --sign-certificate-policies, --default-profile and
 * --default-expires, shown by view_ca (text and JSON), used by sign_cert when the request names none, and
 * overridden by what the request names (--profile, --expires, --policy-identifier). Checked with openssl
 * on the certificates (sign_cert's and a queued request's, signed by `tsca worker`), on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tsca, runTsca } from "../../helpers/cli.js";
import { makeCsr } from "../../helpers/certs.js";
import { leaf } from "../../helpers/crl.js";
import { BACKENDS } from "../../helpers/databases.js";
import { opensslExtensions, ossl, x509Text } from "../../helpers/oracles.js";
import { closePkiInstallation, openPkiInstallation, type PkiInstallation } from "../../helpers/use-case-context.js";

const DAY = 86_400_000;

/** Whole days between notBefore and notAfter, as openssl reads them. */
function validityDays(pem: string): number {
  const out = ossl(["x509", "-noout", "-startdate", "-enddate"], pem);
  const start = Date.parse(/notBefore=(.+)/.exec(out)![1]!);
  const end = Date.parse(/notAfter=(.+)/.exec(out)![1]!);
  return Math.round((end - start) / DAY);
}

describe.each(BACKENDS)("edit_ca signing defaults (%s)", (backend) => {
  let inst: PkiInstallation;

  beforeAll(async () => {
    inst = await openPkiInstallation(backend);
  });

  afterAll(async () => {
    await closePkiInstallation(inst);
  });

  it("stores policies, default profile and expiry, shows them in view_ca, and sign_cert uses them when the request names none", () => {
    tsca(inst.t, [
      "edit_ca",
      "Inter",
      "--sign-certificate-policies",
      "2.23.140.1.2.1",
      "--sign-certificate-policies",
      "1.3.6.1.4.1.99999.7; cps:https://pki.example/cps; notice:Testing only",
      "--default-profile",
      "client",
      "--default-expires",
      "42",
    ]);
    const text = tsca(inst.t, ["view_ca", "Inter"]);
    expect(text).toContain("* Certificate policy: 2.23.140.1.2.1");
    expect(text).toContain("* Certificate policy: 1.3.6.1.4.1.99999.7; cps:https://pki.example/cps; notice:Testing only");
    expect(text).toContain("* Default profile for what it signs: client");
    expect(text).toContain("* Default expiry for what it signs: 42 days");
    const json = JSON.parse(tsca(inst.t, ["view_ca", "--output-format", "json", "Inter"])) as Record<string, unknown>;
    expect(json.default_profile).toBe("client");
    expect(json.default_expires_days).toBe(42);
    expect((json.sign as Record<string, unknown>).certificate_policies).toEqual([
      "2.23.140.1.2.1",
      "1.3.6.1.4.1.99999.7; cps:https://pki.example/cps; notice:Testing only",
    ]);

    const plain = leaf(inst.t, "Inter", "defaults.example.test");
    expect(validityDays(plain.pem)).toBe(42);
    const exts = opensslExtensions(x509Text(plain.pem));
    expect(exts.get("X509v3 Extended Key Usage")?.value).toBe("TLS Web Client Authentication");
    const policies = exts.get("X509v3 Certificate Policies")?.value ?? "";
    expect(policies).toContain("Policy: 2.23.140.1.2.1");
    expect(policies).toContain("Policy: 1.3.6.1.4.1.99999.7");
    expect(policies).toContain("CPS: https://pki.example/cps");
    expect(policies).toContain("Explicit Text: Testing only");

    // What the request names wins over each default.
    const named = leaf(inst.t, "Inter", "named.example.test", ["--profile", "server", "--expires", "7", "--policy-identifier", "1.2.3.4"]);
    expect(validityDays(named.pem)).toBe(7);
    const namedExts = opensslExtensions(x509Text(named.pem));
    expect(namedExts.get("X509v3 Extended Key Usage")?.value).toContain("TLS Web Server Authentication");
    expect(namedExts.get("X509v3 Certificate Policies")?.value).toContain("Policy: 1.2.3.4");
    expect(namedExts.get("X509v3 Certificate Policies")?.value).not.toContain("2.23.140.1.2.1");
    // The signing worker (hence the REST API and the web admin) applies the same defaults to a queued CSR.
    const csr = makeCsr("ec", "/CN=queued-defaults.example.test");
    const id = tsca(inst.t, ["submit_request", "--ca", "Inter", "--csr", csr.path, "--alt", "queued-defaults.example.test"]).trim();
    const worker = runTsca(inst.t, ["worker", "--once"]);
    expect(worker.code, worker.stderr).toBe(0);
    const serial = /^issued ([0-9A-F:]+)$/.exec(tsca(inst.t, ["request_status", id]).trim())?.[1];
    expect(serial).toBeDefined();
    const queued = tsca(inst.t, ["dump_cert", serial!]);
    expect(validityDays(queued)).toBe(42);
    const queuedExts = opensslExtensions(x509Text(queued));
    expect(queuedExts.get("X509v3 Extended Key Usage")?.value).toBe("TLS Web Client Authentication");
    expect(queuedExts.get("X509v3 Certificate Policies")?.value).toContain("CPS: https://pki.example/cps");

    // Root has none of it: its certificates are as before.
    const fromRoot = leaf(inst.t, "Root", "root-signed.example.test");
    expect(opensslExtensions(x509Text(fromRoot.pem)).has("X509v3 Certificate Policies")).toBe(false);
  });

  it("clears them again, after which the installation's defaults apply", () => {
    tsca(inst.t, ["edit_ca", "Inter", "--clear-sign-certificate-policies", "--clear-default-profile", "--clear-default-expires"]);
    const text = tsca(inst.t, ["view_ca", "Inter"]);
    expect(text).not.toContain("Certificate policy");
    expect(text).not.toContain("Default profile for what it signs");
    const cert = leaf(inst.t, "Inter", "cleared.example.test");
    expect(opensslExtensions(x509Text(cert.pem)).has("X509v3 Certificate Policies")).toBe(false);
    expect(validityDays(cert.pem)).not.toBe(42);
  });

  it("refuses an unknown profile, a bad expiry, anyPolicy and a malformed policy, changing nothing", () => {
    for (const [args, message] of [
      [["--default-profile", "nosuch"], /nosuch: Profile is not defined/],
      [["--default-expires", "0"], /--default-expires|expiry/],
      [["--sign-certificate-policies", "anyPolicy"], /anyPolicy is for CA certificates/],
      [["--sign-certificate-policies", "1.2.3; cps:ftp://x"], /not an http:\/\/ or https:\/\/ URL/],
      [["--sign-certificate-policies", "not-an-oid"], /not a policy identifier/],
      [["--default-profile", "client", "--clear-default-profile"], /not both/],
    ] as const) {
      const r = runTsca(inst.t, ["edit_ca", "Inter", ...args]);
      expect(r.code, r.stdout).not.toBe(0);
      expect(r.stderr).toMatch(message);
    }
    expect(JSON.parse(tsca(inst.t, ["view_ca", "--output-format", "json", "Inter"]))).toMatchObject({
      default_profile: null,
      default_expires_days: null,
    });
  });
});
