/**
 * Name constraints are enforced at issuance (issue 3): a CA with `excluded,DNS:evil.com` and
 * `permitted,DNS:com` refuses `www.evil.com` and `example.org` with one sentence naming the offending name
 * and stores nothing, and issues `www.example.com`, which `openssl verify` accepts against the chain. An
 * intermediate below the constrained root inherits the constraint. The refusals agree with openssl:
 * the same names in certificates made by openssl with the CA's own key fail `openssl verify`.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { tsca, tscaEnv } from "../../helpers/cli.js";
import { caPem, keyFile, opensslExtensions, opensslLeaf, opensslVerify, x509Text } from "../../helpers/oracles.js";
import { expectCertRefused, makeCsr } from "../../helpers/certs.js";

const CONSTRAINTS = ["--name-constraint", "excluded,DNS:evil.com", "--name-constraint", "permitted,DNS:com"];

describe.each(BACKENDS)("name constraints at issuance (%s)", (backend) => {
  it("excluded,DNS:evil.com + permitted,DNS:com: refuses www.evil.com and example.org, issues www.example.com", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", ...CONSTRAINTS, "Constrained", "/CN=Constrained Root"]).trim();
    const rootPem = caPem(t, root);
    expect(opensslExtensions(x509Text(rootPem)).get("X509v3 Name Constraints")).toEqual({
      critical: true,
      value: "Permitted:\nDNS:com\nExcluded:\nDNS:evil.com",
    });

    // The CN of the CSR, then the same name as a SAN only, then a bad SAN beside a good CN.
    const evil = makeCsr("ec", "/CN=www.evil.com");
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", evil.path, "--ca", root],
      1,
      /^Error: DNS:www\.evil\.com is excluded by the name constraints of CA "Constrained" \(DNS:evil\.com\)\.\n$/,
    );
    const org = makeCsr("ec", "/CN=example.org");
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", org.path, "--ca", root],
      1,
      /^Error: DNS:example\.org is not within the permitted names of CA "Constrained"\.\n$/,
    );
    const good = makeCsr("ec", "/CN=www.example.com");
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", good.path, "--ca", root, "--alt", "DNS:www.example.com", "--alt", "DNS:mail.evil.com"],
      1,
      /DNS:mail\.evil\.com is excluded/,
    );
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", good.path, "--ca", root, "--subject", "/CN=Web Server", "--alt", "example.org"],
      1,
      /DNS:example\.org is not within the permitted names/,
    );
    // The excluded subtree covers evil.com itself, not a name that merely ends in the same letters.
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", good.path, "--ca", root, "--subject", "/CN=evil.com"],
      1,
      /DNS:evil\.com is excluded/,
    );
    expect(tsca(t, ["list_certs"])).toBe("");

    const pem = tsca(t, ["sign_cert", "--csr", good.path, "--ca", root]);
    const ok = opensslVerify(rootPem, [], pem);
    expect(ok.stdout + ok.stderr).toMatch(/: OK\n/);
    expect(ok.code).toBe(0);
    const notEvil = tsca(t, ["sign_cert", "--csr", good.path, "--ca", root, "--subject", "/CN=notevil.com"]);
    expect(opensslVerify(rootPem, [], notEvil).code).toBe(0);
    expect(tsca(t, ["list_certs"]).trim().split("\n")).toHaveLength(2);

    // openssl agrees with each refusal: the same names, signed anyway by openssl with the CA's key, fail.
    const key = keyFile(t, root);
    const excluded = opensslVerify(rootPem, [], opensslLeaf(rootPem, key, "www.evil.com", { san: "DNS:www.evil.com" }).pem);
    expect(excluded.code).not.toBe(0);
    expect(excluded.stdout + excluded.stderr).toMatch(/excluded subtree violation/);
    const outside = opensslVerify(rootPem, [], opensslLeaf(rootPem, key, "example.org", { san: "DNS:example.org" }).pem);
    expect(outside.code).not.toBe(0);
    expect(outside.stdout + outside.stderr).toMatch(/permitted subtree violation/);
  });

  it("an intermediate below a constrained root inherits the constraint", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", ...CONSTRAINTS, "Constrained", "/CN=Constrained Root"]).trim();
    const int = tsca(t, ["init_ca", "--key-type", "Ed25519", "--parent", root, "Unconstrained Int", "/CN=Intermediate"]).trim();
    const rootPem = caPem(t, root);
    const intPem = caPem(t, int);
    // The intermediate's own certificate has no name constraints: the refusal must come from the root's.
    expect(opensslExtensions(x509Text(intPem)).has("X509v3 Name Constraints")).toBe(false);

    const evil = makeCsr("ed25519", "/CN=www.evil.com");
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", evil.path, "--ca", int],
      1,
      /^Error: DNS:www\.evil\.com is excluded by the name constraints of CA "Constrained" \(DNS:evil\.com\)\.\n$/,
    );
    const org = makeCsr("ed25519", "/CN=example.org");
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", org.path, "--ca", int],
      1,
      /^Error: DNS:example\.org is not within the permitted names of CA "Constrained"\.\n$/,
    );

    const pem = tsca(t, ["sign_cert", "--csr", makeCsr("ed25519", "/CN=www.example.com").path, "--ca", int]);
    const ok = opensslVerify(rootPem, [intPem], pem);
    expect(ok.stdout + ok.stderr).toMatch(/: OK\n/);
    expect(ok.code).toBe(0);
    // What tsca refused, openssl refuses too when the intermediate signs it anyway.
    const forged = opensslLeaf(intPem, keyFile(t, int), "www.evil.com", { san: "DNS:www.evil.com" }).pem;
    const r = opensslVerify(rootPem, [intPem], forged);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/excluded subtree violation/);
  });

  it("constraints of the intermediate itself and of the root both apply", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", ...CONSTRAINTS, "Root", "/CN=Root"]).trim();
    const int = tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--parent",
      root,
      "--name-constraint",
      "permitted,DNS:example.com",
      "--name-constraint",
      "permitted,IP:192.0.2.0/24",
      "Int",
      "/CN=Int",
    ]).trim();
    const csr = makeCsr("ec", "/CN=www.example.com");
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", csr.path, "--ca", int, "--subject", "/CN=www.example.net"],
      1,
      /DNS:www\.example\.net is not within the permitted names of CA "Int"/,
    );
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", csr.path, "--ca", int, "--alt", "IP:198.51.100.1"],
      1,
      /IP:198\.51\.100\.1 is not within the permitted names of CA "Int"/,
    );
    const pem = tsca(t, ["sign_cert", "--csr", csr.path, "--ca", int, "--alt", "IP:192.0.2.10"]);
    const r = opensslVerify(caPem(t, root), [caPem(t, int)], pem);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});
