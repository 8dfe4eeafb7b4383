/**
 * TSCA_DEFAULT_HOSTNAME / `init_ca --default-hostname`: the URLs tsca puts into certificates point at what
 * `tsca serve` publishes. Proven end to end: openssl reads the OCSP URL and CRL distribution point out of the
 * certificates (`x509 -ocsp_uri`, `-text`), fetches them from a running server and verifies a chain with
 * them; the intermediate's own certificate names its parent's CA-scope CRL, CA-scope OCSP and certificate.
 */
import { describe, expect, it } from "vitest";
import { runTsca, tsca, tscaEnv } from "../../helpers/cli.js";
import { freePort } from "../../helpers/certs.js";
import { leaf } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { expectOneSentence, ossl, scratch, x509Text } from "../../helpers/oracles.js";
import { opensslAsync, startServe } from "../../helpers/serve.js";

const hex = (colon: string): string => colon.replace(/:/g, "");
/** The CRL distribution point URIs as `openssl x509 -text` prints them. */
const crlDp = (text: string): string[] => {
  const m = /X509v3 CRL Distribution Points:\s*\n((?:\s+(?:Full Name:|URI:\S+)\s*\n)+)/.exec(text);
  return [...(m?.[1] ?? "").matchAll(/URI:(\S+)/g)].map((x) => x[1]!);
};

describe.each(BACKENDS)("default hostname (%s)", (backend) => {
  it("puts URLs served by tsca serve into CAs and certificates, and openssl follows them", async () => {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const t = tscaEnv(await freshDatabaseUrl(backend), { TSCA_DEFAULT_HOSTNAME: host });
    const root = hex(tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=Root"]).trim());
    const inter = hex(tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Inter", "/CN=Inter"]).trim());
    const rootPem = tsca(t, ["dump_ca", "Root"]);
    const interPem = tsca(t, ["dump_ca", "Inter"]);

    // The root carries no URLs of its own (RFC 5280: nobody publishes a trust anchor's status).
    expect(x509Text(rootPem)).not.toContain("URI:");
    // The intermediate's own certificate: its parent's CA-scope CRL, CA-scope OCSP and certificate.
    const interText = x509Text(interPem);
    expect(crlDp(interText)).toEqual([`http://${host}/crl/ca/${root}`]);
    expect(interText).toContain(`OCSP - URI:http://${host}/ocsp/${root}/ca/`);
    expect(interText).toContain(`CA Issuers - URI:http://${host}/issuer/${root}.der`);
    // view_ca shows what Inter adds to the certificates it signs.
    const view = tsca(t, ["view_ca", "Inter", "--no-pem"]);
    expect(view).toContain(`* CRL URL: http://${host}/crl/${inter}`);
    expect(view).toContain(`* OCSP URL: http://${host}/ocsp/${inter}/cert/`);
    expect(view).toContain(`* Issuer URL: http://${host}/issuer/${inter}.der`);

    const l = leaf(t, "Inter", "leaf.example.test");
    const leafText = x509Text(l.pem);
    expect(leafText).toContain(`CA Issuers - URI:http://${host}/issuer/${inter}.der`);
    expect(crlDp(leafText)).toEqual([`http://${host}/crl/${inter}`]);
    tsca(t, ["generate_crls"]);
    tsca(t, ["generate_ocsp_keys"]);

    const server = await startServe(t, ["--port", String(port)]);
    try {
      const rootFile = scratch("root.pem", rootPem);
      const interFile = scratch("inter.pem", interPem);
      const leafFile = scratch("leaf.pem", l.pem);
      // OCSP at the URL the certificates name.
      const leafOcsp = ossl(["x509", "-noout", "-ocsp_uri", "-in", leafFile]).trim();
      const interOcsp = ossl(["x509", "-noout", "-ocsp_uri", "-in", interFile]).trim();
      const a = await opensslAsync([
        "ocsp",
        "-issuer",
        interFile,
        "-cert",
        leafFile,
        "-url",
        leafOcsp,
        "-CAfile",
        rootFile,
        "-verify_other",
        interFile,
      ]);
      expect(a.stdout).toContain(`${leafFile}: good`);
      expect(a.stderr).toContain("Response verify OK");
      const b = await opensslAsync(["ocsp", "-issuer", rootFile, "-cert", interFile, "-url", interOcsp, "-CAfile", rootFile]);
      expect(b.stdout).toContain(`${interFile}: good`);
      // CRLs and the issuer certificate at the URLs the certificates name.
      const get = async (u: string): Promise<Buffer> => {
        const res = await fetch(u);
        expect(res.status, u).toBe(200);
        return Buffer.from(await res.arrayBuffer());
      };
      const userCrl = ossl(["crl", "-inform", "DER"], await get(crlDp(leafText)[0]!));
      const caCrl = ossl(["crl", "-inform", "DER"], await get(crlDp(interText)[0]!));
      const issuer = ossl(["x509", "-inform", "DER"], await get(`http://${host}/issuer/${inter}.der`));
      expect(issuer).toBe(interPem);
      const v = await opensslAsync([
        "verify",
        "-crl_check_all",
        "-CAfile",
        rootFile,
        "-untrusted",
        interFile,
        "-CRLfile",
        scratch("crls.pem", userCrl + caCrl),
        leafFile,
      ]);
      expect(v.stdout.trim()).toBe(`${leafFile}: OK`);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it("is overridden per URL group, switched off with --no-default-hostname, and checked", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend), { TSCA_DEFAULT_HOSTNAME: "ca.example.test" });
    tsca(t, ["init_ca", "--key-type", "EC", "--ocsp-url", "http://other.example.test/ocsp", "A", "/CN=A"]);
    const a = tsca(t, ["view_ca", "A", "--no-pem"]);
    expect(a).toContain("* OCSP URL: http://other.example.test/ocsp");
    expect(a).toMatch(/\* CRL URL: http:\/\/ca\.example\.test\/crl\/[0-9A-F]+\n/);
    tsca(t, ["init_ca", "--key-type", "EC", "--no-default-hostname", "B", "/CN=B"]);
    expect(tsca(t, ["view_ca", "B", "--no-pem"])).toContain("No certificate extensions for signed certificates.");
    tsca(t, ["init_ca", "--key-type", "EC", "--default-hostname", "[::1]:8080", "C", "/CN=C"]);
    expect(tsca(t, ["view_ca", "C", "--no-pem"])).toMatch(/\* OCSP URL: http:\/\/\[::1\]:8080\/ocsp\/[0-9A-F]+\/cert\//);
    expectOneSentence(runTsca(t, ["init_ca", "--default-hostname", "http://x/", "D", "/CN=D"]), 2, /Not a host name with optional port/);
    const bad = runTsca({ ...t, env: { ...t.env, TSCA_DEFAULT_HOSTNAME: "no spaces allowed" } }, ["list_cas"]);
    expectOneSentence(bad, 1, /Invalid setting defaultHostname \(from environment variable TSCA_DEFAULT_HOSTNAME\)/);
  });
});
