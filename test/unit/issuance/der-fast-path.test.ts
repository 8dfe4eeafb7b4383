/**
 * The DER fast path (DESIGN.md "Hot paths"; issue 3): tsca's own writer (issueCertificate →
 * signCertificate → encodeTbsCertificate) must produce exactly the bytes that @peculiar/x509 — an
 * independent ASN.1 object layer — produces for the same certificate: same serial, validity, names,
 * SPKI and extensions in the same order. The CA key is Ed25519, whose signatures are deterministic
 * (RFC 8032 §5.1.6), so whole certificates are compared, signature included; the TBS is compared first
 * so that a difference is reported where it is.
 *
 * Where @peculiar/x509 has no class for an extension value, the value is the literal DER given in the RFC
 * (TLS feature status_request, RFC 7633 §6; id-pkix-ocsp-nocheck NULL, RFC 6960 §4.2.2.2.1).
 */
import "reflect-metadata";
import { createPrivateKey, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { AsnConvert } from "@peculiar/asn1-schema";
import * as asn1X509 from "@peculiar/asn1-x509";
import { beforeAll, describe, expect, it } from "vitest";
import { NodeSigner } from "../../../src/adapters/keys/node-signer.js";
import type { CertificateAuthority } from "../../../src/core/ca/certificate-authority.js";
import { issueCertificate, type IssueRequest } from "../../../src/core/issuance/issue-certificate.js";
import type { PreparedIssuer } from "../../../src/core/issuance/issuer.js";
import { Profiles } from "../../../src/core/issuance/profiles.js";
import type { KeyType } from "../../../src/core/x509/algorithms.js";
import { keyIdentifier, parseCertificate } from "../../../src/core/x509/certificate.js";
import { makeExtension } from "../../../src/core/x509/extensions/extension.js";
import { authorityKeyIdentifier } from "../../../src/core/x509/extensions/key-identifiers.js";
import { parseGeneralName } from "../../../src/core/x509/general-name.js";
import { parseName } from "../../../src/core/x509/name.js";

type CryptoKeyPair = webcrypto.CryptoKeyPair;
const crypto = webcrypto;
x509.cryptoProvider.set(crypto as unknown as Crypto);

const hex = (b: ArrayBuffer | Uint8Array): string => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString("hex");

/** A Name with the string types RFC 5280 §4.1.2.6 asks for: PrintableString for C, UTF8String otherwise. */
const peculiarName = (rdns: [string, string][]): x509.Name =>
  new x509.Name(rdns.map(([oid, value]) => ({ [oid]: [oid === "2.5.4.6" ? { printableString: value } : { utf8String: value }] })));

const CA_NAME: [string, string][] = [
  ["2.5.4.6", "AT"],
  ["2.5.4.10", "Example"],
  ["2.5.4.3", "DER Test Root"],
];

let caKeys: CryptoKeyPair;
let caDer: Buffer;

beforeAll(async () => {
  caKeys = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "11",
    name: peculiarName(CA_NAME),
    notBefore: new Date("2025-01-01T00:00:00Z"),
    notAfter: new Date("2065-01-01T00:00:00Z"),
    keys: caKeys,
    signingAlgorithm: { name: "Ed25519" },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  caDer = Buffer.from(ca.rawData);
});

async function tscaIssuer(
  urls: Partial<Pick<CertificateAuthority, "signCrlUrls" | "signOcspUrls" | "signIssuerUrls" | "signIssuerAltNames">>,
): Promise<PreparedIssuer> {
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", caKeys.privateKey));
  const signer = new NodeSigner(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }));
  const cert = parseCertificate(caDer);
  const ca: CertificateAuthority = {
    serial: "11",
    name: "DER Test Root",
    parentSerial: null,
    enabled: true,
    commonName: "DER Test Root",
    subject: "C=AT,O=Example,CN=DER Test Root",
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    pathLength: 0,
    keyType: "Ed25519",
    signatureHash: null,
    keyBackend: "file",
    keyOptions: {},
    keyRef: "unused",
    keyEncrypted: false,
    der: caDer,
    signCrlUrls: [],
    signOcspUrls: [],
    signIssuerUrls: [],
    signIssuerAltNames: [],
    signFreshestCrlUrls: [],
    website: null,
    termsOfService: null,
    caaIdentity: null,
    revokedAt: null,
    revokedReason: null,
    createdAt: cert.notBefore,
    updatedAt: cert.notBefore,
    ...urls,
  };
  expect(signer.spki.equals(cert.spki)).toBe(true);
  return {
    ca,
    chain: [ca],
    signer,
    hash: undefined,
    issuerDer: cert.subjectDer,
    aki: makeExtension(authorityKeyIdentifier, keyIdentifier(cert.spki)),
    constraints: [],
  };
}

async function leafKey(kind: "EC" | "RSA" | "Ed25519"): Promise<{ spki: Buffer; keyType: KeyType }> {
  const alg =
    kind === "EC"
      ? { name: "ECDSA", namedCurve: "P-256" }
      : kind === "RSA"
        ? { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }
        : { name: "Ed25519" };
  const pair = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  return { spki: Buffer.from(await crypto.subtle.exportKey("spki", pair.publicKey)), keyType: kind };
}

/** Compare TBS first (where a difference is), then the whole certificate. */
function expectSameDer(ours: Buffer, theirs: ArrayBuffer): void {
  const a = parseCertificate(ours);
  const b = parseCertificate(Buffer.from(theirs));
  expect(hex(a.tbs)).toBe(hex(b.tbs));
  expect(hex(ours)).toBe(hex(theirs));
}

const base = (spki: Buffer, keyType: KeyType): Omit<IssueRequest, "subject" | "sans" | "profile" | "overrides"> => ({
  serial: "4A1B2C3D4E5F60718293A4B5C6D7E8F901234567",
  spki,
  keyType,
  expiresDays: 90,
  now: new Date("2026-11-26T12:34:56.789Z"),
  csrDer: null,
  watchers: [],
});

describe("the DER fast path equals @peculiar/x509 byte for byte", () => {
  it("EC P-256 webserver certificate with every extension tsca can add", async () => {
    const issuer = await tscaIssuer({
      signCrlUrls: ["URI:http://crl.example.com/root.crl"],
      signOcspUrls: ["URI:http://ocsp.example.com/"],
      signIssuerUrls: ["URI:http://ca.example.com/root.der"],
      signIssuerAltNames: ["URI:https://ca.example.com/"],
    });
    const { spki, keyType } = await leafKey("EC");
    const profiles = new Profiles();
    const ours = await issueCertificate(issuer, {
      ...base(spki, keyType),
      subject: parseName("/C=AT/O=Example/CN=www.example.com"),
      sans: ["DNS:example.com", "IP:192.0.2.1", "IP:2001:db8::1", "email:admin@example.com", "URI:https://www.example.com/"].map((g) =>
        parseGeneralName(g),
      ),
      profile: profiles.get("webserver"),
      overrides: {
        policies: [{ oid: "1.3.6.1.4.1.99999.1", cps: ["https://cps.example.com/"], notices: ["Relying parties beware"] }],
        tlsFeatures: [5],
        ocspNoCheck: true,
      },
    });

    const cps = new asn1X509.PolicyQualifierInfo({
      policyQualifierId: "1.3.6.1.5.5.7.2.1",
      qualifier: AsnConvert.serialize(new asn1X509.Qualifier({ cPSuri: "https://cps.example.com/" })),
    });
    const notice = new asn1X509.PolicyQualifierInfo({
      policyQualifierId: "1.3.6.1.5.5.7.2.2",
      qualifier: AsnConvert.serialize(
        new asn1X509.UserNotice({ explicitText: new asn1X509.DisplayText({ utf8String: "Relying parties beware" }) }),
      ),
    });
    const policies = new asn1X509.CertificatePolicies([
      new asn1X509.PolicyInformation({ policyIdentifier: "1.3.6.1.4.1.99999.1", policyQualifiers: [cps, notice] }),
    ]);
    const caKeyId = hex(keyIdentifier(parseCertificate(caDer).spki));
    const theirs = await x509.X509CertificateGenerator.create({
      serialNumber: "4A1B2C3D4E5F60718293A4B5C6D7E8F901234567",
      issuer: peculiarName(CA_NAME),
      subject: peculiarName([
        ["2.5.4.6", "AT"],
        ["2.5.4.10", "Example"],
        ["2.5.4.3", "www.example.com"],
      ]),
      notBefore: new Date("2026-11-26T12:34:56Z"),
      notAfter: new Date("2027-02-24T12:34:55Z"), // 90 days, both ends counted (RFC 5280 §4.1.2.5)
      publicKey: new Uint8Array(spki),
      signingKey: caKeys.privateKey,
      signingAlgorithm: { name: "Ed25519" },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        // An EC key agrees keys but does not encipher them (RFC 8813 §3): the webserver profile minus keyEncipherment.
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectKeyIdentifierExtension(hex(keyIdentifier(spki))),
        new x509.AuthorityKeyIdentifierExtension(caKeyId),
        new x509.SubjectAlternativeNameExtension(
          [
            { type: "dns", value: "www.example.com" },
            { type: "dns", value: "example.com" },
            { type: "ip", value: "192.0.2.1" },
            { type: "ip", value: "2001:db8::1" },
            { type: "email", value: "admin@example.com" },
            { type: "url", value: "https://www.example.com/" },
          ],
          false,
        ),
        new x509.CRLDistributionPointsExtension(["http://crl.example.com/root.crl"]),
        new x509.AuthorityInfoAccessExtension({ ocsp: ["http://ocsp.example.com/"], caIssuers: ["http://ca.example.com/root.der"] }),
        new x509.IssuerAlternativeNameExtension([{ type: "url", value: "https://ca.example.com/" }], false),
        new x509.Extension("2.5.29.32", false, AsnConvert.serialize(policies)),
        new x509.Extension("1.3.6.1.5.5.7.1.24", false, Buffer.from("3003020105", "hex")),
        new x509.Extension("1.3.6.1.5.5.7.48.1.5", false, Buffer.from("0500", "hex")),
      ],
    });
    expectSameDer(ours.der, theirs.rawData);
    // And the result is a certificate the CA's public key verifies (with @peculiar/x509, i.e. WebCrypto).
    expect(await new x509.X509Certificate(new Uint8Array(ours.der)).verify({ publicKey: caKeys.publicKey, signatureOnly: true })).toBe(
      true,
    );
  });

  it("RSA enduser certificate, critical flags, GeneralizedTime after 2049 (RFC 5280 §4.1.2.5)", async () => {
    const issuer = await tscaIssuer({});
    const { spki, keyType } = await leafKey("RSA");
    const req = base(spki, keyType);
    const ours = await issueCertificate(issuer, {
      ...req,
      now: new Date("2049-12-01T00:00:00Z"),
      expiresDays: 60,
      subject: parseName("/CN=Alice Example/emailAddress=alice@example.com"),
      sans: [parseGeneralName("email:alice@example.com")],
      profile: new Profiles().get("enduser"),
      overrides: { extendedKeyUsageCritical: true, sanCritical: true, keyUsageCritical: false },
    });
    const theirs = await x509.X509CertificateGenerator.create({
      serialNumber: req.serial,
      issuer: peculiarName(CA_NAME),
      subject: new x509.Name([
        { "2.5.4.3": [{ utf8String: "Alice Example" }] },
        { "1.2.840.113549.1.9.1": [{ ia5String: "alice@example.com" }] },
      ]),
      notBefore: new Date("2049-12-01T00:00:00Z"),
      notAfter: new Date("2050-01-29T23:59:59Z"),
      publicKey: new Uint8Array(spki),
      signingKey: caKeys.privateKey,
      signingAlgorithm: { name: "Ed25519" },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        // enduser = digitalSignature, keyEncipherment; clientAuth and emailProtection (S/MIME BR §7.1.2.3).
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, false),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.emailProtection], true),
        new x509.SubjectKeyIdentifierExtension(hex(keyIdentifier(spki))),
        new x509.AuthorityKeyIdentifierExtension(hex(keyIdentifier(parseCertificate(caDer).spki))),
        new x509.SubjectAlternativeNameExtension([{ type: "email", value: "alice@example.com" }], true),
      ],
    });
    expectSameDer(ours.der, theirs.rawData);
    expect(parseCertificate(ours.der).notAfter.toISOString()).toBe("2050-01-29T23:59:59.000Z");
    expect(ours.der.includes(Buffer.from("18" + "0f" + Buffer.from("20500129235959Z").toString("hex"), "hex"))).toBe(true); // GeneralizedTime
  });

  it("Ed25519 client certificate with a short serial and no CA URLs", async () => {
    const issuer = await tscaIssuer({ signOcspUrls: ["URI:http://ocsp.example.com/"] });
    const { spki, keyType } = await leafKey("Ed25519");
    const ours = await issueCertificate(issuer, {
      ...base(spki, keyType),
      serial: "01",
      subject: parseName("/CN=device-42"),
      sans: [parseGeneralName("URI:urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66")],
      profile: new Profiles().get("client"),
      overrides: { ocspResponders: [] },
    });
    const theirs = await x509.X509CertificateGenerator.create({
      serialNumber: "01",
      issuer: peculiarName(CA_NAME),
      subject: peculiarName([["2.5.4.3", "device-42"]]),
      notBefore: new Date("2026-11-26T12:34:56Z"),
      notAfter: new Date("2027-02-24T12:34:55Z"), // 90 days, both ends counted (RFC 5280 §4.1.2.5)
      publicKey: new Uint8Array(spki),
      signingKey: caKeys.privateKey,
      signingAlgorithm: { name: "Ed25519" },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
        new x509.SubjectKeyIdentifierExtension(hex(keyIdentifier(spki))),
        new x509.AuthorityKeyIdentifierExtension(hex(keyIdentifier(parseCertificate(caDer).spki))),
        new x509.SubjectAlternativeNameExtension([{ type: "url", value: "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66" }], false),
      ],
    });
    expectSameDer(ours.der, theirs.rawData);
  });
});
