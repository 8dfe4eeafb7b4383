/**
 * OCSPRequest parsing (RFC 6960 §4.1.1) on requests made by `openssl ocsp -reqout` — SHA-1 and SHA-256
 * CertIDs, several per request, with and without nonce — and on hand-made malformed input, which must be
 * refused as ERR_OCSP_MALFORMED_REQUEST and nothing else.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { isTscaError } from "../../../../src/core/errors.js";
import { IssuerIdentity } from "../../../../src/core/revocation/ocsp-cert-id.js";
import { MAX_CERT_IDS, parseOcspRequest } from "../../../../src/core/revocation/ocsp-request.js";
import { parseCertificate } from "../../../../src/core/x509/certificate.js";
import { boolean, explicit, integer, nullValue, octetString, oid, sequence } from "../../../../src/core/x509/der.js";
import { openssl } from "../../../helpers/cli.js";
import { opensslCa, type OpensslCa } from "../../../helpers/openssl-ca.js";

let ca: OpensslCa;
let identity: IssuerIdentity;

/** A request written by openssl, from `ocsp` arguments after `-issuer`. */
function request(args: string[]): Buffer {
  const out = join(ca.dir, `req-${Math.random().toString(36).slice(2)}.der`);
  const r = openssl(["ocsp", "-issuer", ca.certPath, ...args, "-reqout", out]);
  if (r.code !== 0) throw new Error(r.stderr);
  return readFileSync(out);
}

function refused(der: Buffer): string {
  try {
    parseOcspRequest(der);
  } catch (e) {
    expect(isTscaError(e) && e.code).toBe("ERR_OCSP_MALFORMED_REQUEST");
    return (e as Error).message;
  }
  throw new Error("accepted");
}

const SHA1 = sequence(oid("1.3.14.3.2.26"), nullValue());
const certId = (alg = SHA1, n = 20, serial = integer(5)): Buffer =>
  sequence(alg, octetString(Buffer.alloc(n)), octetString(Buffer.alloc(n)), serial);
const ocspRequest = (requests: Buffer[], extensions?: Buffer[]): Buffer =>
  sequence(sequence(sequence(...requests.map((c) => sequence(c))), ...(extensions ? [explicit(2, sequence(...extensions))] : [])));
const extension = (id: string, value: Buffer, critical = false): Buffer =>
  sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));

beforeAll(() => {
  ca = opensslCa();
  const cert = parseCertificate(ca.der);
  identity = new IssuerIdentity(cert.subjectDer, cert.spki);
});

describe("parseOcspRequest", () => {
  it("reads openssl's SHA-1 request with nonce: CertID matching the issuer, serial, nonce extension", () => {
    const req = parseOcspRequest(request(["-serial", "0x00AB12"]));
    expect(req.certIds).toHaveLength(1);
    const [id] = req.certIds;
    expect(id!.hash).toBe("SHA-1");
    expect(id!.serial).toBe("AB12");
    expect(identity.matches(id!)).toBe(true);
    // RFC 8954: openssl sends a 16-octet nonce wrapped in an OCTET STRING; we echo the Extension as received.
    expect(req.nonceExtension).toBeDefined();
    expect(req.nonceExtension!.toString("hex")).toMatch(/^301f06092b060105050730010204120410[0-9a-f]{32}$/);
  });

  it("reads several SHA-256 CertIDs without nonce", () => {
    const req = parseOcspRequest(request(["-sha256", "-serial", "0x01", "-serial", "0x7F", "-serial", "0x80", "-no_nonce"]));
    expect(req.certIds.map((c) => [c.hash, c.serial])).toEqual([
      ["SHA-256", "01"],
      ["SHA-256", "7F"],
      ["SHA-256", "80"],
    ]);
    expect(req.certIds.every((c) => identity.matches(c))).toBe(true);
    expect(req.nonceExtension).toBeUndefined();
  });

  it("does not match a CertID of another issuer or of an unsupported hash", () => {
    const other = opensslCa();
    const foreign = parseOcspRequest(
      (() => {
        const out = join(other.dir, "r.der");
        openssl(["ocsp", "-issuer", other.certPath, "-serial", "0x01", "-reqout", out]);
        return readFileSync(out);
      })(),
    );
    expect(identity.matches(foreign.certIds[0]!)).toBe(false);
    const md5 = parseOcspRequest(ocspRequest([certId(sequence(oid("1.2.840.113549.2.5"), nullValue()), 16)]));
    expect(md5.certIds[0]!.hash).toBeUndefined();
    expect(identity.matches(md5.certIds[0]!)).toBe(false);
  });

  it("ignores nonces outside 1..32 octets (RFC 8954 §2.1) and non-critical extensions it does not need", () => {
    const long = parseOcspRequest(ocspRequest([certId()], [extension("1.3.6.1.5.5.7.48.1.2", octetString(Buffer.alloc(33, 1)))]));
    expect(long.nonceExtension).toBeUndefined();
    const ok = parseOcspRequest(
      ocspRequest(
        [certId()],
        [extension("1.3.6.1.5.5.7.48.1.2", octetString(Buffer.alloc(32, 1))), extension("1.2.3.4", Buffer.from([5, 0]))],
      ),
    );
    expect(ok.nonceExtension).toBeDefined();
  });

  it("refuses malformed input", () => {
    const good = request(["-serial", "0x01"]);
    expect(refused(Buffer.alloc(0))).toMatch(/empty request/);
    expect(refused(Buffer.from("hello"))).toMatch(/not a DER-encoded OCSPRequest/);
    expect(refused(good.subarray(0, good.length - 1))).toMatch(/not a DER-encoded/);
    expect(refused(Buffer.concat([good, Buffer.from([0])]))).toMatch(/not a DER-encoded/);
    expect(refused(Buffer.alloc(8193, 0x30))).toMatch(/larger than 8192 bytes/);
    expect(refused(ocspRequest([]))).toMatch(/no certificate asked for/);
    expect(refused(ocspRequest(Array.from({ length: MAX_CERT_IDS + 1 }, () => certId())))).toMatch(/more than 32/);
    expect(refused(ocspRequest([certId(SHA1, 19)]))).toMatch(/SHA-1 hashes must be 20 octets/);
    expect(refused(ocspRequest([certId(SHA1, 20, octetString(Buffer.from([1])))]))).toMatch(/not a DER-encoded/);
    expect(refused(ocspRequest([certId()], [extension("1.2.3.4", Buffer.from([5, 0]), true)]))).toMatch(
      /unsupported critical extension 1\.2\.3\.4/,
    );
    const nonce = extension("1.3.6.1.5.5.7.48.1.2", octetString(Buffer.alloc(16)));
    expect(refused(ocspRequest([certId()], [nonce, nonce]))).toMatch(/appears twice/);
    expect(refused(sequence(sequence(explicit(0, integer(1)), sequence(sequence(certId())))))).toMatch(/unsupported version/);
  });
});
