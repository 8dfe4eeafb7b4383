/**
 * What a CSR must show before tsca signs for its key (issue 3): a valid self-signature (proof of
 * possession), no MD5/SHA-1, a supported key of sufficient size. The CSRs are made by `openssl req`, and
 * for each refused one openssl confirms the self-signature is fine, so the refusal is for the stated reason.
 */
import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isTscaError } from "../../../src/core/errors.js";
import { checkCsr } from "../../../src/core/issuance/check-csr.js";
import { parseCsr } from "../../../src/core/x509/csr.js";
import { openssl } from "../../helpers/cli.js";
import { ossl, scratch } from "../../helpers/oracles.js";
import { resignCsr } from "../../helpers/certs.js";

/** openssl's verdict on a CSR's self-signature (`req -verify` exits 0 either way in OpenSSL 3.0; read the words). */
function opensslSelfSignature(csrData: string | Buffer): string {
  const r = openssl(["req", "-inform", typeof csrData === "string" ? "PEM" : "DER", "-verify", "-noout"], csrData);
  return /self-signature verify OK/.test(r.stdout + r.stderr)
    ? "verify OK"
    : /verify failure/.test(r.stdout + r.stderr)
      ? "verify failure"
      : r.stderr;
}

/** A DER CSR from `openssl req` with a new key made by the given -newkey/-pkeyopt arguments. */
function csr(newkey: string[], extra: string[] = [], keyout = scratch("k.pem")): Buffer {
  const pem = ossl(["req", "-new", ...newkey, "-nodes", "-keyout", keyout, "-subj", "/CN=csr.example.com", ...extra]);
  expect(opensslSelfSignature(pem)).toBe("verify OK"); // openssl: the self-signature is valid
  return openssl(["req", "-outform", "DER"], pem).stdoutBytes;
}

/** AlgorithmIdentifiers: sha256WithRSAEncryption with NULL parameters, ecdsa-with-SHA256 without (RFC 5758 §3.2). */
const SHA256_WITH_RSA = Buffer.from("300d06092a864886f70d01010b0500", "hex");
const ECDSA_WITH_SHA256 = Buffer.from("300a06082a8648ce3d040302", "hex");

function verdict(der: Buffer): string {
  try {
    return checkCsr(parseCsr(der));
  } catch (e) {
    if (isTscaError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
}

describe("checkCsr", () => {
  it("accepts RSA ≥ 2048, the NIST curves, Ed25519 and Ed448, and returns the key type", () => {
    expect(verdict(csr(["-newkey", "rsa:3072"], ["-sha384"]))).toBe("RSA");
    expect(verdict(csr(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"], ["-sha384"]))).toBe("EC");
    expect(verdict(csr(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"], ["-sha512"]))).toBe("EC");
    expect(verdict(csr(["-newkey", "ed25519"]))).toBe("Ed25519");
    expect(verdict(csr(["-newkey", "ed448"]))).toBe("Ed448");
  });

  it("refuses other curves, key types and signature algorithms by name, not as a failed proof of possession", () => {
    expect(verdict(csr(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"]))).toBe(
      "ERR_CSR_WEAK: The CSR's elliptic curve is not supported (secp256r1, secp384r1, secp521r1).",
    );
    const params = scratch("dsa.params");
    ossl(["genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:1024", "-out", params]);
    expect(verdict(csr(["-newkey", `param:${params}`]))).toBe(
      "ERR_CSR_WEAK: The CSR's public key type is not supported (RSA, EC, Ed25519, Ed448).",
    );
    expect(verdict(csr(["-newkey", "rsa:2048"], ["-sigopt", "rsa_padding_mode:pss"]))).toBe(
      "ERR_CSR_WEAK: The CSR's signature algorithm (1.2.840.113549.1.1.10) is not supported; sign it with RSA PKCS#1 v1.5, ECDSA or EdDSA.",
    );
  });

  it("refuses RSA below the minimum, which is configurable upwards", () => {
    const rsa2048 = csr(["-newkey", "rsa:2048"]);
    expect(verdict(rsa2048)).toBe("RSA");
    expect(() => checkCsr(parseCsr(rsa2048), 3072)).toThrow("The CSR's RSA key has 2048 bits; at least 3072 are required.");
  });

  it("refuses a CSR whose subject was changed after signing", () => {
    const der = csr(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    const i = der.indexOf(Buffer.from("csr.example.com"));
    const changed = Buffer.from(der);
    changed.write("CSR", i); // same length, different bytes in CertificationRequestInfo
    expect(opensslSelfSignature(changed)).toBe("verify failure");
    expect(verdict(changed)).toBe("ERR_CSR_SIGNATURE: The CSR's signature does not verify with its public key (no proof of possession).");
  });

  it("refuses a signature algorithm that does not belong to the key, though node would verify the bytes", () => {
    const relabel = (newkey: string[], algorithm: Buffer): Buffer => {
      const key = scratch("k.pem");
      const der = csr(newkey, [], key);
      // The CertificationRequestInfo unchanged, signed with its own key and SHA-256, labelled with another algorithm.
      return resignCsr(der, (info) => sign("sha256", info, createPrivateKey(readFileSync(key))), algorithm);
    };
    const ec = relabel(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], SHA256_WITH_RSA);
    // openssl refuses it as well: the algorithm names an RSA signature, the key is EC.
    expect(opensslSelfSignature(ec)).not.toBe("verify OK");
    expect(verdict(ec)).toBe(
      "ERR_CSR_SIGNATURE: The CSR's signature algorithm (sha256WithRSAEncryption) does not belong to its EC public key.",
    );
    const rsa = relabel(["-newkey", "rsa:2048"], ECDSA_WITH_SHA256);
    expect(opensslSelfSignature(rsa)).not.toBe("verify OK");
    expect(verdict(rsa)).toBe(
      "ERR_CSR_SIGNATURE: The CSR's signature algorithm (ecdsa-with-SHA256) does not belong to its RSA public key.",
    );
    // The same bytes with the right label are a valid request.
    expect(verdict(relabel(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], ECDSA_WITH_SHA256))).toBe("EC");
  });

  it("refuses requested SANs whose IA5String carries non-ASCII bytes instead of A-labels", () => {
    const key = scratch("k.pem");
    const der = csr(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], ["-addext", "subjectAltName=DNS:www.bxxcher.example"], key);
    // "xx" becomes the two UTF-8 bytes of "ü" (same length), and the request is signed again: only the name is wrong.
    const patched = Buffer.from(der);
    patched.write("c3bc", der.indexOf(Buffer.from("bxxcher")) + 1, "hex");
    const resigned = resignCsr(patched, (info) => sign("sha256", info, createPrivateKey(readFileSync(key))), ECDSA_WITH_SHA256);
    expect(opensslSelfSignature(resigned)).toBe("verify OK");
    expect(verdict(resigned)).toMatch(
      /^ERR_CSR_INVALID: The CSR requests DNS:www\.b.+cher\.example, which is not ASCII; an IA5String name must use A-labels \(RFC 5280 §7\.2\)\.$/,
    );
  });
});
