/**
 * The pure PKCS#11 ↔ DER helpers (adapters/keys/pkcs11/pkcs11-der.ts), checked against node:crypto and
 * openssl-compatible encodings: r‖s → Ecdsa-Sig-Value (RFC 5480 §2.2) on every curve, including P-521
 * whose SEQUENCE needs a long-form length, and integers with a high bit or leading zeros; CKA_EC_POINT
 * wrapped or raw → SubjectPublicKeyInfo; RSA modulus/exponent → SPKI; the DigestInfo prefixes of RFC 8017
 * §9.2; curve parameters as OIDs and as the "edwards25519" PrintableString.
 */
import { constants, createHash, generateKeyPairSync, privateEncrypt, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  curveOfKey,
  curveOfParams,
  derLength,
  DIGEST_INFO_PREFIX,
  EC_PARAMS,
  ecSpki,
  jwkBuffers,
  rawEcdsaToDer,
  rsaSpki,
  signatureSize,
  unwrapEcPoint,
  wrapEcPoint,
} from "../../../src/adapters/keys/pkcs11/pkcs11-der.js";

const CURVES = [
  { curve: "secp256r1", node: "prime256v1", hash: "sha256" },
  { curve: "secp384r1", node: "secp384r1", hash: "sha384" },
  { curve: "secp521r1", node: "secp521r1", hash: "sha512" },
] as const;

describe("pkcs11 DER helpers", () => {
  it("turns raw r‖s into a DER signature node:crypto verifies, on every curve (P-521: long-form length)", () => {
    for (const c of CURVES) {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: c.node });
      for (let i = 0; i < 20; i++) {
        const data = Buffer.from(`message ${i}`);
        const raw = sign(c.hash, data, { key: privateKey, dsaEncoding: "ieee-p1363" });
        const der = rawEcdsaToDer(raw);
        expect(verify(c.hash, data, publicKey, der)).toBe(true);
        if (c.curve === "secp521r1") expect(der[1]).toBe(0x81);
      }
    }
  });

  it("encodes INTEGERs minimally: a high bit gets a 0x00, leading zeros go", () => {
    const r = Buffer.alloc(32, 0);
    r[31] = 1;
    const s = Buffer.alloc(32, 0xff);
    expect(rawEcdsaToDer(Buffer.concat([r, s])).toString("hex")).toBe(`3026020101022100${"ff".repeat(32)}`);
    expect(() => rawEcdsaToDer(Buffer.alloc(3))).toThrow(/r‖s/);
    expect(derLength(127).toString("hex")).toBe("7f");
    expect(derLength(128).toString("hex")).toBe("8180");
    expect(derLength(300).toString("hex")).toBe("82012c");
  });

  it("builds the SPKI of EC and Edwards keys from CKA_EC_POINT, wrapped in an OCTET STRING or raw", () => {
    for (const c of CURVES) {
      const { publicKey } = generateKeyPairSync("ec", { namedCurve: c.node });
      const j = jwkBuffers(publicKey);
      const point = Buffer.concat([Buffer.from([4]), j.x!, j.y!]);
      const spki = publicKey.export({ type: "spki", format: "der" });
      expect(unwrapEcPoint(wrapEcPoint(point), c.curve).equals(point)).toBe(true);
      expect(unwrapEcPoint(point, c.curve).equals(point)).toBe(true);
      expect(ecSpki(c.curve, unwrapEcPoint(wrapEcPoint(point), c.curve)).equals(spki)).toBe(true);
      expect(curveOfKey(publicKey)).toBe(c.curve);
    }
    for (const type of ["ed25519", "ed448"] as const) {
      const { publicKey } = generateKeyPairSync(type as "ed25519");
      const curve = type === "ed25519" ? "Ed25519" : "Ed448";
      const x = jwkBuffers(publicKey).x!;
      expect(ecSpki(curve, unwrapEcPoint(wrapEcPoint(x), curve)).equals(publicKey.export({ type: "spki", format: "der" }))).toBe(true);
      expect(curveOfKey(publicKey)).toBe(curve);
    }
    expect(() => unwrapEcPoint(Buffer.alloc(40, 4), "secp256r1")).toThrow(/not a secp256r1 public key/);
  });

  it("names curves from CKA_EC_PARAMS: OIDs and the edwards PrintableStrings", () => {
    for (const [curve, oid] of Object.entries(EC_PARAMS)) expect(curveOfParams(oid)).toBe(curve);
    expect(curveOfParams(Buffer.concat([Buffer.from([0x13, 12]), Buffer.from("edwards25519")]))).toBe("Ed25519");
    expect(curveOfParams(Buffer.concat([Buffer.from([0x13, 10]), Buffer.from("edwards448")]))).toBe("Ed448");
    expect(curveOfParams(Buffer.from("06052b8104000a", "hex"))).toBeUndefined(); // secp256k1
  });

  it("builds an RSA SPKI from modulus and exponent, and DigestInfo ‖ digest is what PKCS#1 v1.5 signs", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const j = jwkBuffers(publicKey);
    expect(rsaSpki(j.n!, j.e!).equals(publicKey.export({ type: "spki", format: "der" }))).toBe(true);
    const data = Buffer.from("tbs");
    for (const [hash, node] of [
      ["SHA-256", "sha256"],
      ["SHA-384", "sha384"],
      ["SHA-512", "sha512"],
    ] as const) {
      // What CKM_RSA_PKCS does: EMSA-PKCS1-v1_5 block type 1 padding of DigestInfo ‖ digest, then RSASP1.
      const digestInfo = Buffer.concat([DIGEST_INFO_PREFIX[hash], createHash(node).update(data).digest()]);
      const signature = privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo);
      expect(verify(node, data, publicKey, signature)).toBe(true);
      expect(signature.equals(sign(node, data, privateKey))).toBe(true);
    }
  });

  it("sizes signatures per key type", () => {
    expect(signatureSize("RSA", undefined, 256)).toBe(256);
    expect(signatureSize("EC", "secp521r1", 0)).toBe(132);
    expect(signatureSize("Ed25519", "Ed25519", 0)).toBe(64);
    expect(signatureSize("Ed448", "Ed448", 0)).toBe(114);
  });
});
