/**
 * What a CSR must show before tsca signs for its key (issue 3): a valid self-signature (proof of
 * possession), no MD5/SHA-1, a supported key of sufficient size. The CSRs are made by `openssl req`, and
 * for each refused one openssl confirms the self-signature is fine, so the refusal is for the stated reason.
 */
import { describe, expect, it } from "vitest";
import { isTscaError } from "../../../src/core/errors.js";
import { checkCsr } from "../../../src/core/issuance/check-csr.js";
import { parseCsr } from "../../../src/core/x509/csr.js";
import { openssl } from "../../helpers/cli.js";
import { ossl, scratch } from "../../helpers/oracles.js";

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
function csr(newkey: string[], extra: string[] = []): Buffer {
  const pem = ossl(["req", "-new", ...newkey, "-nodes", "-keyout", scratch("k.pem"), "-subj", "/CN=csr.example.com", ...extra]);
  expect(opensslSelfSignature(pem)).toBe("verify OK"); // openssl: the self-signature is valid
  return openssl(["req", "-outform", "DER"], pem).stdoutBytes;
}

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
});
