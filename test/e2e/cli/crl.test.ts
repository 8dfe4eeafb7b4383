/**
 * CRLs from the command line (issue 4, "Evidence"): `openssl crl -text` shows number, scope (IDP),
 * reasons and invalidity dates; `openssl crl -CAfile` verifies the signature; `openssl verify -crl_check`
 * and `-crl_check_all` accept a good certificate and reject a revoked one (error 23) for a chain with an
 * intermediate; a delta CRL lists only the changes; CRL numbers strictly increase, separately per CA and
 * scope, also with two processes at once; expired certificates drop out. On every database backend.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { runTsca, spawnTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { inProcess, makeCsr } from "../../helpers/certs.js";
import { expectOneSentence } from "../../helpers/oracles.js";
import { crlNumberOf, crlSerials, crlText, expectCrlSignedBy, leaf, makePki, verifyWithCrls } from "../../helpers/crl.js";
import { storedCrls } from "../../helpers/crl-history.js";

const dumpCrl = (t: TscaEnv, args: string[]): string => tsca(t, ["dump_crl", ...args]);

/**
 * The newest stored CRL number of a CA and scope (0: none), read from the database: init_ca stores each
 * new CA's first CRLs, so the numbers a test makes continue from there.
 */
async function storedNumber(t: TscaEnv, caSerial: string, kind: "all" | "user" | "ca", reasons = ""): Promise<number> {
  return (await storedCrls(t)).get(`${caSerial.replace(/:/g, "")}/${kind}/${reasons}`)?.at(-1)?.number ?? 0;
}

describe.each(BACKENDS)("dump_crl (%s)", (backend) => {
  it("user and CA CRLs of a chain: openssl shows number, scope, reasons, invalidity dates; verify accepts a good leaf and rejects a revoked one", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const pki = makePki(t);
    const good = leaf(t, "Inter", "good.example.test");
    const compromised = leaf(t, "Inter", "compromised.example.test");
    const plain = leaf(t, "Inter", "plain.example.test");
    const held = leaf(t, "Inter", "held.example.test");
    tsca(t, ["revoke_cert", compromised.serial, "--reason", "key_compromise", "--compromised", "2026-01-02T03:04:05Z"]);
    tsca(t, ["revoke_cert", plain.serial]);
    tsca(t, ["revoke_cert", held.serial, "--reason", "certificate_hold"]);

    const userBefore = await storedNumber(t, pki.inter, "user");
    const userCrl = dumpCrl(t, ["--ca", "Inter", "--only-contains-user-certs"]);
    expect(userCrl).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]+-----END X509 CRL-----\n$/);
    const text = crlText(userCrl);
    expect(crlNumberOf(text)).toBe(userBefore + 1);
    expect(text).toMatch(/X509v3 Issuing Distribution Point: critical\n\s+Only User Certificates\n/);
    expect(text).toContain("Issuer: C = AT, O = Example, CN = inter.example.test");
    expect(text).toMatch(/X509v3 Authority Key Identifier: \n\s+[0-9A-F:]{59}\n/);
    expect(crlSerials(text).sort()).toEqual([compromised.hex, plain.hex, held.hex].sort());
    expect(text).toMatch(
      new RegExp(
        `Serial Number: ${compromised.hex}\\n\\s+Revocation Date: .*\\n\\s+CRL entry extensions:\\n\\s+X509v3 CRL Reason Code: \\n\\s+Key Compromise\\n\\s+Invalidity Date: \\n\\s+Jan  2 03:04:05 2026 GMT`,
      ),
    );
    // RFC 5280 §5.3.1: no reasonCode for unspecified.
    expect(text).toMatch(new RegExp(`Serial Number: ${plain.hex}\\n\\s+Revocation Date: [^\\n]+\\n(?!\\s+CRL entry extensions)`));
    expect(text).toMatch(new RegExp(`Serial Number: ${held.hex}\\n[^S]+Certificate Hold`));
    expectCrlSignedBy(userCrl, pki.interPem);

    // The root's CA-scope CRL as DER into a file: empty, but signed, numbered and scoped.
    const caCrlPath = join(t.home, "root-ca.crl");
    const caBefore = await storedNumber(t, pki.root, "ca");
    expect(dumpCrl(t, ["--ca", "Root", "--only-contains-ca-certs", "-f", "DER", caCrlPath])).toBe("");
    const caCrl = readFileSync(caCrlPath);
    expect(caCrl[0]).toBe(0x30);
    const caText = crlText(caCrl, "DER");
    expect(caText).toMatch(/X509v3 Issuing Distribution Point: critical\n\s+Only CA Certificates\n/);
    expect(caText).toContain("No Revoked Certificates.");
    expect(crlNumberOf(caText)).toBe(caBefore + 1);
    const caCrlPem = dumpCrl(t, ["--ca", "Root", "--only-contains-ca-certs"]);
    expectCrlSignedBy(caCrlPem, pki.rootPem);

    // The whole chain with CRLs for both levels (-crl_check_all) and the leaf alone (-crl_check).
    const ok = verifyWithCrls(pki.rootPem, [pki.interPem], [userCrl, caCrlPem], good.pem);
    expect(ok.out).toMatch(/: OK\n/);
    expect(ok.code).toBe(0);
    const bad = verifyWithCrls(pki.rootPem, [pki.interPem], [userCrl, caCrlPem], compromised.pem);
    expect(bad.out).toMatch(/error 23 at 0 depth lookup: certificate revoked/);
    expect(bad.code).not.toBe(0);
    expect(verifyWithCrls(pki.rootPem, [pki.interPem], [userCrl], good.pem, "-crl_check").out).toMatch(/: OK\n/);
    expect(verifyWithCrls(pki.rootPem, [pki.interPem], [userCrl], held.pem, "-crl_check").out).toMatch(
      /error 23 at 0 depth lookup: certificate revoked/,
    );
    // Without the root's CA CRL, -crl_check_all cannot decide about the intermediate (error 3): the CA CRL is what vouches for it.
    expect(verifyWithCrls(pki.rootPem, [pki.interPem], [userCrl], good.pem).out).toMatch(
      /error 3 at 1 depth lookup: unable to get certificate CRL/,
    );
  });

  it("CRL numbers strictly increase per CA and scope, scopes count separately, and a delta shares its scope's sequence", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const pki = makePki(t);
    // Where each sequence stands after init_ca (its first full, user and CA CRLs); reason scopes have none yet.
    const [full, user, ca, interUser] = [
      await storedNumber(t, pki.root, "all"),
      await storedNumber(t, pki.root, "user"),
      await storedNumber(t, pki.root, "ca"),
      await storedNumber(t, pki.inter, "user"),
    ];
    expect(await storedNumber(t, pki.root, "all", "key_compromise")).toBe(0);
    const number = (args: string[]): number => crlNumberOf(crlText(dumpCrl(t, args)));
    expect([number(["--ca", "Root"]), number(["--ca", "Root"])]).toEqual([full + 1, full + 2]);
    expect([number(["--ca", "Root", "--only-contains-user-certs"]), number(["--ca", "Root", "--only-contains-user-certs"])]).toEqual([
      user + 1,
      user + 2,
    ]);
    expect(number(["--ca", "Root", "--only-contains-ca-certs"])).toBe(ca + 1);
    expect(number(["--ca", "Root", "--only-some-reasons", "key_compromise"])).toBe(1);
    expect(number(["--ca", "Root", "--only-some-reasons", "keyCompromise", "--only-some-reasons", "superseded"])).toBe(1);
    const delta = crlText(dumpCrl(t, ["--ca", "Root", "--only-contains-user-certs", "--delta"]));
    expect(crlNumberOf(delta)).toBe(user + 3);
    expect(delta).toMatch(new RegExp(`X509v3 Delta CRL Indicator: critical\\n\\s+${user + 2}\\n`));
    expect(number(["--ca", "Root", "--only-contains-user-certs"])).toBe(user + 4);
    expect(number(["--ca", "Inter", "--only-contains-user-certs"])).toBe(interUser + 1);
    expect(number(["--ca", "Root"])).toBe(full + 3);
  });

  it("a delta CRL lists only what changed since its base: new revocations, and removeFromCRL for a certificate released from hold", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const pki = makePki(t);
    const [a, held, b] = ["a", "held", "b"].map((n) => leaf(t, "Inter", `${n}.example.test`));
    tsca(t, ["revoke_cert", a!.serial, "--reason", "superseded"]);
    tsca(t, ["revoke_cert", held!.serial, "--reason", "certificate_hold"]);
    const base = crlText(dumpCrl(t, ["--ca", "Inter", "--only-contains-user-certs"]));
    expect(crlSerials(base).sort()).toEqual([a!.hex, held!.hex].sort());
    const baseNumber = crlNumberOf(base);

    const empty = crlText(dumpCrl(t, ["--ca", "Inter", "--only-contains-user-certs", "--delta"]));
    expect(empty).toContain("No Revoked Certificates.");
    tsca(t, ["revoke_cert", b!.serial, "--reason", "key_compromise"]);
    tsca(t, ["unrevoke_cert", held!.serial]);
    const deltaPem = dumpCrl(t, ["--ca", "Inter", "--only-contains-user-certs", "--delta"]);
    expectCrlSignedBy(deltaPem, pki.interPem);
    const delta = crlText(deltaPem);
    expect(delta).toMatch(new RegExp(`X509v3 Delta CRL Indicator: critical\\n\\s+${baseNumber}\\n`));
    expect(delta).toMatch(/X509v3 Issuing Distribution Point: critical\n\s+Only User Certificates\n/);
    expect(crlSerials(delta).sort()).toEqual([b!.hex, held!.hex].sort());
    expect(delta).toMatch(new RegExp(`Serial Number: ${held!.hex}\\n[^S]+Remove From CRL`));
    expect(delta).toMatch(new RegExp(`Serial Number: ${b!.hex}\\n[^S]+Key Compromise`));
    // The next complete CRL no longer lists the released certificate.
    expect(crlSerials(crlText(dumpCrl(t, ["--ca", "Inter", "--only-contains-user-certs"]))).sort()).toEqual([a!.hex, b!.hex].sort());
  });

  it("--only-some-reasons: only those revocations, named in the IDP; the full CRL has no IDP", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    makePki(t);
    const kc = leaf(t, "Inter", "kc.example.test");
    const sup = leaf(t, "Inter", "sup.example.test");
    const uns = leaf(t, "Inter", "uns.example.test");
    tsca(t, ["revoke_cert", kc.serial, "--reason", "key_compromise"]);
    tsca(t, ["revoke_cert", sup.serial, "--reason", "superseded"]);
    tsca(t, ["revoke_cert", uns.serial]);
    const some = crlText(dumpCrl(t, ["--ca", "Inter", "--only-some-reasons", "superseded", "--only-some-reasons", "key_compromise"]));
    expect(some).toMatch(/X509v3 Issuing Distribution Point: critical\n\s+Only Some Reasons:\n\s+Key Compromise, Superseded\n/);
    expect(crlSerials(some).sort()).toEqual([kc.hex, sup.hex].sort());
    const full = crlText(dumpCrl(t, ["--ca", "Inter"]));
    expect(full).not.toContain("Issuing Distribution Point");
    expect(crlSerials(full)).toHaveLength(3);
  });

  it("revoked certificates drop out once a CRL issued after their expiry has listed them (RFC 5280 §5.1.2.6)", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    makePki(t);
    const shortLived = leaf(t, "Inter", "short.example.test", ["--expires", "1"]);
    const longLived = leaf(t, "Inter", "long.example.test");
    tsca(t, ["revoke_cert", shortLived.serial]);
    tsca(t, ["revoke_cert", longLived.serial]);
    const at = (ms: number) => ({ clock: { now: () => new Date(Date.now() + ms) } });
    const serialsAt = async (ms: number): Promise<string[]> =>
      crlSerials(crlText(await inProcess(t, ["dump_crl", "--ca", "Inter", "--only-contains-user-certs"], at(ms)))).sort();
    const both = [shortLived.hex, longLived.hex].sort();
    expect(await serialsAt(0)).toEqual(both);
    // Two days later the short-lived certificate has expired; this CRL is the first issued after that, so it still lists it.
    expect(await serialsAt(2 * 86_400_000)).toEqual(both);
    expect(await serialsAt(2 * 86_400_000 + 60_000)).toEqual([longLived.hex]);
  });

  it("bad input is one sentence: usage errors exit 2, others exit 1", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    expectOneSentence(runTsca(t, ["dump_crl"]), 1, /No certificate authority is usable/);
    makePki(t);
    const locked = tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--expires",
      "4000",
      "--password",
      "secret",
      "Locked",
      "/CN=locked.example.test",
    ]).trim();
    expectOneSentence(
      runTsca(t, ["dump_crl", "--ca", "Root", "--only-contains-ca-certs", "--only-contains-user-certs"]),
      2,
      /Give only one of --only-contains-ca-certs and --only-contains-user-certs\./,
    );
    expectOneSentence(runTsca(t, ["dump_crl", "--ca", "Root", "--only-some-reasons", "because"]), 2, /because: Unknown revocation reason/);
    expectOneSentence(
      runTsca(t, ["dump_crl", "--ca", "Root", "--only-some-reasons", "unspecified"]),
      2,
      /unspecified: A CRL cannot be limited to this reason/,
    );
    expectOneSentence(runTsca(t, ["dump_crl", "--ca", "Root", "--expires", "0"]), 2, /--expires must be a positive integer/);
    expectOneSentence(runTsca(t, ["dump_crl", "--ca", "Root", "-f", "TXT"]), 2, /TXT: Format must be PEM or DER\./);
    expectOneSentence(runTsca(t, ["dump_crl", "--ca", "Nope"]), 1, /Nope: Certificate authority not found\./);
    // init_ca stored the complete full CRL; a reason-limited scope has none to base a delta on.
    expectOneSentence(
      runTsca(t, ["dump_crl", "--ca", "Root", "--only-some-reasons", "key_compromise", "--delta"]),
      1,
      /There is no complete full \(key_compromise\) CRL of CA "Root" to base a delta CRL on/,
    );
    expectOneSentence(runTsca(t, ["dump_crl", "--ca", "Locked"]), 1, /encrypted and no password was given/);
    expectOneSentence(runTsca(t, ["dump_crl", "--ca", "Locked", "--password", "wrong"]), 1, /wrong password/);
    const lockedBefore = await storedNumber(t, locked, "all");
    expect(crlNumberOf(crlText(tsca(t, ["dump_crl", "--ca", "Locked", "--password", "secret"])))).toBe(lockedBefore + 1);
    // The default CA is the usable CA that expires last: the newest, "Locked", which needs its password.
    expect(crlText(tsca(t, ["dump_crl", "--password"], { input: "secret\n" }))).toContain("CN = locked.example.test");
  });
});

describe.each(BACKENDS)("revoke_ca (%s)", (backend) => {
  it("refuses a root; revokes an intermediate: on the root's CA CRL (openssl error 23 at depth 1), and it and its children cannot issue", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "2", "Root", "/CN=root.example.test"]).trim();
    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "--parent", "Root", "Inter", "/CN=inter.example.test"]);
    tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Inter", "Sub", "/CN=sub.example.test"]);
    tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Other", "/CN=other.example.test"]);
    const rootPem = tsca(t, ["dump_ca", "Root"]);
    const interPem = tsca(t, ["dump_ca", "Inter"]);
    const good = leaf(t, "Inter", "leaf.example.test");
    const userCrl = dumpCrl(t, ["--ca", "Inter", "--only-contains-user-certs"]);
    const firstCaCrl = dumpCrl(t, ["--ca", "Root", "--only-contains-ca-certs"]);
    const caNumber = crlNumberOf(crlText(firstCaCrl));
    expect(verifyWithCrls(rootPem, [interPem], [userCrl, firstCaCrl], good.pem).out).toMatch(/: OK\n/);

    expectOneSentence(
      runTsca(t, ["revoke_ca", "Root"]),
      1,
      /^Error: "Root" is a root CA, and a root CA cannot be revoked because no issuer could publish its revocation\.\n$/,
    );
    expect(tsca(t, ["list_cas"])).not.toContain("revoked");

    const out = tsca(t, ["revoke_ca", "Inter", "--reason", "ca_compromise"]);
    expect(out).toMatch(
      new RegExp(`^[0-9A-F:]{59}: revoked \\(ca_compromise\\)\\.\\nCA CRL #${caNumber + 1} of "Root" lists it \\(1 entry\\)\\.\\n$`),
    );
    expectOneSentence(runTsca(t, ["revoke_ca", "Inter"]), 1, /"Inter" was already revoked on/);

    // The CA CRL revoke_ca made is the one served (newest stored); a fresh dump agrees. Only Inter is on it.
    const caCrl = dumpCrl(t, ["--ca", "Root", "--only-contains-ca-certs"]);
    const caText = crlText(caCrl);
    expect(crlNumberOf(caText)).toBe(caNumber + 2);
    expect(crlSerials(caText)).toEqual([
      tsca(t, ["list_cas"])
        .split("\n")
        .find((l) => l.includes("Inter"))!
        .split(" ")[0]!
        .replace(/:/g, ""),
    ]);
    expect(caText).toMatch(/CRL Reason Code: \n\s+CA Compromise/);
    expect(crlSerials(caText)).not.toContain(root.replace(/:/g, ""));
    const revoked = verifyWithCrls(rootPem, [interPem], [userCrl, caCrl], good.pem);
    expect(revoked.out).toMatch(/error 23 at 1 depth lookup: certificate revoked/);

    // Neither the revoked CA nor its child can issue; its sibling still can.
    const csr = makeCsr("ec", "/CN=x.example.test");
    expectOneSentence(runTsca(t, ["sign_cert", "--ca", "Inter", "--csr", csr.path]), 1, /Certificate authority "Inter" is revoked\./);
    expectOneSentence(
      runTsca(t, ["sign_cert", "--ca", "Sub", "--csr", csr.path]),
      1,
      /Ancestor CA "Inter" of certificate authority "Sub" is revoked\./,
    );
    expectOneSentence(
      runTsca(t, ["init_ca", "--key-type", "EC", "--parent", "Sub", "Deeper", "/CN=deeper.example.test"]),
      1,
      /Ancestor CA "Inter" of parent ca "Sub" is revoked\./,
    );
    expect(tsca(t, ["sign_cert", "--ca", "Other", "--csr", csr.path])).toContain("BEGIN CERTIFICATE");
  });

  it("with an encrypted parent key: recorded at once with a note; the CA CRL follows with the password", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "--password", "pw", "Root", "/CN=root.example.test"]).trim();
    const inter = tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--parent",
      "Root",
      "--parent-password",
      "pw",
      "Inter",
      "/CN=inter.example.test",
    ]).trim();
    expectOneSentence(runTsca(t, ["revoke_ca", "Inter", "--password", "wrong"]), 1, /wrong password/);
    const r = runTsca(t, ["revoke_ca", "Inter", "--reason", "superseded"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${inter}: revoked (superseded).\n`);
    expect(r.stderr).toBe(
      `Note: The key of "Root" is encrypted; its CA CRL will list the revocation after generate_crls (or give --password).\n`,
    );
    // The revocation makes Root's CRLs due at once (not only when they run out), so a timer's run without
    // --force reaches Root: skipped, said on stderr, and the run fails (the timer must notice).
    const skipped = runTsca(t, ["generate_crls"]);
    expect(skipped.code).toBe(1);
    expect(skipped.stdout).toBe("");
    expect(skipped.stderr).toBe(
      `"Root" (${root}): skipped: The private key is encrypted; name this CA alone with --password, or give its password in TSCA_CA_PASSWORDS_FILE, to generate its CRLs.\n` +
        "Error: The CRLs of 1 CA could not be generated; the reasons are above.\n",
    );
    tsca(t, ["generate_crls", "Root", "--password", "pw"]);
    const caCrl = crlText(tsca(t, ["dump_crl", "--ca", "Root", "--only-contains-ca-certs", "--password", "pw"]));
    expect(crlSerials(caCrl)).toEqual([inter.replace(/:/g, "")]);
    expect(caCrl).toMatch(/CRL Reason Code: \n\s+Superseded/);
  });
});

describe.each(BACKENDS)("generate_crls (%s)", (backend) => {
  it("makes the full, user and CA CRLs of every usable CA; runs again keep them until due; --force renews", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const pki = makePki(t);
    // --force: init_ca may have made the first CRLs already.
    const first = tsca(t, ["generate_crls", "--force"]);
    const lines = first.trim().split("\n");
    expect(lines).toHaveLength(6);
    for (const [name, serial] of [
      ["Root", pki.root],
      ["Inter", pki.inter],
    ])
      for (const scope of ["full", "user", "CA"])
        expect(lines).toContainEqual(
          expect.stringMatching(
            new RegExp(
              `^"${name}" \\(${serial}\\): ${scope} CRL #\\d+ generated, 0 entries, next update \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\.$`,
            ),
          ),
        );
    const again = runTsca(t, ["cache_crls"]);
    expect(again.code).toBe(0);
    expect(
      again.stdout
        .trim()
        .split("\n")
        .every((l) => / CRL #\d+ is current \(next update /.test(l)),
    ).toBe(true);
    const user = Number(/^"Inter" .*: user CRL #(\d+) generated/m.exec(first)![1]);
    expect(tsca(t, ["generate_crls", "--force", "Inter"]).trim().split("\n")).toEqual([
      expect.stringMatching(/^"Inter" .*: full CRL #\d+ generated, 0 entries/),
      expect.stringMatching(new RegExp(`^"Inter" .*: user CRL #${user + 1} generated, 0 entries`)),
      expect.stringMatching(/^"Inter" .*: CA CRL #\d+ generated, 0 entries/),
    ]);
    // dump_crl of a scope generate_crls keeps continues its numbering.
    expect(crlNumberOf(crlText(dumpCrl(t, ["--ca", "Inter", "--only-contains-user-certs"])))).toBe(user + 2);
    expectOneSentence(runTsca(t, ["generate_crls", "--password", "x"]), 2, /--password can only be given when exactly one CA is named\./);
    expectOneSentence(
      runTsca(t, ["generate_crls", "Root", "Inter", "--password", "x"]),
      2,
      /--password can only be given when exactly one CA is named\./,
    );
  });

  it("TSCA_CRL_EXPIRES sets the validity and TSCA_CRL_RENEWAL when CRLs are renewed", async () => {
    const url = await freshDatabaseUrl(backend);
    const t = tscaEnv(url, { TSCA_CRL_EXPIRES: "3600", TSCA_CRL_RENEWAL: "1800" });
    makePki(t);
    tsca(t, ["generate_crls", "Root"]);
    const text = crlText(tsca(t, ["dump_crl", "--ca", "Root", "--only-contains-user-certs", "--expires", "7200"]));
    const d = (label: string): number => new Date(new RegExp(`${label}: (.*)`).exec(text)![1]!).getTime();
    expect(d("Next Update") - d("Last Update")).toBe(7_200_000);
    const at = (ms: number) => ({ clock: { now: () => new Date(Date.now() + ms) } });
    // 1000 s later the CRLs (valid 3600 s) still have more than 1800 s to go; 2000 s later they are due.
    expect(await inProcess(t, ["generate_crls", "Root"], at(1_000_000))).toMatch(/user CRL #2 is current[\s\S]*CA CRL #1 is current/);
    const due = await inProcess(t, ["generate_crls", "Root"], at(2_000_000));
    expect(due).toMatch(/CA CRL #2 generated/);
    expect(due).toMatch(/user CRL #2 is current/); // the dump_crl one (valid 7200 s) is not due yet
    const bad = runTsca(tscaEnv(url, { TSCA_CRL_EXPIRES: "3600", TSCA_CRL_RENEWAL: "3600" }), ["generate_crls"]);
    expectOneSentence(bad, 1, /Invalid setting crlRenewal .*must be less than crlExpires \(3600\)/);
  });

  it("two processes at once never publish the same CRL number", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const pki = makePki(t);
    const n = await storedNumber(t, pki.root, "user");
    const run = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const p = spawnTsca(t, ["dump_crl", "--ca", "Root", "--only-contains-user-certs"]);
        let out = "";
        let err = "";
        p.stdout!.on("data", (c: Buffer) => (out += c.toString()));
        p.stderr!.on("data", (c: Buffer) => (err += c.toString()));
        p.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
      });
    const worker = async (): Promise<number[]> => {
      const numbers: number[] = [];
      for (let i = 0; i < 4; i++) numbers.push(crlNumberOf(crlText(await run())));
      return numbers;
    };
    const [a, b] = await Promise.all([worker(), worker()]);
    // Each process sees its own numbers strictly increase; together they are the next eight after the stored
    // one (init_ca's), without a gap or a repeat.
    for (const seq of [a!, b!]) expect([...seq].sort((x, y) => x - y)).toEqual(seq);
    expect([...a!, ...b!].sort((x, y) => x - y)).toEqual(Array.from({ length: 8 }, (_, i) => n + 1 + i));
  });
});
