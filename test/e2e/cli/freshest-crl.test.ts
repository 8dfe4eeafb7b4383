/**
 * Delta CRLs that clients find (RFC 5280 §4.2.1.15, §5.2.4): a CA configured with --freshest-crl-url puts
 * a Freshest CRL pointer into the certificates it signs; `openssl verify -crl_check -use_deltas` then
 * combines the full CRL with the delta and rejects a certificate revoked only in the delta.
 */
import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { openssl, runTsca, tsca, tscaEnv } from "../../helpers/cli.js";
import { makeCsr } from "../../helpers/certs.js";

describe.each(BACKENDS)("Freshest CRL pointer (%s)", (backend) => {
  it("certificates carry the delta CRL URL, and openssl uses the delta to find a new revocation", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--crl-url",
      "http://ca.example.test/crl",
      "--freshest-crl-url",
      "http://ca.example.test/delta",
      "Root",
      "/CN=Root",
    ]);
    expect(tsca(t, ["view_ca", "Root", "--no-pem"])).toContain("* Freshest CRL URL: http://ca.example.test/delta\n");
    const leaf = (name: string): string => {
      const pem = join(t.home, `${name}.pem`);
      tsca(t, ["sign_cert", "--ca", "Root", "--csr", makeCsr("ec", `/CN=${name}`).path, "--out", pem]);
      return pem;
    };
    const early = leaf("early.example.test");
    const late = leaf("late.example.test");
    const good = leaf("good.example.test");
    const text = openssl(["x509", "-in", late, "-noout", "-text"]).stdout;
    expect(text).toMatch(/X509v3 Freshest CRL: \n\s+Full Name:\n\s+URI:http:\/\/ca\.example\.test\/delta\n/);
    expect(text).not.toMatch(/Freshest CRL: critical/);

    const root = join(t.home, "root.pem");
    tsca(t, ["dump_ca", "Root", root]);
    tsca(t, ["revoke_cert", "early.example.test", "--reason", "superseded"]);
    const full = tsca(t, ["dump_crl", "--ca", "Root"]);
    tsca(t, ["revoke_cert", "late.example.test", "--reason", "key_compromise"]);
    const delta = tsca(t, ["dump_crl", "--ca", "Root", "--delta"]);
    const deltaText = openssl(["crl", "-noout", "-text"], delta).stdout;
    // The delta names the full CRL just dumped as its base (whatever number init_ca's first CRLs left it at).
    const fullNumber = /X509v3 CRL Number: \n\s+(\d+)\n/.exec(openssl(["crl", "-noout", "-text"], full).stdout)![1];
    expect(deltaText).toMatch(new RegExp(`X509v3 Delta CRL Indicator: critical\\n\\s+${fullNumber}\\n`));

    const crls = join(t.home, "crls.pem");
    writeFileSync(crls, full + delta);
    const fullOnly = join(t.home, "full.pem");
    writeFileSync(fullOnly, full);
    // -extended_crl: without it OpenSSL 3.0 may take the delta (when its thisUpdate is a second later) for the
    // complete CRL and check it alone.
    const verify = (cert: string, crlFile: string, deltas: boolean) =>
      openssl(["verify", "-crl_check", "-extended_crl", ...(deltas ? ["-use_deltas"] : []), "-CAfile", root, "-CRLfile", crlFile, cert]);
    // Without the delta, the later revocation is invisible; with it, openssl rejects the certificate.
    expect(verify(late, fullOnly, false).code).toBe(0);
    const withDelta = verify(late, crls, true);
    expect(withDelta.code).not.toBe(0);
    expect(withDelta.stdout + withDelta.stderr).toContain("certificate revoked");
    expect(verify(early, crls, true).stdout + verify(early, crls, true).stderr).toContain("certificate revoked");
    expect(verify(good, crls, true).code).toBe(0);

    // edit_ca can change and clear the pointer for future certificates.
    tsca(t, ["edit_ca", "Root", "--clear-freshest-crl-url"]);
    expect(tsca(t, ["view_ca", "Root", "--no-pem"])).not.toContain("Freshest CRL URL");
    const after = leaf("after.example.test");
    expect(openssl(["x509", "-in", after, "-noout", "-text"]).stdout).not.toContain("Freshest CRL");
    expect(runTsca(t, ["edit_ca", "Root", "--freshest-crl-url", "not a url at all"]).code).not.toBe(0);
  });
});
