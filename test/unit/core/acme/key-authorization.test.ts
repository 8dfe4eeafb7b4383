/**
 * Key authorizations (RFC 8555 §8.1, §8.4) and RFC 7638 thumbprints: the RFC's own example, jose's
 * independent implementation for every key type, and openssl for the dns-01 digest.
 */
import { generateKeyPairSync } from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import { describe, expect, it } from "vitest";
import { dns01TxtValue, jwkThumbprint, keyAuthorization, tlsAlpn01Digest } from "../../../../src/core/acme/key-authorization.js";
import { AcmeProblem } from "../../../../src/core/acme/problem.js";
import { openssl } from "../../../helpers/cli.js";

/** RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint. */
const RFC7638_JWK = {
  kty: "RSA",
  n: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
  e: "AQAB",
  alg: "RS256",
  kid: "2011-04-29",
};

function problemOf(f: () => unknown): AcmeProblem {
  try {
    f();
  } catch (e) {
    if (e instanceof AcmeProblem) return e;
    throw e;
  }
  throw new Error("no AcmeProblem thrown");
}

describe("jwkThumbprint", () => {
  it("gives the RFC 7638 §3.1 example thumbprint, ignoring the optional members", () => {
    expect(jwkThumbprint(RFC7638_JWK)).toBe("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  });

  it.each([
    ["EC P-256", () => generateKeyPairSync("ec", { namedCurve: "P-256" })],
    ["EC P-384", () => generateKeyPairSync("ec", { namedCurve: "P-384" })],
    ["RSA", () => generateKeyPairSync("rsa", { modulusLength: 2048 })],
    ["Ed25519", () => generateKeyPairSync("ed25519")],
  ])("agrees with jose for %s keys, whatever the member order", async (_kind, make) => {
    const jwk = make().publicKey.export({ format: "jwk" }) as Record<string, string>;
    const reversed = Object.fromEntries(Object.entries({ ...jwk, use: "sig" }).reverse());
    expect(jwkThumbprint(reversed)).toBe(await calculateJwkThumbprint(jwk as never, "sha256"));
  });

  it("refuses an unknown key type (badPublicKey) and a missing required member (malformed)", () => {
    expect(problemOf(() => jwkThumbprint({ kty: "DSA", y: "AA" })).acmeType).toBe("badPublicKey");
    const e = problemOf(() => jwkThumbprint({ kty: "EC", crv: "P-256", x: "AA" }));
    expect(e.acmeType).toBe("malformed");
    expect(e.message).toContain('"y"');
  });
});

describe("key authorization values", () => {
  const thumb = jwkThumbprint(RFC7638_JWK);
  const token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";

  it("joins token and thumbprint with a dot (§8.1)", () => {
    expect(keyAuthorization(token, thumb)).toBe(`${token}.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs`);
  });

  it("dns-01 TXT value is unpadded base64url SHA-256 of the key authorization (§8.4), as openssl computes it", () => {
    const ka = keyAuthorization(token, thumb);
    const digest = openssl(["dgst", "-sha256", "-binary"], ka).stdoutBytes;
    expect(digest.length).toBe(32);
    const expected = digest.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect(dns01TxtValue(ka)).toBe(expected);
    expect(dns01TxtValue(ka)).toHaveLength(43);
    expect(tlsAlpn01Digest(ka)).toEqual(digest);
  });
});
