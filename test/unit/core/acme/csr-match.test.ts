/**
 * Finalize's CSR check (RFC 8555 §7.4): CSRs made by `openssl req` must name exactly the order's
 * identifiers and be ones tsca signs; each refusal is badCSR (or badPublicKey) naming the difference.
 */
import { describe, expect, it } from "vitest";
import { checkFinalizeCsr } from "../../../../src/core/acme/csr-match.js";
import type { AcmeIdentifier } from "../../../../src/core/acme/model.js";
import { AcmeProblem } from "../../../../src/core/acme/problem.js";
import { openssl } from "../../../helpers/cli.js";
import { ossl, scratch } from "../../../helpers/oracles.js";

function problemOf(f: () => unknown): AcmeProblem {
  try {
    f();
  } catch (e) {
    if (e instanceof AcmeProblem) return e;
    throw e;
  }
  throw new Error("no AcmeProblem thrown");
}

const NEWKEY = {
  ec: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
  ed25519: ["-newkey", "ed25519"],
  rsa1024: ["-newkey", "rsa:1024"],
  k256: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
};

/** A DER CSR from openssl req; `san` is the subjectAltName value ("DNS:a,IP:b"), absent for none. */
function csr(subj: string, san?: string, key: keyof typeof NEWKEY = "ec", extra: string[] = []): Buffer {
  const pem = ossl([
    "req",
    "-new",
    ...NEWKEY[key],
    "-nodes",
    "-keyout",
    scratch("k.pem"),
    "-subj",
    subj,
    ...(san ? ["-addext", `subjectAltName=${san}`] : []),
    ...extra,
  ]);
  return openssl(["req", "-outform", "DER"], pem).stdoutBytes;
}

const order = (...ids: [AcmeIdentifier["type"], string][]): { identifiers: AcmeIdentifier[] } => ({
  identifiers: ids.map(([type, value]) => ({ type, value })),
});

const ORDER = order(["dns", "a.example"], ["dns", "*.b.example"], ["ip", "192.0.2.1"], ["ip", "2001:db8::1"]);

describe("checkFinalizeCsr", () => {
  it("accepts exactly the order's names in any order and case, with or without a CN among them", () => {
    expect(() =>
      checkFinalizeCsr(csr("/CN=a.example", "DNS:*.b.example,DNS:A.Example,IP:2001:DB8:0:0::1,IP:192.0.2.1"), ORDER),
    ).not.toThrow();
    expect(() => checkFinalizeCsr(csr("/", "DNS:a.example,DNS:*.b.example,IP:192.0.2.1,IP:2001:db8::1", "ed25519"), ORDER)).not.toThrow();
    expect(() => checkFinalizeCsr(csr("/CN=192.0.2.1", "DNS:a.example,DNS:*.b.example,IP:192.0.2.1,IP:2001:db8::1"), ORDER)).not.toThrow();
  });

  it("refuses a CSR lacking an identifier, naming it", () => {
    const p = problemOf(() => checkFinalizeCsr(csr("/", "DNS:a.example,DNS:*.b.example,IP:192.0.2.1"), ORDER));
    expect(p.acmeType).toBe("badCSR");
    expect(p.message).toContain("lacks 2001:db8::1");
  });

  it("refuses a CSR with a name beyond the order, naming it", () => {
    const p = problemOf(() => checkFinalizeCsr(csr("/", "DNS:a.example,DNS:evil.example"), order(["dns", "a.example"])));
    expect(p.acmeType).toBe("badCSR");
    expect(p.message).toContain("requests evil.example, not in the order");
  });

  it("tells a wildcard from its base name", () => {
    const p = problemOf(() => checkFinalizeCsr(csr("/", "DNS:b.example"), order(["dns", "*.b.example"])));
    expect(p.message).toContain("lacks *.b.example");
    expect(p.message).toContain("requests b.example");
  });

  it("refuses a CSR without subjectAltNames, even if its CN is the identifier", () => {
    expect(problemOf(() => checkFinalizeCsr(csr("/CN=a.example"), order(["dns", "a.example"]))).message).toContain("lacks a.example");
  });

  it("refuses a common name that is not one of the identifiers", () => {
    const p = problemOf(() => checkFinalizeCsr(csr("/CN=other.example", "DNS:a.example"), order(["dns", "a.example"])));
    expect(p.acmeType).toBe("badCSR");
    expect(p.message).toContain("other.example");
  });

  it("refuses names of other types (e-mail, URI)", () => {
    for (const san of ["DNS:a.example,email:x@a.example", "DNS:a.example,URI:https://a.example/"]) {
      const p = problemOf(() => checkFinalizeCsr(csr("/", san), order(["dns", "a.example"])));
      expect(p.acmeType).toBe("badCSR");
      expect(p.message).toMatch(/only DNS names and IP addresses/);
    }
  });

  it("refuses keys tsca does not sign for as badPublicKey: RSA below 2048 bits, secp256k1", () => {
    for (const key of ["rsa1024", "k256"] as const) {
      const p = problemOf(() => checkFinalizeCsr(csr("/", "DNS:a.example", key), order(["dns", "a.example"])));
      expect(p.acmeType, key).toBe("badPublicKey");
    }
  });

  it("refuses a SHA-1 signature and a signature that does not verify (no proof of possession) as badCSR", () => {
    const sha1 = problemOf(() => checkFinalizeCsr(csr("/", "DNS:a.example", "ec", ["-sha1"]), order(["dns", "a.example"])));
    expect(sha1.acmeType).toBe("badCSR");
    expect(sha1.message).toMatch(/SHA-1/);
    const der = csr("/", "DNS:a.example");
    der[der.length - 5]! ^= 0x01; // inside the ECDSA signature value
    const pop = problemOf(() => checkFinalizeCsr(der, order(["dns", "a.example"])));
    expect(pop.acmeType).toBe("badCSR");
    expect(pop.message).toMatch(/signature/);
  });

  it("refuses bytes that are not a CSR as badCSR", () => {
    expect(problemOf(() => checkFinalizeCsr(Buffer.from("not a csr"), order(["dns", "a.example"]))).acmeType).toBe("badCSR");
  });
});
