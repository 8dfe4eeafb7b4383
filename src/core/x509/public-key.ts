/**
 * Public keys from SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) as node KeyObjects. Importing through JWK
 * (RFC 7517/7518/8037) skips OpenSSL 3's generic decoder, which costs ~2.5x more per key; that matters when
 * every CSR's proof of possession is verified on the issuance path. Unusual encodings fall back to DER.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { children, decodeOid, parseDer } from "./der-reader.js";
import { OID } from "./oids.js";

const CURVES: Record<string, { crv: string; size: number }> = {
  [OID.secp256r1]: { crv: "P-256", size: 32 },
  [OID.secp384r1]: { crv: "P-384", size: 48 },
  [OID.secp521r1]: { crv: "P-521", size: 66 },
};

const b64url = (b: Buffer): string => b.toString("base64url");
const unsigned = (b: Buffer): Buffer => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);

function jwkFromSpki(spki: Buffer): JsonWebKey | undefined {
  const [alg, key] = children(parseDer(spki));
  const [algOid, params] = children(alg!);
  const o = decodeOid(algOid!.value);
  const bits = key!.value.subarray(1);
  if (o === OID.ecPublicKey && params) {
    const curve = CURVES[decodeOid(params.value)];
    if (!curve || bits[0] !== 0x04 || bits.length !== 1 + 2 * curve.size) return undefined;
    return { kty: "EC", crv: curve.crv, x: b64url(bits.subarray(1, 1 + curve.size)), y: b64url(bits.subarray(1 + curve.size)) };
  }
  if (o === OID.rsaEncryption) {
    const [n, e] = children(parseDer(bits));
    return { kty: "RSA", n: b64url(unsigned(n!.value)), e: b64url(unsigned(e!.value)) };
  }
  if (o === OID.ed25519) return { kty: "OKP", crv: "Ed25519", x: b64url(bits) };
  if (o === OID.ed448) return { kty: "OKP", crv: "Ed448", x: b64url(bits) };
  return undefined;
}

export function publicKeyFromSpki(spki: Buffer): KeyObject {
  let jwk: JsonWebKey | undefined;
  try {
    jwk = jwkFromSpki(spki);
  } catch {
    jwk = undefined;
  }
  return jwk ? createPublicKey({ key: jwk, format: "jwk" }) : createPublicKey({ key: spki, format: "der", type: "spki" });
}
