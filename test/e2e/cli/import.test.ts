/**
 * import_ca with CAs made by openssl: PEM and DER, encrypted keys, as parents of new CAs; refusals for a
 * key that does not match, a certificate that is not a CA, a child its named parent did not sign, and
 * duplicates — each leaving the store as it was.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { runTsca, tsca, tscaEnv } from "../../helpers/cli.js";
import {
  caPem,
  expectRefused,
  keyFile,
  linesOf,
  listTree,
  caDir,
  opensslLeaf,
  opensslVerify,
  ossl,
  scratch,
} from "../../helpers/oracles.js";

interface OpensslCa {
  key: string;
  cert: string;
  pem: string;
  serial: string;
}

const colonSerial = (pem: string): string =>
  ossl(["x509", "-noout", "-serial"], pem)
    .trim()
    .replace(/^serial=/, "")
    .match(/../g)!
    .join(":");

/** A self-signed CA made by `openssl req -x509`. */
function opensslRoot(cn: string, opts: { rsa?: boolean; password?: string; pathlen?: number; ext?: string[] } = {}): OpensslCa {
  const key = scratch(`${cn}.key`);
  const cert = scratch(`${cn}.pem`);
  ossl([
    "req",
    "-x509",
    "-newkey",
    opts.rsa ? "rsa:2048" : "ec",
    ...(opts.rsa ? [] : ["-pkeyopt", "ec_paramgen_curve:P-256"]),
    "-keyout",
    key,
    ...(opts.password !== undefined ? ["-passout", `pass:${opts.password}`] : ["-nodes"]),
    "-subj",
    `/C=AT/O=Imported/CN=${cn}`,
    "-days",
    "365",
    ...(opts.ext ?? [
      "-addext",
      `basicConstraints=critical,CA:TRUE${opts.pathlen !== undefined ? `,pathlen:${opts.pathlen}` : ""}`,
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]),
    "-out",
    cert,
  ]);
  const pem = readFileSync(cert, "utf8");
  return { key, cert, pem, serial: colonSerial(pem) };
}

/** An intermediate CA signed by `issuer` (certificate PEM + key file) with openssl. */
function opensslIntermediate(issuerPem: string, issuerKey: string, cn: string): OpensslCa {
  const made = opensslLeaf(issuerPem, issuerKey, cn, { ca: true, pathlen: 0 });
  const cert = scratch(`${cn}.pem`, made.pem);
  return { key: made.key, cert, pem: made.pem, serial: colonSerial(made.pem) };
}

describe.each(BACKENDS)("import_ca (%s)", (backend) => {
  it("imports an openssl req -x509 CA (PEM, key encrypted with --import-password) and signs a verifiable intermediate with it", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const ca = opensslRoot("imported.example.com", { rsa: true, password: "imp", pathlen: 1 });
    const out = tsca(t, ["import_ca", "--import-password", "imp", "Imported", ca.key, ca.cert]);
    expect(out).toBe(`${ca.serial}\n`);
    expect(tsca(t, ["list_cas"])).toBe(`${ca.serial} - Imported\n`);

    const view = linesOf(tsca(t, ["view_ca", "Imported"]));
    expect(view).toEqual(
      expect.arrayContaining([
        "* Name: Imported",
        `* Serial: ${ca.serial}`,
        "  * commonName (CN): imported.example.com",
        "* Signature algorithm: sha256WithRSAEncryption",
        "* Maximum levels of sub-CAs (path length): 1",
        "* encrypted: no",
      ]),
    );
    // The certificate comes back byte for byte.
    expect(tsca(t, ["dump_ca", "Imported"])).toBe(ca.pem);
    const der = runTsca(t, ["dump_ca", "-f", "DER", "Imported"]).stdoutBytes;
    expect(der.equals(readDer(ca.cert))).toBe(true);
    // The stored key is the same key, now unencrypted PKCS#8 (no --password given).
    expect(readFileSync(keyFile(t, ca.serial), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(ossl(["pkey", "-in", keyFile(t, ca.serial), "-pubout"])).toBe(ossl(["x509", "-noout", "-pubkey", "-in", ca.cert]));

    const child = tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Imported", "Child", "/CN=child.example.com"]).trim();
    const childPem = caPem(t, child);
    const v = opensslVerify(ca.pem, [], childPem);
    expect(v.code, v.stderr).toBe(0);
    // The child is signed with the hash the imported CA itself uses.
    expect(ossl(["x509", "-noout", "-text"], childPem)).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(tsca(t, ["dump_ca", "--bundle", "Child"])).toBe(childPem + ca.pem);
  });

  it("imports DER certificate and DER key, re-encrypting the key with --password", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const ca = opensslRoot("der.example.com", { pathlen: 0 });
    const certDer = scratch("cert.der");
    const keyDer = scratch("key.der");
    ossl(["x509", "-in", ca.cert, "-outform", "DER", "-out", certDer]);
    ossl(["pkey", "-in", ca.key, "-outform", "DER", "-out", keyDer]);
    expect(tsca(t, ["import_ca", "--password", "stored", "Der", keyDer, certDer])).toBe(`${ca.serial}\n`);
    expect(tsca(t, ["dump_ca", "Der"])).toBe(ca.pem);
    const stored = keyFile(t, ca.serial);
    expect(readFileSync(stored, "utf8")).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(ossl(["pkey", "-in", stored, "-passin", "pass:stored", "-pubout"])).toBe(ossl(["x509", "-noout", "-pubkey", "-in", ca.cert]));
    expect(tsca(t, ["view_ca", "Der"])).toContain("* encrypted: yes\n");
  });

  it("imports a SEC1 EC key (BEGIN EC PRIVATE KEY)", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const ca = opensslRoot("sec1.example.com");
    const sec1 = scratch("sec1.key", ossl(["ec", "-in", ca.key]));
    expect(readFileSync(sec1, "utf8")).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(tsca(t, ["import_ca", "Sec1", sec1, ca.cert])).toBe(`${ca.serial}\n`);
  });

  it("refuses a key that does not belong to the certificate, and leaves no key behind", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const a = opensslRoot("a.example.com");
    const b = opensslRoot("b.example.com");
    tsca(t, ["init_ca", "--key-type", "EC", "Existing", "/CN=existing.example.com"]);
    await expectRefused(t, ["import_ca", "Mismatch", b.key, a.cert], 1, /^Error: The private key does not belong to the certificate\.\n$/);
    expect(listTree(caDir(t)).filter((f) => f.startsWith(".pending/") && f !== ".pending/")).toEqual([]);
    // On a store without any CA yet, too.
    const fresh = tscaEnv(await freshDatabaseUrl(backend));
    await expectRefused(fresh, ["import_ca", "Mismatch", b.key, a.cert], 1, /does not belong/);
  });

  it("refuses a certificate that is not a CA (no cA flag, or no keyCertSign)", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = opensslRoot("root.example.com");
    tsca(t, ["import_ca", "Root", root.key, root.cert]);
    const leaf = opensslLeaf(root.pem, root.key, "www.example.com");
    await expectRefused(
      t,
      ["import_ca", "Leaf", leaf.key, scratch("leaf.pem", leaf.pem)],
      1,
      /^Error: The certificate is not a CA certificate/,
    );
    const noSign = opensslRoot("nosign.example.com", {
      ext: ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,digitalSignature"],
    });
    await expectRefused(t, ["import_ca", "NoSign", noSign.key, noSign.cert], 1, /keyCertSign/);
  });

  it("imports an intermediate with --parent only when that parent signed it", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const root = opensslRoot("root.example.com", { pathlen: 1 });
    const other = opensslRoot("other.example.com", { pathlen: 1 });
    tsca(t, ["import_ca", "Root", root.key, root.cert]);
    tsca(t, ["import_ca", "Other", other.key, other.cert]);

    const foreign = opensslIntermediate(other.pem, other.key, "foreign.example.com");
    await expectRefused(
      t,
      ["import_ca", "--parent", "Root", "Foreign", foreign.key, foreign.cert],
      1,
      /^Error: The certificate was not signed by "Root"\.\n$/,
    );

    const inter = opensslIntermediate(root.pem, root.key, "inter.example.com");
    expect(tsca(t, ["import_ca", "--parent", "Root", "Inter", inter.key, inter.cert])).toBe(`${inter.serial}\n`);
    expect(tsca(t, ["view_ca", "Inter"])).toContain(`* Parent: Root (${root.serial})\n`);
    expect(tsca(t, ["view_ca", "Root"])).toContain(`* Children:\n  * Inter (${inter.serial})\n`);
    expect(tsca(t, ["dump_ca", "--bundle", "Inter"])).toBe(inter.pem + root.pem);
    // Its path length 0 is honoured for children made here.
    await expectRefused(t, ["init_ca", "--key-type", "EC", "--parent", "Inter", "Below", "/CN=below.example.com"], 1, /path length/);
  });

  it("refuses duplicates: the same certificate twice, or a name taken", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const ca = opensslRoot("dup.example.com");
    const other = opensslRoot("other.example.com");
    tsca(t, ["import_ca", "Dup", ca.key, ca.cert]);
    await expectRefused(
      t,
      ["import_ca", "Dup again", ca.key, ca.cert],
      1,
      /^Error: [0-9A-F]{40}: A certificate authority with this serial already exists\.\n$/,
    );
    await expectRefused(
      t,
      ["import_ca", "Dup", other.key, other.cert],
      1,
      /^Error: Dup: A certificate authority with this name already exists\.\n$/,
    );
  });

  it("refuses an encrypted key without or with the wrong --import-password, and unreadable input", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const ca = opensslRoot("enc.example.com", { password: "imp" });
    await expectRefused(t, ["import_ca", "Enc", ca.key, ca.cert], 1, /is encrypted and no password was given/);
    await expectRefused(t, ["import_ca", "--import-password", "wrong", "Enc", ca.key, ca.cert], 1, /wrong password/);
    await expectRefused(t, ["import_ca", "Enc", ca.key, scratch("missing.pem")], 1, /Cannot read the certificate/);
    await expectRefused(t, ["import_ca", "Enc", ca.key, scratch("garbage.pem", "not a certificate\n")], 1);
    expect(tsca(t, ["import_ca", "--import-password", "imp", "Enc", ca.key, ca.cert])).toBe(`${ca.serial}\n`);
  });
});

function readDer(certPath: string): Buffer {
  const out = scratch("x.der");
  ossl(["x509", "-in", certPath, "-outform", "DER", "-out", out]);
  return readFileSync(out);
}
