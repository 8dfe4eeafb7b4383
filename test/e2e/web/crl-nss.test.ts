/**
 * The CRL a certificate points at is one every relying party can use: NSS refuses any CRL with a critical
 * Issuing Distribution Point, so the URL `tsca serve` puts into certificates by default (TSCA_DEFAULT_HOSTNAME)
 * serves a complete full CRL without IDP (RFC 5280 §5.2.5, §6.3.3), covering the CA's end-entity
 * certificates and its child CAs. Proven with NSS itself: `crlutil -I` imports what the server answers at the
 * CRL distribution point of a leaf (read by openssl) and `crlutil -L` lists the revoked serial. The scoped
 * CRLs stay at their own URLs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { freePort } from "../../helpers/certs.js";
import { crlSerials, crlText, leaf } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";
import { nssDb, type NssDb } from "../../helpers/nss.js";
import { ossl } from "../../helpers/oracles.js";
import { startServe, type Server } from "../../helpers/serve.js";

const hex = (colon: string): string => colon.replace(/:/g, "");

/** The CRL distribution point URIs of a certificate, as `openssl x509 -ext crlDistributionPoints` prints them. */
const crlDp = (pem: string): string[] =>
  [...ossl(["x509", "-noout", "-ext", "crlDistributionPoints"], pem).matchAll(/URI:(\S+)/g)].map((m) => m[1]!);

/** The entries `crlutil -L` lists: colon-separated lower-case hex, wrapped after 16 bytes. */
const nssSerials = (out: string): string[] =>
  [...out.matchAll(/Serial Number:\s*\n((?:[ \t]+[0-9a-f:]+\n)+)/gi)].map((m) => m[1]!.replace(/[\s:]/g, "").toUpperCase());

async function get(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/pkix-crl");
  return Buffer.from(await res.arrayBuffer());
}

describe.each(BACKENDS)("CRLs NSS can use (%s)", (backend) => {
  const made: TscaEnv[] = [];
  const dbs: NssDb[] = [];
  let server: Server | undefined;

  afterEach(async () => {
    if (server) expect(await server.stop()).toBe(0);
    server = undefined;
    for (const d of dbs.splice(0)) d.dispose();
    for (const t of made.splice(0)) await disposeInstallation(t);
  });

  it("crlutil -I imports the CRL at a leaf's default CRL DP, which lists its revoked serial; scoped CRLs stay", async () => {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const t = tscaEnv(await freshDatabaseUrl(backend), { TSCA_DEFAULT_HOSTNAME: host });
    made.push(t);
    const root = hex(tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=NSS Root"]).trim());
    const inter = hex(tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Inter", "/CN=NSS Inter"]).trim());
    const other = hex(tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Other", "/CN=NSS Other"]).trim());
    const revoked = leaf(t, "Inter", "revoked.example.test");
    const good = leaf(t, "Inter", "good.example.test");
    tsca(t, ["revoke_cert", revoked.serial, "--reason", "key_compromise"]);
    tsca(t, ["revoke_ca", "Other", "--reason", "superseded"]);
    // --force: init_ca made the first CRLs already, before these revocations.
    tsca(t, ["generate_crls", "--force"]);

    const dp = crlDp(revoked.pem);
    expect(dp).toEqual([`http://${host}/crl/${inter}`]);
    server = await startServe(t, ["--port", String(port)]);

    // The CRL at the leaf's CRL DP: complete, no IDP (nothing critical NSS would refuse), the revoked leaf on it.
    const leafCrl = await get(dp[0]!);
    const text = crlText(leafCrl, "DER");
    expect(text).not.toContain("Issuing Distribution Point");
    expect(text).not.toContain("Delta CRL Indicator");
    expect(text).not.toContain("critical");
    expect(crlSerials(text)).toEqual([revoked.hex]);
    // The root's full CRL covers its child CAs too (there is no user/CA split without an IDP).
    const rootCrl = await get(`http://${host}/crl/${root}`);
    expect(crlSerials(crlText(rootCrl, "DER"))).toEqual([other]);

    const nss = nssDb();
    dbs.push(nss);
    nss.addCa("root", tsca(t, ["dump_ca", "Root"]), "C,C,C");
    nss.addCa("inter", tsca(t, ["dump_ca", "Inter"]), ",,");
    // What it refused before: the user-scope CRL with its critical IDP, then served at this URL.
    const userCrl = await get(`http://${host}/crl/${inter}/user`);
    const refused = nss.importCrl(userCrl);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/critical extension/i);
    const imported = nss.importCrl(leafCrl);
    expect(imported.code, imported.out).toBe(0);
    const listed = nss.listCrl("inter");
    expect(listed.code, listed.out).toBe(0);
    const serials = nssSerials(listed.out);
    expect(serials).toEqual([revoked.hex]);
    expect(serials).not.toContain(good.hex);
    const rootImported = nss.importCrl(rootCrl);
    expect(rootImported.code, rootImported.out).toBe(0);
    expect(nssSerials(nss.listCrl("root").out)).toEqual([other]);

    // The scoped CRLs keep their own URLs, with their critical IDP.
    const userText = crlText(userCrl, "DER");
    expect(userText).toMatch(/Issuing Distribution Point: critical\n\s+Only User Certificates/);
    expect(crlSerials(userText)).toEqual([revoked.hex]);
    const caCrl = crlText(await get(`http://${host}/crl/ca/${root}`), "DER");
    expect(caCrl).toMatch(/Issuing Distribution Point: critical\n\s+Only CA Certificates/);
    expect(crlSerials(caCrl)).toEqual([other]);
  });
});
