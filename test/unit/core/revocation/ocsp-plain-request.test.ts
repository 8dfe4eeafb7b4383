/**
 * The hot path's reader of plain OCSP requests (issue 14): on openssl's requests without nonce it finds
 * exactly the CertID bytes and serial that parseOcspRequest finds; everything else — nonce, padding
 * extensions, several CertIDs, a signature, an explicit version, trailing bytes — is left to the full
 * parser. On any mutation of a request it never throws, and whatever key it returns is one the full parser
 * agrees with, or one whose CertID the full parser refuses (so no response can be cached under it).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { plainCertId } from "../../../../src/core/revocation/ocsp-plain-request.js";
import { parseOcspRequest } from "../../../../src/core/revocation/ocsp-request.js";
import { explicit, integer, octetString, oid, sequence, tlv } from "../../../../src/core/x509/der.js";
import { children, parseDer } from "../../../../src/core/x509/der-reader.js";
import { openssl } from "../../../helpers/cli.js";
import { opensslCa, type OpensslCa } from "../../../helpers/openssl-ca.js";

let ca: OpensslCa;

function request(args: string[]): Buffer {
  const out = join(ca.dir, `req-${Math.random().toString(36).slice(2)}.der`);
  const r = openssl(["ocsp", "-issuer", ca.certPath, ...args, "-reqout", out]);
  if (r.code !== 0) throw new Error(r.stderr);
  return readFileSync(out);
}

/** What the full parser says, for comparison: the one CertID of a request without nonce, else undefined. */
function full(der: Buffer): { certIdKey: string; serial: string } | undefined {
  const req = parseOcspRequest(der);
  if (req.certIds.length !== 1 || req.nonceExtension) return undefined;
  return { certIdKey: req.certIds[0]!.raw.toString("latin1"), serial: req.certIds[0]!.serial };
}

/** The CertID of openssl's plain request for `serial`. */
function certIdOf(der: Buffer): Buffer {
  return children(children(children(children(parseDer(der))[0]!)[0]!)[0]!)[0]!.raw;
}

const plainAround = (certId: Buffer): Buffer => sequence(sequence(sequence(sequence(certId))));

beforeAll(() => {
  ca = opensslCa();
});

describe("plainCertId", () => {
  it("finds what the full parser finds in openssl's requests without nonce (SHA-1, SHA-256, SHA-512)", () => {
    for (const digest of [[], ["-sha256"], ["-sha512"]]) {
      for (const serial of ["0x01", "0x00AB12", "0x7F", "0x80", "0x4EAB2C9D1F0E3A5B6C7D8E9F0A1B2C3D4E5F6071"]) {
        const der = request([...digest, "-serial", serial, "-no_nonce"]);
        const got = plainCertId(der);
        expect(got).toEqual(full(der));
        expect(got).toBeDefined();
      }
    }
  });

  it("strips leading zero octets of the serial as stored serials have none, keeping the CertID as sent", () => {
    const template = certIdOf(request(["-serial", "0x0A", "-no_nonce"]));
    const parts = children(parseDer(template));
    const padded = sequence(parts[0]!.raw, parts[1]!.raw, parts[2]!.raw, tlv(0x02, Buffer.from([0, 0, 0, 0x0a])));
    const der = plainAround(padded);
    expect(plainCertId(der)).toEqual({ certIdKey: padded.toString("latin1"), serial: "0A" });
    expect(plainCertId(der)).toEqual(full(der));
  });

  it("leaves every request that is not plain to the full parser", () => {
    const id = certIdOf(request(["-serial", "0x0A", "-no_nonce"]));
    const notPlain: [string, Buffer][] = [
      ["openssl's nonce", request(["-serial", "0x0A"])],
      ["two CertIDs", request(["-serial", "0x0A", "-serial", "0x0B", "-no_nonce"])],
      ["a signature", request(["-serial", "0x0A", "-no_nonce", "-signer", ca.certPath, "-signkey", ca.keyPath])],
      [
        "a padding extension",
        sequence(
          sequence(sequence(sequence(id)), explicit(2, sequence(sequence(oid("1.3.6.1.4.1.55555.1"), octetString(Buffer.alloc(4000)))))),
        ),
      ],
      [
        "a singleRequestExtension",
        sequence(
          sequence(sequence(sequence(id, explicit(0, sequence(sequence(oid("1.3.6.1.4.1.55555.1"), octetString(Buffer.alloc(8)))))))),
        ),
      ],
      ["an explicit version", sequence(sequence(explicit(0, integer(0)), sequence(sequence(id))))],
      ["trailing bytes", Buffer.concat([plainAround(id), Buffer.from([0])])],
      ["an empty request list", sequence(sequence(sequence()))],
      ["nothing", Buffer.alloc(0)],
    ];
    for (const [what, der] of notPlain) expect(plainCertId(der), what).toBeUndefined();
  });

  it("never throws on mutated requests, and returns only keys the full parser agrees with or whose CertID it refuses", () => {
    const base = request(["-sha256", "-serial", "0x4EAB2C9D1F0E3A5B", "-no_nonce"]);
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; // a fixed sequence: failures reproduce
      return (seed >>> 8) % n;
    };
    let returned = 0;
    for (let i = 0; i < 20_000; i++) {
      const der = Buffer.from(base);
      // Mostly one changed octet (many land in the CertID and keep the structure), sometimes several.
      for (let k = random(4) === 0 ? 2 + random(3) : 1; k > 0; k--) der[random(der.length)] = random(256);
      const cut = random(8) === 0 ? der.subarray(0, random(der.length)) : der;
      const got = plainCertId(cut);
      if (!got) continue;
      returned++;
      let agreed: ReturnType<typeof full> | "refused";
      try {
        agreed = full(cut);
      } catch {
        agreed = "refused";
      }
      if (agreed === "refused") expect(() => full(plainAround(Buffer.from(got.certIdKey, "latin1")))).toThrow();
      else expect(got).toEqual(agreed);
    }
    expect(returned).toBeGreaterThan(5_000); // the mutations do reach the interesting cases
  });
});
