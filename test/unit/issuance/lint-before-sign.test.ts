/**
 * One way to sign: every certificate — CA, OCSP responder, end entity — reaches the Signer only as a
 * LintedTbs, which only the linter hands out (linted-tbs.ts). A CA or responder certificate that breaks an
 * RFC 5280 / RFC 6960 rule is refused with ERR_LINT naming the rule, and the real signer is never called;
 * an object that merely looks like a token is refused at run time. Clean certificates are checked by
 * openssl, not by our own parser.
 */
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { NodeSigner } from "../../../src/adapters/keys/node-signer.js";
import type { CaCertificateOptions } from "../../../src/core/ca/ca-extensions.js";
import type { CertificateAuthority } from "../../../src/core/ca/certificate-authority.js";
import { isTscaError, TscaError } from "../../../src/core/errors.js";
import { signCaCertificate, type CaCertificateRequest } from "../../../src/core/issuance/ca-certificate.js";
import type { PreparedIssuer } from "../../../src/core/issuance/issuer.js";
import { lintForSigning, LintedTbs, type CertificateToSign } from "../../../src/core/issuance/linted-tbs.js";
import { ocspResponderCertificate, signOcspResponderCertificate } from "../../../src/core/issuance/ocsp-responder-certificate.js";
import { signCertificate } from "../../../src/core/issuance/sign-certificate.js";
import type { Signer } from "../../../src/core/ports/signer.js";
import type { HashAlgorithm } from "../../../src/core/x509/algorithms.js";
import { keyIdentifier, parseCertificate } from "../../../src/core/x509/certificate.js";
import { basicConstraints } from "../../../src/core/x509/extensions/basic-constraints.js";
import { extendedKeyUsage } from "../../../src/core/x509/extensions/extended-key-usage.js";
import { makeExtension, type Extension } from "../../../src/core/x509/extensions/extension.js";
import { authorityKeyIdentifier } from "../../../src/core/x509/extensions/key-identifiers.js";
import { encodeName, formatName, parseName } from "../../../src/core/x509/name.js";
import { OID } from "../../../src/core/x509/oids.js";
import { ossl, opensslVerify } from "../../helpers/oracles.js";

/** A real NodeSigner that counts the signatures it made: the evidence that lint stopped before signing. */
class CountingSigner implements Signer {
  calls = 0;
  constructor(private readonly inner: NodeSigner) {}
  get keyType(): Signer["keyType"] {
    return this.inner.keyType;
  }
  get spki(): Buffer {
    return this.inner.spki;
  }
  sign(data: Buffer, hash: HashAlgorithm | undefined): Promise<Buffer> {
    this.calls++;
    return this.inner.sign(data, hash);
  }
}

const ecSigner = (): CountingSigner =>
  new CountingSigner(new NodeSigner(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey));
const pem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${(der.toString("base64").match(/.{1,64}/g) ?? []).join("\n")}\n-----END CERTIFICATE-----\n`;

const NOW = new Date("2026-06-01T00:00:00Z");
const YEAR = 365 * 86_400_000;
const SERIAL = "3A1B2C3D4E5F60718293A4B5C6D7E8F901234567";

const options = (over: Partial<CaCertificateOptions> = {}): CaCertificateOptions => ({
  pathLength: 0,
  crlUrls: [],
  ocspUrls: [],
  issuerUrls: [],
  nameConstraints: { permitted: [], excluded: [] },
  policies: [],
  subjectAltNames: [],
  issuerAltNames: [],
  ...over,
});

function rootRequest(signer: Signer, over: Partial<CaCertificateRequest> = {}): CaCertificateRequest {
  return {
    serial: SERIAL,
    subject: encodeName(parseName("/O=Example/CN=Root")),
    notBefore: NOW,
    notAfter: new Date(NOW.getTime() + 10 * YEAR),
    signer,
    hash: "SHA-256",
    certificate: options({ pathLength: 1 }),
    lintRuleSets: [],
    ...over,
  };
}

/** A stored root CA made through the real path, for intermediates and responders. */
async function root(): Promise<{ ca: CertificateAuthority; signer: CountingSigner }> {
  const signer = ecSigner();
  const req = rootRequest(signer);
  const der = await signCaCertificate(req);
  const ca: CertificateAuthority = {
    serial: SERIAL,
    name: "Root",
    parentSerial: null,
    enabled: true,
    commonName: "Root",
    subject: formatName(parseName("/O=Example/CN=Root")),
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    pathLength: 1,
    keyType: "EC",
    signatureHash: "SHA-256",
    keyBackend: "file",
    keyOptions: {},
    keyRef: `${SERIAL}.key`,
    keyEncrypted: false,
    der,
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
    lintRuleSets: [],
    createdAt: NOW,
    updatedAt: NOW,
  };
  signer.calls = 0;
  return { ca, signer };
}

function issuerOf(ca: CertificateAuthority, signer: Signer): PreparedIssuer {
  const cert = parseCertificate(ca.der);
  return {
    ca,
    chain: [ca],
    signer,
    hash: "SHA-256",
    curve: "secp256r1",
    lintRuleSets: [],
    issuerDer: cert.subjectDer,
    aki: makeExtension(authorityKeyIdentifier, keyIdentifier(cert.spki)),
    constraints: [],
  };
}

/** The refusal, which must be ERR_LINT naming `rule`. */
async function refusal(p: Promise<unknown> | (() => unknown), rule: string): Promise<TscaError> {
  let error: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    error = e;
  }
  expect(isTscaError(error), String(error)).toBe(true);
  const e = error as TscaError;
  expect(e.code).toBe("ERR_LINT");
  expect(e.message).toContain(`(${rule}, `);
  expect(e.fields.rule).toBe(rule);
  return e;
}

describe("CA certificates are linted before they are signed", () => {
  it("a clean root and intermediate are signed once each and verify with openssl -x509_strict", async () => {
    const { ca, signer } = await root();
    const childSigner = ecSigner();
    const der = await signCaCertificate({
      ...rootRequest(childSigner),
      serial: "1122334455667788",
      subject: encodeName(parseName("/O=Example/CN=Intermediate")),
      notAfter: new Date(NOW.getTime() + YEAR),
      certificate: options({ pathLength: 0 }),
      parent: { ca, signer },
    });
    expect(signer.calls).toBe(1);
    expect(childSigner.calls).toBe(0);
    const r = opensslVerify(pem(ca.der), [], pem(der), ["-attime", String(NOW.getTime() / 1000 + 86_400)]);
    expect(r.stdout + r.stderr).toContain(": OK");
    expect(ossl(["x509", "-noout", "-ext", "basicConstraints,keyUsage"], pem(der))).toMatch(
      /critical\s+CA:TRUE, pathlen:0[\s\S]*Certificate Sign/,
    );
  });

  it("cA without keyCertSign is refused (ca_key_cert_sign, RFC 5280 §4.2.1.3) and nothing is signed", async () => {
    const signer = ecSigner();
    const e = await refusal(
      signCaCertificate(rootRequest(signer, { certificate: options({ keyUsage: ["cRLSign", "digitalSignature"] }) })),
      "ca_key_cert_sign",
    );
    expect(e.message).toContain("RFC 5280 §4.2.1.3");
    expect(signer.calls).toBe(0);
  });

  it("an intermediate that would outlive its parent is refused (validity_within_issuer)", async () => {
    const { ca, signer } = await root();
    const childSigner = ecSigner();
    await refusal(
      signCaCertificate({
        ...rootRequest(childSigner),
        serial: "1122334455667788",
        subject: encodeName(parseName("/CN=Intermediate")),
        notAfter: new Date(ca.notAfter.getTime() + 1000),
        parent: { ca, signer },
      }),
      "validity_within_issuer",
    );
    expect(signer.calls + childSigner.calls).toBe(0);
  });

  it("a negative serial is refused (serial_positive_20_octets, RFC 5280 §4.1.2.2)", async () => {
    const signer = ecSigner();
    await refusal(signCaCertificate(rootRequest(signer, { serial: "80" + SERIAL.slice(2) })), "serial_positive_20_octets");
    expect(signer.calls).toBe(0);
  });

  it("a CA with the CA/B TLS set must be signed with its curve's hash (cabf-serverauth/hash_curve_match)", async () => {
    const signer = ecSigner();
    await refusal(
      signCaCertificate(rootRequest(signer, { hash: "SHA-512", lintRuleSets: ["cabf-serverauth"] })),
      "cabf-serverauth/hash_curve_match",
    );
    expect(signer.calls).toBe(0);
  });

  it("basicConstraints without cA, and a non-critical one, are refused as a CA certificate", async () => {
    const signer = ecSigner();
    const cert = (bc: Extension): CertificateToSign => ({
      serial: SERIAL,
      issuer: encodeName(parseName("/CN=Root")),
      subject: encodeName(parseName("/CN=Root")),
      notBefore: NOW,
      notAfter: new Date(NOW.getTime() + YEAR),
      spki: signer.spki,
      extensions: [bc, makeExtension(authorityKeyIdentifier, keyIdentifier(signer.spki))],
    });
    const info = { keyType: "EC" as const, curve: "secp256r1" as const, hash: "SHA-256" as const };
    await refusal(() => lintForSigning(cert(makeExtension(basicConstraints, { ca: false })), { kind: "ca" }, info), "ca_basic_constraints");
    await refusal(
      () => lintForSigning(cert(makeExtension(basicConstraints, { ca: true }, false)), { kind: "ca" }, info),
      "ca_basic_constraints_critical",
    );
    expect(signer.calls).toBe(0);
  });
});

describe("OCSP responder certificates are linted before they are signed", () => {
  it("the responder certificate tsca makes passes lint, is signed once and verifies with openssl", async () => {
    const { ca, signer } = await root();
    const responder = ecSigner();
    const made = await signOcspResponderCertificate(issuerOf(ca, signer), { serial: "0ABC", spki: responder.spki }, NOW, 3);
    expect(signer.calls).toBe(1);
    const r = opensslVerify(pem(ca.der), [], pem(made.der), ["-purpose", "ocsphelper", "-attime", String(NOW.getTime() / 1000 + 60)]);
    expect(r.stdout + r.stderr).toContain(": OK");
  });

  /** The TBS ocspResponderCertificate builds, with its extensions changed. */
  async function brokenResponder(
    change: (e: Extension[]) => Extension[],
  ): Promise<{ tbs: CertificateToSign; issuer: PreparedIssuer; signer: CountingSigner }> {
    const { ca, signer } = await root();
    const issuer = issuerOf(ca, signer);
    const { subjectName: _, ...tbs } = ocspResponderCertificate(issuer, { serial: "0ABC", spki: ecSigner().spki }, NOW, 3);
    return { tbs: { ...tbs, extensions: change(tbs.extensions) }, issuer, signer };
  }
  const responderKind = (i: PreparedIssuer) => ({
    kind: "ocsp-responder" as const,
    issuer: { notBefore: i.ca.notBefore, notAfter: i.ca.notAfter },
  });
  const info = { keyType: "EC" as const, curve: "secp256r1" as const, hash: "SHA-256" as const };

  it("no id-kp-OCSPSigning is refused (ocsp_signing_eku, RFC 6960 §4.2.2.2)", async () => {
    const { tbs, issuer, signer } = await brokenResponder((e) =>
      e.map((x) => (x.oid === OID.extKeyUsage ? makeExtension(extendedKeyUsage, ["1.3.6.1.5.5.7.3.2"]) : x)),
    );
    const e = await refusal(() => lintForSigning(tbs, responderKind(issuer), info), "ocsp_signing_eku");
    expect(e.message).toContain("RFC 6960 §4.2.2.2");
    expect(signer.calls).toBe(0);
  });

  it("cA asserted is refused (end_entity_not_ca), as is pathLenConstraint without cA (path_length_ca_only)", async () => {
    const ca = await brokenResponder((e) => [...e, makeExtension(basicConstraints, { ca: true })]);
    await refusal(() => lintForSigning(ca.tbs, responderKind(ca.issuer), info), "end_entity_not_ca");
    // basicConstraints { cA FALSE (default, omitted), pathLenConstraint 0 }: the codec would never write it.
    const pathLen: Extension = { oid: OID.basicConstraints, critical: true, value: Buffer.from("3003020100", "hex") };
    const pl = await brokenResponder((e) => [...e, pathLen]);
    await refusal(() => lintForSigning(pl.tbs, responderKind(pl.issuer), info), "path_length_ca_only");
    expect(ca.signer.calls + pl.signer.calls).toBe(0);
  });

  it("no id-pkix-ocsp-nocheck is refused (ocsp_nocheck_present), and the CA's CA/B set adds its responder rules", async () => {
    const { tbs, issuer } = await brokenResponder((e) => e.filter((x) => x.oid !== OID.ocspNoCheck));
    await refusal(() => lintForSigning(tbs, responderKind(issuer), info), "ocsp_nocheck_present");
    const san = await brokenResponder((e) => [
      ...e,
      { oid: OID.subjectAltName, critical: false, value: Buffer.from("300b82096f6373702e74657374", "hex") },
    ]);
    await refusal(
      () => lintForSigning(san.tbs, responderKind(san.issuer), info, ["cabf-serverauth"]),
      "cabf-serverauth/ocsp_responder_extensions",
    );
  });
});

describe("the signing function takes nothing but a token the linter made", () => {
  async function token(): Promise<{ linted: LintedTbs; signer: CountingSigner; root: CertificateAuthority }> {
    const { ca, signer } = await root();
    const issuer = issuerOf(ca, signer);
    const { subjectName: _, ...tbs } = ocspResponderCertificate(issuer, { serial: "0ABC", spki: ecSigner().spki }, NOW, 3);
    const linted = lintForSigning(
      tbs,
      { kind: "ocsp-responder", issuer: { notBefore: ca.notBefore, notAfter: ca.notAfter } },
      { keyType: "EC", curve: "secp256r1", hash: "SHA-256" },
    );
    return { linted, signer, root: ca };
  }

  it("a hand-made look-alike, a prototype copy and a forged mint are refused at run time, unsigned", async () => {
    const { linted, signer } = await token();
    const lookAlike = { tbs: linted.tbs, signatureAlgorithm: linted.signatureAlgorithm, kind: linted.kind, signing: linted.signing };
    const copy = Object.defineProperties(Object.create(LintedTbs.prototype) as object, Object.getOwnPropertyDescriptors(lookAlike));
    await expect(signCertificate(lookAlike as unknown as LintedTbs, signer)).rejects.toMatchObject({ code: "ERR_LINT" });
    await expect(signCertificate(copy as LintedTbs, signer)).rejects.toMatchObject({ code: "ERR_LINT" });
    expect(() => LintedTbs.mint(Symbol("LintedTbs"), linted.tbs, linted.signatureAlgorithm, "ca", linted.signing)).toThrow(
      /only be signed after lint/,
    );
    expect(signer.calls).toBe(0);
  });

  it("changing the bytes read from a token after lint does not change what is signed", async () => {
    const { linted, signer, root: ca } = await token();
    const before = linted.tbs;
    linted.tbs.fill(0); // a copy: the token keeps its own bytes
    const der = await signCertificate(linted, signer);
    expect(parseCertificate(der).tbs.equals(before)).toBe(true);
    const r = opensslVerify(pem(ca.der), [], pem(der), ["-attime", String(NOW.getTime() / 1000 + 60)]);
    expect(r.stdout + r.stderr).toContain(": OK");
  });

  it("a signer of another key type than the token was linted for is refused (ERR_KEY_MISMATCH)", async () => {
    const { linted } = await token();
    const ed = new CountingSigner(new NodeSigner(generateKeyPairSync("ed25519").privateKey));
    await expect(signCertificate(linted, ed)).rejects.toMatchObject({ code: "ERR_KEY_MISMATCH" });
    expect(ed.calls).toBe(0);
  });
});
