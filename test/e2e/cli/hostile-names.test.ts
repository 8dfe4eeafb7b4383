/**
 * Hostile names through the real CLI (issue 14, brief D):
 *
 * 1. On a CA permitting only example.com, the CN `evil.com.` is refused exactly like `evil.com` (the
 *    trailing dot used to get around the constraint); `WWW.Example.COM.` and an IDNA U-label are issued
 *    in canonical form — openssl reads the A-label and `openssl verify` checks it against the CA's name
 *    constraints (which were given as a U-label too).
 * 2. A CSR whose subject or SAN carries a newline or an ESC sequence (made by `openssl req`) is refused
 *    with one escaped sentence; so are such a subject on the command line and an empty `dirName:`.
 * 3. A certificate and a CA carrying control characters can still be imported (they were signed
 *    elsewhere); `list_certs`, `view_cert`, `list_cas` (and `--tree`), `view_ca` and error messages show
 *    them as visible escapes: no raw ESC, C1 or bidi character, no forged line on stdout or stderr. JSON
 *    output parses back to the exact stored values.
 * 4. A CSR whose signatureAlgorithm says sha256WithRSAEncryption over an EC key (the CertificationRequestInfo
 *    of an openssl EC CSR, signed with its key, relabelled by hand) is refused.
 */
import { createPrivateKey, sign as nodeSign } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { newEcKeyArgs, openssl, runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { caPem, expectOneSentence, keyFile, opensslSignCsr, opensslVerify, ossl, scratch, x509Text } from "../../helpers/oracles.js";
import { expectCertRefused, makeCsr, opensslSerial, resignCsr, storeSnapshot } from "../../helpers/certs.js";

/** Bytes a terminal acts on or that hide text: C0 except the line feeds of the output itself, DEL, C1 (as UTF-8), bidi. */
function unsafeBytes(out: Buffer): string[] {
  const found: string[] = [];
  for (const b of out) if ((b < 0x20 && b !== 0x0a) || b === 0x7f) found.push(`0x${b.toString(16)}`);
  const text = out.toString("utf8");
  for (const ch of text.match(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g) ?? [])
    found.push(`U+${ch.codePointAt(0)!.toString(16)}`);
  return found;
}

/** A leaf certificate with the given subject (and SAN), made and signed by openssl with a CA's own key. */
function opensslLeafWithSubject(caCertPem: string, caKeyPath: string, subj: string, san: string): string {
  const ext = [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature",
    "subjectKeyIdentifier=hash",
    "authorityKeyIdentifier=keyid",
    `subjectAltName=${san}`,
  ];
  return opensslSignCsr(caCertPem, caKeyPath, utf8CsrPem(subj), ext, "0x1A2B3C4D5E6F");
}

/** A CSR by `openssl req -utf8` (the subject's characters as UTF-8, not as Latin-1 bytes), as PEM. */
const utf8CsrPem = (subj: string): string => ossl(["req", "-new", "-utf8", ...newEcKeyArgs(scratch("k.pem")), "-subj", subj]);

/** A CSR by `openssl req -utf8`, in a file; returns its path. */
const utf8Csr = (subj: string): string => scratch("req.csr", utf8CsrPem(subj));

/**
 * A refusal: exit code, one `Error: …` line and nothing on stdout (expectOneSentence), and no raw control
 * character on stderr either. Callers compare the whole store once around a group of refusals.
 */
function refused(t: TscaEnv, args: string[], exitCode: number, message: RegExp): void {
  const r = runTsca(t, args);
  expectOneSentence(r, exitCode, message);
  expect(unsafeBytes(Buffer.from(r.stderr)), r.stderr).toEqual([]);
}

/** AlgorithmIdentifiers: sha256WithRSAEncryption with NULL parameters, ecdsa-with-SHA256 without (RFC 5758 §3.2). */
const SHA256_WITH_RSA = Buffer.from("300d06092a864886f70d01010b0500", "hex");
const ECDSA_WITH_SHA256 = Buffer.from("300a06082a8648ce3d040302", "hex");

const ESC_CN = "a\nb\x1b[31mred\x1b]0;pwned\x07";
const ESCAPED_CN = "a\\nb\\x1b[31mred\\x1b]0;pwned\\x07";

describe.each(BACKENDS)("hostile names (%s)", (backend) => {
  const homes: string[] = [];
  afterAll(() => homes.forEach((home) => rmSync(home, { recursive: true, force: true })));
  /** A fresh installation (TSCA_HOME removed after the suite). */
  async function installation(): Promise<TscaEnv> {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    homes.push(t.home);
    return t;
  }

  /** A fresh installation with a root CA "Lim" whose name constraints permit only example.com. */
  async function constrainedCa(): Promise<{ t: TscaEnv; rootPem: string }> {
    const t = await installation();
    const ca = tsca(t, ["init_ca", "--key-type", "EC", "--permit-name", "DNS:example.com", "Lim", "/CN=Lim"]).trim();
    return { t, rootPem: caPem(t, ca) };
  }

  it("a trailing dot, upper case or a U-label does not get a CN past the name constraints; what is issued is canonical", async () => {
    const { t, rootPem } = await constrainedCa();
    const before = await storeSnapshot(t);
    for (const cn of ["evil.com", "evil.com.", "EVIL.COM.", "ｅｖｉｌ.com"])
      refused(
        t,
        ["sign_cert", "--csr", utf8Csr(`/CN=${cn}`), "--ca", "Lim"],
        1,
        /^Error: DNS:evil\.com is not within the permitted names of CA "Lim"\.\n$/,
      );
    const www = makeCsr("ec", "/CN=www.example.com").path;
    refused(t, ["sign_cert", "--csr", www, "--ca", "Lim", "--alt", "DNS:evil.com."], 1, /DNS:evil\.com is not within/);
    expect(await storeSnapshot(t)).toEqual(before);

    // Issued: the certificate carries the spelling that was checked, in CN and SAN alike.
    const pem = tsca(t, ["sign_cert", "--csr", makeCsr("ec", "/CN=WWW.Example.COM.").path, "--ca", "Lim"]);
    const text = x509Text(pem);
    expect(text).toMatch(/Subject: CN\s?=\s?www\.example\.com\n/);
    expect(text).toMatch(/X509v3 Subject Alternative Name: \n\s+DNS:www\.example\.com\n/);
    expect(opensslVerify(rootPem, [], pem).code).toBe(0);

    // A subtree given as a U-label is stored as its A-label (RFC 5280 §7.2), as openssl reads it.
    const idnCa = tsca(t, ["init_ca", "--key-type", "EC", "--permit-name", "DNS:Bücher.example", "Idn", "/CN=Idn"]).trim();
    const idnPem = caPem(t, idnCa);
    expect(x509Text(idnPem)).toMatch(/Permitted:\s+DNS:xn--bcher-kva\.example\n/);
    const idn = tsca(t, [
      "sign_cert",
      "--csr",
      utf8Csr("/CN=Shop.Bücher.example."),
      "--ca",
      "Idn",
      "--alt",
      "DNS:shop.BÜCHER.example",
      "--alt",
      "DNS:www.bücher.example",
    ]);
    const idnText = x509Text(idn);
    expect(idnText).toMatch(/Subject: CN\s?=\s?shop\.xn--bcher-kva\.example\n/);
    expect(idnText).toMatch(/DNS:shop\.xn--bcher-kva\.example, DNS:www\.xn--bcher-kva\.example\n/);
    // openssl checks the A-labels against the CA's (A-label) permitted subtree.
    const v = opensslVerify(idnPem, [], idn);
    expect(v.stdout + v.stderr).toMatch(/: OK\n/);
    expect(v.code).toBe(0);
    expect(tsca(t, ["list_certs"]).trim().split("\n")).toHaveLength(2);
  });

  it("control characters from a CSR or the command line are refused with one escaped sentence; an empty dirName too", async () => {
    const { t } = await constrainedCa();
    const before = await storeSnapshot(t);
    const newline = makeCsr("ec", "/CN=a\nb");
    refused(
      t,
      ["sign_cert", "--csr", newline.path, "--ca", "Lim", "--alt", "DNS:www.example.com"],
      1,
      /^Error: The commonName of the subject "a\\nb" contains a control character \(\\n\); certificate names must not contain control characters\.\n$/,
    );
    const esc = makeCsr("ec", "/O=Example/CN=www.example.com\x1b[2J\x1b[31m");
    refused(
      t,
      ["sign_cert", "--csr", esc.path, "--ca", "Lim"],
      1,
      /^Error: The commonName of the subject "www\.example\.com\\x1b\[2J\\x1b\[31m" contains a control character \(\\x1b\)/,
    );
    // The same subject given on the command line is a usage error.
    const good = makeCsr("ec", "/CN=www.example.com");
    refused(
      t,
      ["sign_cert", "--csr", good.path, "--ca", "Lim", "--subject", "/CN=x\x1b[2Jy"],
      2,
      /^Error: \/CN=x\\x1b\[2Jy: Attribute CN contains a control character \(\\x1b\)/,
    );
    // A requested SAN with ESC, from the CSR (openssl writes it into the IA5String as is).
    const escSan = makeCsr("ec", "/CN=www.example.com", { addext: ["subjectAltName=DNS:www.example.com,DNS:a\x1b[8m.example.com"] });
    refused(
      t,
      ["sign_cert", "--csr", escSan.path, "--ca", "Lim"],
      1,
      /^Error: The subject alternative name "a\\x1b\[8m\.example\.com" contains a control character/,
    );
    // RFC 5280 §4.2.1.6: a directoryName names something; `dirName:` names nothing.
    refused(
      t,
      ["sign_cert", "--csr", good.path, "--ca", "Lim", "--alt", "dirName:"],
      2,
      /^Error: dirName:: A directory name must not be empty\.\n$/,
    );
    expect(await storeSnapshot(t)).toEqual(before);
    expect(tsca(t, ["list_certs"])).toBe("");
  });

  it("imported certificates and CAs with control characters are shown escaped in every text output", async () => {
    const t = await installation();
    tsca(t, ["init_ca", "--key-type", "EC", "Plain", "/CN=Plain Root"]);
    const root = tsca(t, ["list_cas"]).split(" ")[0]!;
    // Signed by openssl with the CA's key: tsca never issued it, but import_cert accepts what its CA signed.
    const subject = `/O=Evil\u009b2J Corp\u202e/CN=${ESC_CN}`;
    const leaf = opensslLeafWithSubject(caPem(t, root), keyFile(t, root), subject, "DNS:x\x1b[2J.example.com");
    expect(ossl(["x509", "-noout", "-subject", "-nameopt", "RFC2253,esc_ctrl"], leaf)).toMatch(/CN=a\\0Ab\\1B\[31m/); // openssl sees the raw bytes
    tsca(t, ["import_cert", scratch("leaf.pem", leaf), "--ca", "Plain"]);
    const serial = opensslSerial(leaf);
    tsca(t, ["sign_cert", "--csr", makeCsr("ec", "/CN=honest.example.com").path, "--ca", "Plain"]);

    // list_certs: one line per certificate; the CN's newline and escapes are visible, not acted on.
    const list = runTsca(t, ["list_certs"]);
    expect(list.code).toBe(0);
    expect(unsafeBytes(list.stdoutBytes)).toEqual([]);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines).toContainEqual(expect.stringContaining(` - ${ESCAPED_CN} (expires: `));

    // view_cert (text): the subject, O with its C1 and bidi characters, and the SAN are escaped lines.
    const view = runTsca(t, ["view_cert", serial]);
    expect(view.code, view.stderr).toBe(0);
    expect(unsafeBytes(view.stdoutBytes)).toEqual([]);
    expect(view.stdout).toContain(`  * commonName (CN): ${ESCAPED_CN}\n`);
    expect(view.stdout).toContain("  * organizationName (O): Evil\\x9b2J Corp\\u202e\n");
    expect(view.stdout).toContain("  * DNS:x\\x1b[2J.example.com\n");

    // JSON: valid, no raw unsafe character, and the exact stored values come back.
    for (const args of [
      ["view_cert", serial, "--output-format", "json"],
      ["list_certs", "--output-format", "json"],
    ]) {
      const r = runTsca(t, args);
      expect(r.code, r.stderr).toBe(0);
      expect(unsafeBytes(r.stdoutBytes)).toEqual([]);
      const parsed = JSON.parse(r.stdout) as { common_name: string } | { common_name: string }[];
      expect(Array.isArray(parsed) ? parsed.map((c) => c.common_name) : [parsed.common_name]).toContain(ESC_CN);
    }

    // An imported CA with a hostile subject and name (names of CAs are free text, so they are allowed).
    const caKey = scratch("evil-ca.key");
    const caCert = ossl([
      "req",
      "-x509",
      "-utf8",
      ...newEcKeyArgs(caKey),
      "-days",
      "30",
      "-subj",
      "/CN=Evil\x1b[2J Root\n* Name: Fake",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    const evilName = "Evil\x1b[31m\nFAKE - line";
    tsca(t, ["import_ca", evilName, caKey, scratch("evil-ca.pem", caCert)]);
    for (const args of [["list_cas"], ["list_cas", "--tree"], ["view_ca", evilName], ["view_ca", evilName, "--output-format", "json"]]) {
      const r = runTsca(t, args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(unsafeBytes(r.stdoutBytes), args.join(" ")).toEqual([]);
    }
    const cas = tsca(t, ["list_cas"]).trimEnd().split("\n");
    expect(cas).toHaveLength(2);
    expect(cas).toContainEqual(expect.stringMatching(/ - Evil\\x1b\[31m\\nFAKE - line$/));
    const viewCa = tsca(t, ["view_ca", evilName]);
    expect(viewCa).toContain("* Name: Evil\\x1b[31m\\nFAKE - line\n");
    expect(viewCa).toContain("  * commonName (CN): Evil\\x1b[2J Root\\n* Name: Fake\n");
    expect((JSON.parse(tsca(t, ["view_ca", evilName, "--output-format", "json"])) as { name: string }).name).toBe(evilName);

    // An error that echoes what the user typed cannot carry a control sequence to the terminal either.
    const missing = runTsca(t, ["view_cert", "\x1b[2Jnope\nError: fake"]);
    expectOneSentence(missing, 1);
    expect(unsafeBytes(Buffer.from(missing.stderr))).toEqual([]);
    expect(missing.stderr).toContain("\\x1b[2Jnope\\nError: fake");
  });

  it("a CSR whose signature algorithm does not belong to its key is refused", async () => {
    const { t } = await constrainedCa();
    const csr = makeCsr("ec", "/CN=www.example.com");
    const der = openssl(["req", "-outform", "DER"], csr.pem).stdoutBytes;
    // The CertificationRequestInfo unchanged, an ECDSA signature by its own key, labelled sha256WithRSAEncryption.
    const relabelled = resignCsr(der, (info) => nodeSign("sha256", info, createPrivateKey(readFileSync(csr.key))), SHA256_WITH_RSA);
    const verdict = openssl(["req", "-inform", "DER", "-verify", "-noout"], relabelled);
    expect(verdict.stdout + verdict.stderr).not.toMatch(/verify OK/); // openssl refuses it too
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", scratch("relabelled.der", relabelled), "--ca", "Lim"],
      1,
      /^Error: The CSR's signature algorithm \(sha256WithRSAEncryption\) does not belong to its EC public key\.\n$/,
    );
    // With the right label, the same request is signed: the refusal was for the label alone.
    const proper = resignCsr(der, (info) => nodeSign("sha256", info, createPrivateKey(readFileSync(csr.key))), ECDSA_WITH_SHA256);
    expect(tsca(t, ["sign_cert", "--csr", scratch("proper.der", proper), "--ca", "Lim"])).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });
});
