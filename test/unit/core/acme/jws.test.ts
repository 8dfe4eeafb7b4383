/**
 * RFC 8555 §6.2–§6.4 JWS checks (src/core/acme/jws.ts) with jose-made JWS: each refusal is the ACME
 * problem type a client should see, including the traps of wave2-stack.md §8 (alg none, a MAC with an
 * embedded oct key, a private jwk, an ES384 header over a P-256 key).
 */
import { generateKeyPairSync, sign as nodeSign } from "node:crypto";
import { exportJWK, FlattenedSign, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { verifyAcmeJws, verifyEab, type JwsExpectations } from "../../../../src/core/acme/jws.js";
import { jwkThumbprint } from "../../../../src/core/acme/key-authorization.js";
import { AcmeProblem } from "../../../../src/core/acme/problem.js";

const URL = "https://acme.test/acme/AB/new-account";
const b64 = (o: unknown): string => Buffer.from(typeof o === "string" ? o : JSON.stringify(o)).toString("base64url");

async function es256(): Promise<{
  sign(header: Record<string, unknown>, payload?: string): Promise<Record<string, string>>;
  jwk: Record<string, unknown>;
}> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = (await exportJWK(publicKey)) as Record<string, unknown>;
  return {
    jwk,
    sign: async (header, payload = "{}") =>
      (await new FlattenedSign(new TextEncoder().encode(payload))
        .setProtectedHeader(header as never)
        .sign(privateKey)) as unknown as Record<string, string>,
  };
}

function expects(over: Partial<JwsExpectations> = {}): JwsExpectations {
  const used = new Set<string>();
  return {
    url: URL,
    key: "either",
    useNonce: async (n) => (used.has(n) ? false : (used.add(n), true)),
    accountKey: async () => {
      throw new AcmeProblem("accountDoesNotExist", "no");
    },
    ...over,
  };
}

async function problemOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AcmeProblem) return e.acmeType;
    throw e;
  }
  throw new Error("accepted");
}

describe("verifyAcmeJws", () => {
  it("accepts a good jwk request and POST-as-GET, and spends the nonce", async () => {
    const k = await es256();
    const exp = expects();
    const ok = await verifyAcmeJws(await k.sign({ alg: "ES256", nonce: "n1", url: URL, jwk: k.jwk }, '{"a":1}'), exp);
    expect(ok.payload).toEqual({ a: 1 });
    expect(ok.jwk).toEqual(k.jwk);
    expect((await verifyAcmeJws(await k.sign({ alg: "ES256", nonce: "n2", url: URL, jwk: k.jwk }, ""), exp)).payload).toBeUndefined();
    expect(await problemOf(verifyAcmeJws(await k.sign({ alg: "ES256", nonce: "n1", url: URL, jwk: k.jwk }), exp))).toBe("badNonce");
  });

  it("refuses wrong url, missing nonce, both or neither key reference, tampered payload, unprotected header", async () => {
    const k = await es256();
    expect(await problemOf(verifyAcmeJws(await k.sign({ alg: "ES256", nonce: "n", url: URL + "x", jwk: k.jwk }), expects()))).toBe(
      "unauthorized",
    );
    expect(await problemOf(verifyAcmeJws(await k.sign({ alg: "ES256", url: URL, jwk: k.jwk }), expects()))).toBe("badNonce");
    expect(await problemOf(verifyAcmeJws(await k.sign({ alg: "ES256", nonce: "n", url: URL, jwk: k.jwk, kid: "x" }), expects()))).toBe(
      "malformed",
    );
    expect(await problemOf(verifyAcmeJws(await k.sign({ alg: "ES256", nonce: "n", url: URL }), expects()))).toBe("malformed");
    expect(await problemOf(verifyAcmeJws(await k.sign({ alg: "ES256", nonce: "n", url: URL, jwk: k.jwk }), expects({ key: "kid" })))).toBe(
      "malformed",
    );
    const good = await k.sign({ alg: "ES256", nonce: "n", url: URL, jwk: k.jwk });
    expect(await problemOf(verifyAcmeJws({ ...good, payload: b64({ b: 2 }) }, expects()))).toBe("malformed");
    expect(await problemOf(verifyAcmeJws({ ...good, header: { kid: "x" } }, expects()))).toBe("malformed");
    expect(await problemOf(verifyAcmeJws("not an object", expects()))).toBe("malformed");
  });

  it("refuses alg none, HS256, a private jwk and an ES384 header over a P-256 key", async () => {
    const k = await es256();
    const none = { protected: b64({ alg: "none", nonce: "n", url: URL, jwk: k.jwk }), payload: b64("{}"), signature: "" };
    expect(await problemOf(verifyAcmeJws(none, expects()))).toBe("badSignatureAlgorithm");
    const hs = {
      protected: b64({ alg: "HS256", nonce: "n", url: URL, jwk: { kty: "oct", k: "AAAA" } }),
      payload: b64("{}"),
      signature: "AAAA",
    };
    expect(await problemOf(verifyAcmeJws(hs, expects()))).toBe("badSignatureAlgorithm");
    const priv = {
      protected: b64({ alg: "ES256", nonce: "n", url: URL, jwk: { ...k.jwk, d: "AAAA" } }),
      payload: b64("{}"),
      signature: "AAAA",
    };
    expect(await problemOf(verifyAcmeJws(priv, expects()))).toBe("badPublicKey");
    const good = await k.sign({ alg: "ES256", nonce: "n", url: URL, jwk: k.jwk });
    const es384 = { ...good, protected: b64({ alg: "ES384", nonce: "n", url: URL, jwk: k.jwk }) };
    expect(await problemOf(verifyAcmeJws(es384, expects()))).toBe("badSignatureAlgorithm");
  });

  it("checks External Account Binding: MAC, kid, url, payload = the account key", async () => {
    const k = await es256();
    const mac = Buffer.alloc(32, 9);
    const eab = async (key: Buffer, url: string, payload: unknown): Promise<Record<string, string>> =>
      (await new FlattenedSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: "HS256", kid: "kid1", url })
        .sign(key)) as unknown as Record<string, string>;
    const lookup = async (kid: string): Promise<Buffer | undefined> => (kid === "kid1" ? mac : undefined);
    const tp = jwkThumbprint(k.jwk);
    expect(await verifyEab(await eab(mac, URL, k.jwk), tp, URL, lookup, jwkThumbprint)).toBe("kid1");
    expect(await problemOf(verifyEab(await eab(Buffer.alloc(32, 1), URL, k.jwk), tp, URL, lookup, jwkThumbprint))).toBe("unauthorized");
    expect(await problemOf(verifyEab(await eab(mac, URL + "x", k.jwk), tp, URL, lookup, jwkThumbprint))).toBe("malformed");
    const other = await es256();
    expect(await problemOf(verifyEab(await eab(mac, URL, other.jwk), tp, URL, lookup, jwkThumbprint))).toBe("malformed");
  });

  it("accepts every §6.2 algorithm as jose signs it, and refuses a tampered signature for each", async () => {
    for (const alg of ["RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"] as const) {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = (await exportJWK(publicKey)) as Record<string, unknown>;
      const exp = expects();
      const jws = (await new FlattenedSign(new TextEncoder().encode('{"alg":"ok"}'))
        .setProtectedHeader({ alg, nonce: `${alg}-1`, url: URL, jwk } as never)
        .sign(privateKey)) as unknown as Record<string, string>;
      expect((await verifyAcmeJws(jws, exp)).payload, alg).toEqual({ alg: "ok" });
      const sig = Buffer.from(jws.signature!, "base64url");
      sig[sig.length - 1]! ^= 1;
      const tampered = { ...jws, signature: sig.toString("base64url") };
      expect(await problemOf(verifyAcmeJws(tampered, expects())), alg).toBe("malformed");
    }
  });

  it("refuses an RSA key under 2048 bits, a DER-encoded ECDSA signature, an Ed448 key under ES256, crit and b64; accepts Ed448", async () => {
    /** A flattened JWS signed here with node:crypto (jose will not sign some of these). */
    const signed = (header: Record<string, unknown>, sign: (input: Buffer) => Buffer, payload = "{}"): Record<string, string> => {
      const p = b64(header);
      const body = b64(payload);
      return { protected: p, payload: body, signature: sign(Buffer.from(`${p}.${body}`)).toString("base64url") };
    };
    const rsa1024 = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const small = signed({ alg: "RS256", nonce: "r", url: URL, jwk: rsa1024.publicKey.export({ format: "jwk" }) }, (i) =>
      nodeSign("sha256", i, rsa1024.privateKey),
    );
    expect(await problemOf(verifyAcmeJws(small, expects()))).toBe("badSignatureAlgorithm");

    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const ecJwk = ec.publicKey.export({ format: "jwk" });
    const der = signed({ alg: "ES256", nonce: "d", url: URL, jwk: ecJwk }, (i) => nodeSign("sha256", i, ec.privateKey));
    expect(await problemOf(verifyAcmeJws(der, expects()))).toBe("malformed");
    const p1363 = (h: Record<string, unknown>): Record<string, string> =>
      signed(h, (i) => nodeSign("sha256", i, { key: ec.privateKey, dsaEncoding: "ieee-p1363" }));
    expect((await verifyAcmeJws(p1363({ alg: "ES256", nonce: "p", url: URL, jwk: ecJwk }), expects())).jwk).toEqual(ecJwk);
    expect(
      await problemOf(verifyAcmeJws(p1363({ alg: "ES256", nonce: "c", url: URL, jwk: ecJwk, crit: ["exp"], exp: 1 }), expects())),
    ).toBe("malformed");
    expect(await problemOf(verifyAcmeJws(p1363({ alg: "ES256", nonce: "b", url: URL, jwk: ecJwk, b64: false }), expects()))).toBe(
      "malformed",
    );

    const ed448 = generateKeyPairSync("ed448");
    const ed448Jwk = ed448.publicKey.export({ format: "jwk" });
    const ok448 = signed({ alg: "EdDSA", nonce: "e", url: URL, jwk: ed448Jwk }, (i) => nodeSign(null, i, ed448.privateKey));
    expect((await verifyAcmeJws(ok448, expects())).payload).toEqual({});
    // An Ed448 key is not an ECDSA key: the header's algorithm decides.
    const wrong = signed({ alg: "ES256", nonce: "w", url: URL, jwk: ed448Jwk }, (i) => nodeSign(null, i, ed448.privateKey));
    expect(await problemOf(verifyAcmeJws(wrong, expects()))).toBe("badSignatureAlgorithm");
  });
});
