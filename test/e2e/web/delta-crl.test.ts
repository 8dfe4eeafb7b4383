/**
 * Delta CRLs made and renewed by generate_crls (RFC 5280 §5.2.4) for a CA whose certificates carry a
 * Freshest CRL pointer (§4.2.1.15), served by `tsca serve` at that pointer's path (/crl/delta/<CA>), with
 * the complete full CRL naming them in its Freshest CRL extension (§5.2.6). Checked with openssl: the
 * extensions (`crl -text`) and `verify -crl_check -use_deltas`, which finds a revocation only the delta
 * lists, with the CRLs fetched from the URLs in the leaf certificate.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { freePort } from "../../helpers/certs.js";
import { crlNumberOf, crlSerials, crlText, leaf } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";
import { ossl, scratch } from "../../helpers/oracles.js";
import { opensslAsync, startServe, type Server } from "../../helpers/serve.js";

const hex = (colon: string): string => colon.replace(/:/g, "");

/** The URIs of one distribution-point extension of a certificate (`openssl x509 -ext`). */
const uris = (pem: string, ext: "crlDistributionPoints" | "freshestCRL"): string[] =>
  [...ossl(["x509", "-noout", "-ext", ext], pem).matchAll(/URI:(\S+)/g)].map((m) => m[1]!);

/** "… full CRL #3 generated …" / "… full delta CRL (base #3) #4 is current …" → 3 / 4, or undefined. */
function reported(out: string, what: "full CRL" | "full delta CRL", status: "generated" | "is current"): number | undefined {
  const re =
    what === "full CRL" ? /: full CRL #(\d+) (generated|is current)/ : /: full delta CRL \(base #\d+\) #(\d+) (generated|is current)/;
  const m = re.exec(out);
  return m && m[2] === status ? Number(m[1]) : undefined;
}

describe.each(BACKENDS)("delta CRLs from generate_crls (%s)", (backend) => {
  const made: TscaEnv[] = [];
  let server: Server | undefined;

  afterEach(async () => {
    if (server) expect(await server.stop()).toBe(0);
    server = undefined;
    for (const t of made.splice(0)) await disposeInstallation(t);
  });

  it("are made, renewed on new revocations only, served at the Freshest CRL URL, and used by openssl -use_deltas", async () => {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const t = tscaEnv(await freshDatabaseUrl(backend), { TSCA_DEFAULT_HOSTNAME: host });
    made.push(t);
    const root = hex(tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=Delta Root"]).trim());
    const plain = hex(tsca(t, ["init_ca", "--key-type", "EC", "Plain", "/CN=No Deltas"]).trim());
    const deltaUrl = `http://${host}/crl/delta/${root}`;
    tsca(t, ["edit_ca", "Root", "--freshest-crl-url", deltaUrl]);
    const early = leaf(t, "Root", "early.example.test");
    const late = leaf(t, "Root", "late.example.test");
    const good = leaf(t, "Root", "good.example.test");
    expect(uris(late.pem, "crlDistributionPoints")).toEqual([`http://${host}/crl/${root}`]);
    expect(uris(late.pem, "freshestCRL")).toEqual([deltaUrl]);

    tsca(t, ["revoke_cert", early.serial, "--reason", "superseded"]);
    const first = runTsca(t, ["generate_crls", "--force"]);
    expect(first.code, first.stderr).toBe(0);
    const base = reported(first.stdout, "full CRL", "generated")!;
    const delta1 = reported(first.stdout, "full delta CRL", "generated")!;
    expect(delta1).toBeGreaterThan(base);
    expect(first.stdout).toContain(`: full delta CRL (base #${base}) #${delta1} generated, 0 entries`);
    // A CA without Freshest CRL URLs gets no delta.
    expect(first.stdout).toMatch(/^"Plain" .*: full CRL #\d+ generated/m);
    expect(first.stdout).not.toMatch(/^"Plain" .*delta/m);

    // Nothing revoked since: a second run keeps everything, the delta included.
    const again = tsca(t, ["generate_crls"]);
    expect(reported(again, "full CRL", "is current")).toBe(base);
    expect(reported(again, "full delta CRL", "is current")).toBe(delta1);
    expect(again).not.toContain("generated");

    // A new revocation of this CA: only the delta is renewed, on the same base.
    tsca(t, ["revoke_cert", late.serial, "--reason", "key_compromise"]);
    const third = tsca(t, ["generate_crls"]);
    expect(reported(third, "full CRL", "is current")).toBe(base);
    const delta2 = reported(third, "full delta CRL", "generated")!;
    expect(delta2).toBeGreaterThan(delta1);
    expect(third).toContain(`: full delta CRL (base #${base}) #${delta2} generated, 1 entry`);
    expect(third).toMatch(/: user CRL #\d+ is current/);

    server = await startServe(t, ["--port", String(port)]);
    const get = async (url: string): Promise<string> => {
      const res = await fetch(`${url}?encoding=PEM`);
      expect(res.status, url).toBe(200);
      return res.text();
    };
    const full = await get(uris(late.pem, "crlDistributionPoints")[0]!);
    const delta = await get(uris(late.pem, "freshestCRL")[0]!);
    const fullText = crlText(full);
    const deltaText = crlText(delta);
    expect(crlNumberOf(fullText)).toBe(base);
    expect(fullText).toMatch(new RegExp(`X509v3 Freshest CRL: \\n\\s+Full Name:\\n\\s+URI:${deltaUrl.replace(/\./g, "\\.")}\\n`));
    expect(fullText).not.toContain("Freshest CRL: critical");
    expect(fullText).not.toContain("Delta CRL Indicator");
    expect(crlSerials(fullText)).toEqual([early.hex]);
    expect(crlNumberOf(deltaText)).toBe(delta2);
    expect(deltaText).toMatch(new RegExp(`X509v3 Delta CRL Indicator: critical\\n\\s+${base}\\n`));
    expect(deltaText).not.toContain("Freshest CRL"); // §5.2.6: never in a delta CRL
    expect(crlSerials(deltaText)).toEqual([late.hex]);
    const plainFull = crlText(await get(`http://${host}/crl/${plain}`));
    expect(plainFull).not.toContain("Freshest CRL");
    expect((await fetch(`http://${host}/crl/delta/${plain}`)).status).toBe(404);

    const rootFile = scratch("root.pem", tsca(t, ["dump_ca", "Root"]));
    // -extended_crl: without it OpenSSL 3.0 scores a delta CRL as a complete one (get_crl_score skips its
    // delta test then) and, the delta being newer, checks it alone, missing what only the base lists.
    const verify = (cert: string, crls: string, deltas: boolean) =>
      opensslAsync([
        "verify",
        "-crl_check",
        "-extended_crl",
        ...(deltas ? ["-use_deltas"] : []),
        "-CAfile",
        rootFile,
        "-CRLfile",
        scratch("crls.pem", crls),
        scratch("leaf.pem", cert),
      ]);
    // Without the delta the later revocation is invisible; with it openssl rejects the certificate.
    expect((await verify(late.pem, full, false)).code).toBe(0);
    const lateWithDelta = await verify(late.pem, full + delta, true);
    expect(lateWithDelta.code).not.toBe(0);
    expect(lateWithDelta.stdout + lateWithDelta.stderr).toContain("certificate revoked");
    const earlyWithDelta = await verify(early.pem, full + delta, true);
    expect(earlyWithDelta.stdout + earlyWithDelta.stderr).toContain("certificate revoked");
    const goodWithDelta = await verify(good.pem, full + delta, true);
    expect(goodWithDelta.code, goodWithDelta.stdout + goodWithDelta.stderr).toBe(0);
  });

  it("a changed Freshest CRL URL renews the complete full CRL, whose extension then names it; cleared, no more deltas", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    made.push(t);
    tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=Delta Root"]);
    tsca(t, ["generate_crls", "--force"]);
    tsca(t, ["edit_ca", "Root", "--freshest-crl-url", "http://ca.example.test/delta-a"]);
    const a = tsca(t, ["generate_crls"]);
    const baseA = reported(a, "full CRL", "generated")!;
    expect(a).toMatch(/: full delta CRL \(base #\d+\) #\d+ generated/);
    expect(a).toMatch(/: user CRL #\d+ is current/);
    tsca(t, ["edit_ca", "Root", "--freshest-crl-url", "http://ca.example.test/delta-b"]);
    const b = tsca(t, ["generate_crls"]);
    expect(reported(b, "full CRL", "generated")).toBeGreaterThan(baseA);
    const dumped = crlText(tsca(t, ["dump_crl", "--ca", "Root"]));
    expect(dumped).toMatch(/X509v3 Freshest CRL: \n\s+Full Name:\n\s+URI:http:\/\/ca\.example\.test\/delta-b\n/);
    tsca(t, ["edit_ca", "Root", "--clear-freshest-crl-url"]);
    const cleared = tsca(t, ["generate_crls"]);
    expect(cleared).toMatch(/: full CRL #\d+ generated/);
    expect(cleared).not.toContain("delta");
    expect(crlText(tsca(t, ["dump_crl", "--ca", "Root"]))).not.toContain("Freshest CRL");
  });
});
