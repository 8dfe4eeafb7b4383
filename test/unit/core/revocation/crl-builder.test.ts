/**
 * The CRL builder against independent oracles: `openssl crl` reads and verifies what it writes, `openssl
 * verify -crl_check` uses it, @peculiar/x509 parses it, and @peculiar/asn1-x509 re-encodes the parsed
 * structure to the same bytes (so the encoding is canonical DER, not merely readable).
 */
import "reflect-metadata";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { AsnConvert } from "@peculiar/asn1-schema";
import { CertificateList } from "@peculiar/asn1-x509";
import { beforeAll, describe, expect, it } from "vitest";
import { signCrl, type CrlToSign } from "../../../../src/core/revocation/crl-builder.js";
import { RevokedCertificatesWriter, type CrlEntry } from "../../../../src/core/revocation/crl-entries.js";
import { crlScope, scopeExtension } from "../../../../src/core/revocation/crl-scope.js";
import { parseCertificate } from "../../../../src/core/x509/certificate.js";
import { parseCrl } from "../../../../src/core/x509/crl.js";
import { subjectKeyIdentifier } from "../../../../src/core/x509/extensions/key-identifiers.js";
import { findExtension } from "../../../../src/core/x509/extensions/registry.js";
import { toPem } from "../../../../src/core/x509/pem.js";
import { openssl } from "../../../helpers/cli.js";
import { opensslCa, opensslLeaf, type OpensslCa } from "../../../helpers/openssl-ca.js";

let ca: OpensslCa;
let base: Omit<CrlToSign, "entries" | "number">;
const thisUpdate = new Date("2026-11-26T10:00:00.789Z");
const nextUpdate = new Date("2026-11-27T10:00:00Z");

beforeAll(() => {
  ca = opensslCa();
  const cert = parseCertificate(ca.der);
  base = { issuer: cert.subjectDer, authorityKeyId: findExtension(cert.extensions, subjectKeyIdentifier)!, thisUpdate, nextUpdate };
});

function write(der: Buffer, name: string): string {
  const path = join(ca.dir, name);
  writeFileSync(path, toPem(der, "X509 CRL"));
  return path;
}

const text = (path: string): string => {
  const r = openssl(["crl", "-in", path, "-noout", "-text"]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};

const entries: CrlEntry[] = [
  {
    serial: "4A1B2C3D4E5F60718293A4B5C6D7E8F901234567",
    revokedAt: new Date("2026-11-25T08:00:00.5Z"),
    reasonCode: 1,
    invalidityDate: new Date("2026-11-24T12:34:56.999Z"),
  },
  { serial: "0ABC", revokedAt: new Date("2026-11-25T09:00:00Z"), reasonCode: 0, invalidityDate: null },
  { serial: "FF01", revokedAt: new Date("2026-11-25T10:00:00Z"), reasonCode: null, invalidityDate: null },
  { serial: "00007F", revokedAt: new Date("2051-01-01T00:00:00Z"), reasonCode: 10, invalidityDate: null },
  { serial: "1", revokedAt: new Date("2026-11-25T11:00:00Z"), reasonCode: 6, invalidityDate: null },
];

describe("signCrl", () => {
  it("writes a v2 CRL that openssl reads and verifies, with number, AKI, reasons and invalidity dates", async () => {
    const { der, entryCount } = await signCrl({ ...base, number: 42n, entries }, ca.signer, "SHA-256");
    expect(entryCount).toBe(5);
    const path = write(der, "full.crl");
    const out = text(path);
    expect(out).toContain("Version 2 (0x1)");
    expect(out).toContain("Signature Algorithm: ecdsa-with-SHA256");
    expect(out).toContain("Issuer: C = AT, O = Example, CN = CRL Test Root");
    expect(out).toContain("Last Update: Nov 26 10:00:00 2026 GMT");
    expect(out).toContain("Next Update: Nov 27 10:00:00 2026 GMT");
    expect(out).toMatch(/X509v3 CRL Number: \n\s+42\n/);
    expect(out).toMatch(/X509v3 Authority Key Identifier: \n\s+[0-9A-F:]{59}\n/);
    expect(out).not.toContain("Issuing Distribution Point");
    expect(out).toMatch(
      /Serial Number: 4A1B2C3D4E5F60718293A4B5C6D7E8F901234567\n\s+Revocation Date: Nov 25 08:00:00 2026 GMT\n\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: \n\s+Key Compromise\n\s+Invalidity Date: \n\s+Nov 24 12:34:56 2026 GMT/,
    );
    // §5.3.1: no reasonCode for unspecified, whether given as 0 or null.
    expect(out).toMatch(/Serial Number: 0ABC\n\s+Revocation Date: Nov 25 09:00:00 2026 GMT\n\s+Serial Number: FF01/);
    expect(out).toMatch(
      /Serial Number: 7F\n\s+Revocation Date: Jan  1 00:00:00 2051 GMT\n\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: \n\s+AA Compromise/,
    );
    expect(out).toMatch(
      /Serial Number: 01\n\s+Revocation Date: Nov 25 11:00:00 2026 GMT\n\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: \n\s+Certificate Hold/,
    );
    const verify = openssl(["crl", "-in", path, "-noout", "-CAfile", ca.certPath]);
    expect(verify.stderr.trim()).toBe("verify OK");
  });

  it("encodes canonical DER: @peculiar/asn1-x509 re-encodes the parsed CRL to the same bytes", async () => {
    const { der } = await signCrl(
      { ...base, number: 7n, entries, issuingDistributionPoint: scopeExtension(crlScope("user", ["key_compromise", "aa_compromise"]))! },
      ca.signer,
      "SHA-256",
    );
    const parsed = AsnConvert.parse(der, CertificateList);
    expect(Buffer.from(AsnConvert.serialize(parsed)).equals(der)).toBe(true);
    expect(parsed.tbsCertList.version).toBe(1);
    expect(parsed.tbsCertList.revokedCertificates).toHaveLength(5);
  });

  it("is read by @peculiar/x509 with the same serials, dates and reasons", async () => {
    const { der } = await signCrl({ ...base, number: 1n, entries }, ca.signer, "SHA-256");
    const crl = new x509.X509Crl(new Uint8Array(der));
    expect(crl.entries.map((e) => e.serialNumber.toUpperCase())).toEqual([
      "4A1B2C3D4E5F60718293A4B5C6D7E8F901234567",
      "0ABC",
      "FF01",
      "7F",
      "01",
    ]);
    expect(crl.entries[0]!.revocationDate.toISOString()).toBe("2026-11-25T08:00:00.000Z");
    expect(crl.entries[0]!.reason).toBe(x509.X509CrlReason.keyCompromise);
    expect(crl.entries[0]!.invalidity?.toISOString()).toBe("2026-11-24T12:34:56.000Z");
    expect(crl.entries[1]!.reason).toBeUndefined();
    expect(crl.thisUpdate.toISOString()).toBe("2026-11-26T10:00:00.000Z");
    expect(await crl.verify({ publicKey: new x509.X509Certificate(new Uint8Array(ca.der)).publicKey })).toBe(true);
  });

  it("omits revokedCertificates when empty (§5.1.2.6) and still verifies", async () => {
    const { der, entryCount } = await signCrl({ ...base, number: 2n, entries: [] }, ca.signer, "SHA-256");
    expect(entryCount).toBe(0);
    const path = write(der, "empty.crl");
    expect(text(path)).toContain("No Revoked Certificates.");
    expect(AsnConvert.parse(der, CertificateList).tbsCertList.revokedCertificates).toBeUndefined();
    expect(openssl(["crl", "-in", path, "-noout", "-CAfile", ca.certPath]).stderr.trim()).toBe("verify OK");
  });

  it("writes a critical IDP for each scope and a critical delta CRL indicator", async () => {
    const user = text(
      write(
        (await signCrl({ ...base, number: 3n, entries, issuingDistributionPoint: scopeExtension(crlScope("user"))! }, ca.signer, "SHA-256"))
          .der,
        "user.crl",
      ),
    );
    expect(user).toMatch(/X509v3 Issuing Distribution Point: critical\n\s+Only User Certificates\n/);
    const caScope = text(
      write(
        (await signCrl({ ...base, number: 4n, entries, issuingDistributionPoint: scopeExtension(crlScope("ca"))! }, ca.signer, "SHA-256"))
          .der,
        "ca.crl",
      ),
    );
    expect(caScope).toMatch(/X509v3 Issuing Distribution Point: critical\n\s+Only CA Certificates\n/);
    const reasons = text(
      write(
        (
          await signCrl(
            {
              ...base,
              number: 5n,
              entries,
              issuingDistributionPoint: scopeExtension(crlScope("all", ["superseded", "key_compromise", "privilege_withdrawn"]))!,
            },
            ca.signer,
            "SHA-256",
          )
        ).der,
        "reasons.crl",
      ),
    );
    expect(reasons).toMatch(
      /X509v3 Issuing Distribution Point: critical\n\s+Only Some Reasons:\n\s+Key Compromise, Superseded, Privilege Withdrawn\n/,
    );
    const delta = text(
      write(
        (
          await signCrl(
            {
              ...base,
              number: 6n,
              baseCrlNumber: 3n,
              entries: entries.slice(0, 1),
              issuingDistributionPoint: scopeExtension(crlScope("user"))!,
            },
            ca.signer,
            "SHA-256",
          )
        ).der,
        "delta.crl",
      ),
    );
    expect(delta).toMatch(/X509v3 Delta CRL Indicator: critical\n\s+3\n/);
    expect(delta).toMatch(/X509v3 CRL Number: \n\s+6\n/);
    expect(scopeExtension(crlScope("all"))).toBeUndefined();
  });

  it("writes removeFromCRL entries for delta CRLs", async () => {
    const { der } = await signCrl(
      { ...base, number: 9n, baseCrlNumber: 8n, entries: [{ serial: "0ABC", revokedAt: thisUpdate, reasonCode: 8, invalidityDate: null }] },
      ca.signer,
      "SHA-256",
    );
    expect(text(write(der, "remove.crl"))).toMatch(/Serial Number: 0ABC\n[\s\S]*X509v3 CRL Reason Code: \n\s+Remove From CRL/);
  });

  it("lets openssl verify -crl_check reject a revoked leaf (error 23) and accept a good one", async () => {
    const good = opensslLeaf(ca, "11AA", "good.example.test");
    const bad = opensslLeaf(ca, "22BB", "bad.example.test");
    const { der } = await signCrl(
      {
        ...base,
        thisUpdate: new Date(Date.now() - 60_000),
        nextUpdate: new Date(Date.now() + 86_400_000),
        number: 10n,
        entries: [{ serial: "22BB", revokedAt: new Date(), reasonCode: 1, invalidityDate: null }],
        issuingDistributionPoint: scopeExtension(crlScope("user"))!,
      },
      ca.signer,
      "SHA-256",
    );
    const crlPath = write(der, "verify.crl");
    const ok = openssl(["verify", "-crl_check", "-CAfile", ca.certPath, "-CRLfile", crlPath, good.path]);
    expect(ok.stdout, ok.stderr).toContain(": OK");
    const revoked = openssl(["verify", "-crl_check", "-CAfile", ca.certPath, "-CRLfile", crlPath, bad.path]);
    expect(revoked.code).not.toBe(0);
    expect(revoked.stdout + revoked.stderr).toMatch(/error 23 at 0 depth lookup: certificate revoked/);
  });

  it("is read back by our own lazy reader (used for delta CRLs)", async () => {
    const { der } = await signCrl({ ...base, number: 11n, baseCrlNumber: 10n, entries }, ca.signer, "SHA-256");
    const crl = parseCrl(der);
    expect(crl.number).toBe(11n);
    expect(crl.baseNumber).toBe(10n);
    expect(crl.thisUpdate.toISOString()).toBe("2026-11-26T10:00:00.000Z");
    expect([...crl.entries()].map((e) => [e.serial, e.reasonCode])).toEqual([
      ["4A1B2C3D4E5F60718293A4B5C6D7E8F901234567", 1],
      ["0ABC", null],
      ["FF01", null],
      ["7F", 10],
      ["01", 6],
    ]);
  });

  it("handles many entries: 20,000 parse with @peculiar/x509 (maxNodes raised) and verify with openssl", async () => {
    const many: CrlEntry[] = Array.from({ length: 20_000 }, (_, i) => ({
      serial: (0x40000000 + i).toString(16).padStart(40, "7"),
      revokedAt: new Date(Date.UTC(2026, 10, 1) + i * 1000),
      reasonCode: i % 3 === 0 ? 4 : null,
      invalidityDate: i % 5 === 0 ? new Date(Date.UTC(2026, 9, 1)) : null,
    }));
    const { der } = await signCrl({ ...base, number: 12n, entries: many }, ca.signer, "SHA-256");
    const crl = new x509.X509Crl(new Uint8Array(der), { berOptions: { maxNodes: 10_000_000 } } as never);
    expect(crl.entries).toHaveLength(20_000);
    expect(crl.entries[19_999]!.serialNumber.toUpperCase()).toBe((0x40000000 + 19_999).toString(16).toUpperCase().padStart(40, "7"));
    expect(openssl(["crl", "-in", write(der, "many.crl"), "-noout", "-CAfile", ca.certPath]).stderr.trim()).toBe("verify OK");
  });

  it("encodes paged (asynchronous) entries into a growing arena to the same bytes as a pre-sized one", async () => {
    const many: CrlEntry[] = Array.from({ length: 30_000 }, (_, i) => ({
      serial: (0x10000000 + i * 7).toString(16),
      revokedAt: new Date(Date.UTC(2026, 10, 1) + i * 1000),
      reasonCode: i % 2 ? 1 : null,
      invalidityDate: i % 7 === 0 ? new Date(Date.UTC(2026, 9, 1)) : null,
    }));
    async function* pages(): AsyncGenerator<CrlEntry[]> {
      for (let i = 0; i < many.length; i += 4096) yield many.slice(i, i + 4096);
    }
    const paged = await RevokedCertificatesWriter.of(pages());
    const sized = await RevokedCertificatesWriter.of(many, many.length);
    expect(paged.count).toBe(30_000);
    expect(paged.contents().equals(sized.contents())).toBe(true);
    const { der } = await signCrl({ ...base, number: 13n, entries: paged }, ca.signer, "SHA-256");
    expect([...parseCrl(der).entries()]).toHaveLength(30_000);
  });

  it("signs with RSA too", async () => {
    const rsa = opensslCa({ keyType: "RSA", subject: "/CN=RSA CRL Root" });
    const cert = parseCertificate(rsa.der);
    const { der } = await signCrl(
      { ...base, issuer: cert.subjectDer, authorityKeyId: findExtension(cert.extensions, subjectKeyIdentifier)!, number: 1n, entries },
      rsa.signer,
      "SHA-512",
    );
    const path = join(rsa.dir, "rsa.crl");
    writeFileSync(path, der);
    const r = openssl(["crl", "-inform", "DER", "-in", path, "-noout", "-text", "-CAfile", rsa.certPath]);
    expect(r.stderr.trim()).toBe("verify OK");
    expect(r.stdout).toContain("sha512WithRSAEncryption");
  });
});
