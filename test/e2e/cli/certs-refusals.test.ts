/**
 * What sign_cert refuses (issue 3): a CSR with a tampered signature, MD5- and SHA-1-signed CSRs, an
 * RSA-1024 CSR, a certificate that would outlive its CA (the CA's maximum in the message), a disabled,
 * revoked, expired or encrypted-without-password CA (or one below a disabled or revoked CA), an unknown
 * profile, no CN and no SAN. Each refusal is one sentence on stderr with the documented exit code, and
 * the store is exactly as before.
 *
 * openssl is the oracle that each bad CSR is bad for the stated reason only: `openssl req -verify`
 * accepts the MD5/SHA-1/RSA-1024 requests (their self-signatures are fine) and rejects the tampered one.
 *
 * The MD5 CSR is made twice: by `openssl req -md5` (OpenSSL 3.0 still does it at the default security
 * level) and by hand, so the test does not depend on that: the CertificationRequestInfo of a SHA-256 CSR
 * from openssl is signed with node:crypto `sign("md5", info, rsaKey)` and assembled as
 * SEQUENCE { info, md5WithRSAEncryption + NULL, BIT STRING } (see resignCsr in test/helpers/certs.ts).
 */
import { sign as nodeSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { openssl, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { ossl, scratch } from "../../helpers/oracles.js";
import {
  derTlv,
  expectCertRefused,
  inProcess,
  makeCsr,
  MD5_WITH_RSA,
  resignCsr,
  runInProcess,
  storeSnapshot,
  type Csr,
} from "../../helpers/certs.js";

const DAY = 86_400_000;

interface Bad {
  md5: Buffer;
  md5ByNode: Buffer;
  sha1: Buffer;
  ecdsaSha1: Buffer;
  rsa1024: Buffer;
  tamperedEc: Buffer;
  tamperedRsa: Buffer;
  good: Csr;
}
let bad: Bad;

const der = (pem: string): Buffer => openssl(["req", "-outform", "DER"], pem).stdoutBytes;

/** openssl's verdict on a CSR's self-signature. */
function opensslVerifiesCsr(csr: Buffer): boolean {
  const r = openssl(["req", "-inform", "DER", "-verify", "-noout"], csr);
  return r.code === 0 && /verify OK/i.test(r.stdout + r.stderr);
}

/** Flip one bit in the last byte of the signature BIT STRING (the CSR's last byte). */
function tamper(csr: Buffer): Buffer {
  const out = Buffer.from(csr);
  const outer = derTlv(out);
  const info = derTlv(out, outer.start);
  const alg = derTlv(out, info.end);
  const sig = derTlv(out, alg.end);
  expect(sig.tag).toBe(0x03);
  expect(sig.end).toBe(out.length);
  out[sig.end - 1]! ^= 0x01;
  return out;
}

beforeAll(() => {
  const rsa = makeCsr("rsa", "/CN=rsa.example.com");
  const ec = makeCsr("ec", "/CN=ec.example.com");
  const md5Pem = makeCsr("rsa", "/CN=md5.example.com", { key: rsa.key, md: "md5" }).pem;
  const key = readFileSync(rsa.key, "utf8");
  bad = {
    md5: der(md5Pem),
    md5ByNode: resignCsr(der(rsa.pem), (info) => nodeSign("md5", info, key), MD5_WITH_RSA),
    sha1: der(makeCsr("rsa", "/CN=sha1.example.com", { key: rsa.key, md: "sha1" }).pem),
    ecdsaSha1: der(makeCsr("ec", "/CN=sha1.example.com", { key: ec.key, md: "sha1" }).pem),
    rsa1024: der(ossl(["req", "-new", "-newkey", "rsa:1024", "-nodes", "-keyout", scratch("1024.key"), "-subj", "/CN=small.example.com"])),
    tamperedEc: tamper(der(ec.pem)),
    tamperedRsa: tamper(der(rsa.pem)),
    good: ec,
  };
});

describe("the bad CSRs are bad for exactly the stated reason (openssl)", () => {
  it("MD5, SHA-1 and RSA-1024 requests carry valid self-signatures; the tampered ones do not", async () => {
    expect(ossl(["req", "-inform", "DER", "-noout", "-text"], bad.md5)).toMatch(/Signature Algorithm: md5WithRSAEncryption/);
    expect(ossl(["req", "-inform", "DER", "-noout", "-text"], bad.md5ByNode)).toMatch(/Signature Algorithm: md5WithRSAEncryption/);
    expect(ossl(["req", "-inform", "DER", "-noout", "-text"], bad.sha1)).toMatch(/Signature Algorithm: sha1WithRSAEncryption/);
    expect(ossl(["req", "-inform", "DER", "-noout", "-text"], bad.ecdsaSha1)).toMatch(/Signature Algorithm: ecdsa-with-SHA1/);
    expect(ossl(["req", "-inform", "DER", "-noout", "-text"], bad.rsa1024)).toMatch(/Public-Key: \(1024 bit\)/);
    for (const ok of [bad.md5, bad.md5ByNode, bad.sha1, bad.ecdsaSha1, bad.rsa1024, der(bad.good.pem)])
      expect(opensslVerifiesCsr(ok)).toBe(true);
    expect(opensslVerifiesCsr(bad.tamperedEc)).toBe(false);
    expect(opensslVerifiesCsr(bad.tamperedRsa)).toBe(false);
  });
});

describe.each(BACKENDS)("sign_cert refusals (%s)", (backend) => {
  let t: TscaEnv;
  let ca: string;
  const csrFile = (name: string, data: Buffer): string => scratch(`${name}.der`, data);

  beforeAll(async () => {
    t = tscaEnv(await freshDatabaseUrl(backend));
    ca = tsca(t, ["init_ca", "--key-type", "EC", "--expires", "50", "Short Lived", "/CN=short.example.com"]).trim();
    // One certificate stored already, so "nothing stored" compares a non-empty list.
    tsca(t, ["sign_cert", "--csr", bad.good.path, "--ca", ca, "--expires", "10"]);
  });

  it("a tampered CSR signature: no proof of possession", async () => {
    const msg = /^Error: The CSR's signature does not verify with its public key \(no proof of possession\)\.\n$/;
    await expectCertRefused(t, ["sign_cert", "--csr", csrFile("tampered-ec", bad.tamperedEc), "--ca", ca, "--expires", "10"], 1, msg);
    await expectCertRefused(t, ["sign_cert", "--ca", ca, "--expires", "10"], 1, msg, bad.tamperedRsa);
  });

  it("MD5 and SHA-1 signed CSRs", async () => {
    const msg = /^Error: The CSR is signed with a weak hash \(MD5 or SHA-1\); sign it with SHA-256 or better\.\n$/;
    for (const [name, csr] of Object.entries({ md5: bad.md5, md5ByNode: bad.md5ByNode, sha1: bad.sha1, ecdsaSha1: bad.ecdsaSha1 }))
      await expectCertRefused(t, ["sign_cert", "--csr", csrFile(name, csr), "--ca", ca, "--expires", "10"], 1, msg);
  });

  it("an RSA-1024 CSR", async () => {
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", csrFile("rsa1024", bad.rsa1024), "--ca", ca, "--expires", "10"],
      1,
      /^Error: The CSR's RSA key has 1024 bits; at least 2048 are required\.\n$/,
    );
  });

  it("a certificate that would outlive its CA names the CA's maximum", async () => {
    // The CA lives 50 days from its creation a moment ago: 49 whole days are left.
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", bad.good.path, "--ca", ca],
      1,
      /^Error: Certificate would outlive its CA "Short Lived": the maximum for this CA is 49 days\.\n$/,
    );
    await expectCertRefused(t, ["sign_cert", "--csr", bad.good.path, "--ca", ca, "--expires", "50"], 1, /maximum for this CA is 49 days/);
    // The maximum itself is allowed, and ends before the CA does (openssl reads both dates).
    const pem = tsca(t, ["sign_cert", "--csr", bad.good.path, "--ca", ca, "--expires", "49"]);
    const end = (p: string): number =>
      new Date(
        ossl(["x509", "-noout", "-enddate"], p)
          .trim()
          .replace(/^notAfter=/, ""),
      ).getTime();
    const caEnd = end(tsca(t, ["dump_ca", ca]));
    expect(end(pem)).toBeLessThanOrEqual(caEnd);
    expect(caEnd - end(pem)).toBeLessThan(DAY);
  });

  it("garbage instead of a CSR, no CN and no SAN, an unknown profile", async () => {
    await expectCertRefused(
      t,
      ["sign_cert", "--ca", ca, "--expires", "10"],
      1,
      /^Error: The CSR cannot be parsed as a PKCS#10 certification request\.\n$/,
      "not a CSR\n",
    );
    const noName = makeCsr("ec", "/O=Example/OU=No Name");
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", noName.path, "--ca", ca, "--expires", "10"],
      2,
      /^Error: Must give at least a common name in --subject or one or more --subject-alternative-name\/--name arguments\.\n$/,
    );
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", bad.good.path, "--ca", ca, "--expires", "10", "--profile", "nope"],
      2,
      /^Error: nope: Profile is not defined \(defined: client, server, webserver, enduser, ocsp\)\.\n$/,
    );
    await expectCertRefused(t, ["sign_cert", "--csr", bad.good.path, "--ca", "No Such CA", "--expires", "10"], 1, /No Such CA/);
    await expectCertRefused(t, ["sign_cert", "--csr", bad.good.path, "--ca", ca, "--expires", "0"], 2, /--expires/);
  });

  it("a disabled CA, and an intermediate whose root is disabled", async () => {
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Disabled Root", "/CN=disabled.example.com"]).trim();
    const int = tsca(t, ["init_ca", "--key-type", "EC", "--parent", root, "Child", "/CN=child.example.com"]).trim();
    tsca(t, ["edit_ca", root, "--disable"]);
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", bad.good.path, "--ca", root],
      1,
      /^Error: Certificate authority "Disabled Root" is disabled\.\n$/,
    );
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", bad.good.path, "--ca", int],
      1,
      /^Error: Ancestor CA "Disabled Root" of certificate authority "Child" is disabled\.\n$/,
    );
    tsca(t, ["edit_ca", root, "--enable"]);
    tsca(t, ["sign_cert", "--csr", bad.good.path, "--ca", int]);
  });

  it("a revoked intermediate CA, and a CA below it", async () => {
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "2", "Revocation Root", "/CN=revocation-root.example.com"]).trim();
    const int = tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--pathlen",
      "1",
      "--parent",
      root,
      "Revoked Int",
      "/CN=revoked-int.example.com",
    ]).trim();
    const sub = tsca(t, ["init_ca", "--key-type", "EC", "--parent", int, "Sub Of Revoked", "/CN=sub.example.com"]).trim();
    tsca(t, ["sign_cert", "--csr", bad.good.path, "--ca", sub]);
    tsca(t, ["revoke_ca", int, "--reason", "key_compromise"]);
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", bad.good.path, "--ca", int],
      1,
      /^Error: Certificate authority "Revoked Int" is revoked\.\n$/,
    );
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", bad.good.path, "--ca", sub],
      1,
      /^Error: Ancestor CA "Revoked Int" of certificate authority "Sub Of Revoked" is revoked\.\n$/,
    );
    tsca(t, ["sign_cert", "--csr", bad.good.path, "--ca", root]);
  });

  it("an encrypted CA key: no or a wrong password refuses, the right one signs", async () => {
    const enc = tsca(t, ["init_ca", "--key-type", "EC", "--password", "s3cret", "Encrypted", "/CN=enc.example.com"]).trim();
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", bad.good.path, "--ca", enc],
      1,
      /^Error: The private key is encrypted and no password was given\.\n$/,
    );
    await expectCertRefused(
      t,
      ["sign_cert", "--csr", bad.good.path, "--ca", enc, "--password", "wrong"],
      1,
      /^Error: Could not decrypt the private key: wrong password\.\n$/,
    );
    expect(tsca(t, ["sign_cert", "--csr", bad.good.path, "--ca", enc, "--password", "s3cret"])).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it("an expired CA (in-process, with the clock 60 days ahead)", async () => {
    const later = { now: () => new Date(Date.now() + 60 * DAY) };
    const before = await storeSnapshot(t);
    const r = await runInProcess(t, ["sign_cert", "--csr", bad.good.path, "--ca", ca, "--expires", "1"], { clock: later });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: Certificate authority "Short Lived" is expired.\n');
    expect(r.stdout).toBe("");
    expect(await storeSnapshot(t)).toEqual(before);
    // The same command with the real clock works: the clock, not the command, made the difference.
    expect(await inProcess(t, ["sign_cert", "--csr", bad.good.path, "--ca", ca, "--expires", "1"])).toMatch(/BEGIN CERTIFICATE/);
  });
});
