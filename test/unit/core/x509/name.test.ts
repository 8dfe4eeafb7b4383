/**
 * Subjects on the command line (core/x509/name.ts): OpenSSL style and RFC 4514, escapes, multi-valued
 * RDNs, repeated attributes in order, and errors. The DER is checked against openssl's own encoding of
 * the same `-subj` (byte for byte) and against @peculiar/asn1-x509's parser.
 */
import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AsnConvert } from "@peculiar/asn1-schema";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { Name as AsnName } from "@peculiar/asn1-x509";
import { beforeAll, describe, expect, it } from "vitest";
import { TscaError } from "../../../../src/core/errors.js";
import { commonName, decodeName, encodeName, formatName, formatNameOpenssl, parseName, type Name } from "../../../../src/core/x509/name.js";

const CN = "2.5.4.3";
const C = "2.5.4.6";
const L = "2.5.4.7";
const O = "2.5.4.10";
const OU = "2.5.4.11";

const attrs = (name: Name): [string, string][] => name.flatMap((rdn) => rdn.map((a): [string, string] => [a.oid, a.value]));

function refused(input: string, message: RegExp): void {
  let err: unknown;
  try {
    parseName(input);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TscaError);
  expect((err as TscaError).code).toBe("ERR_INVALID_SUBJECT");
  expect((err as TscaError).kind).toBe("usage");
  expect((err as TscaError).message).toMatch(message);
  expect((err as TscaError).message).not.toContain("\n");
}

describe("parseName: OpenSSL style", () => {
  it("keeps the spec's subject in order, repeated L included", () => {
    const n = parseName("/C=AT/L=Vienna/L=Vienna/O=Example/OU=ExampleUnit/CN=ca.example.com");
    expect(n).toEqual([
      [{ oid: C, value: "AT" }],
      [{ oid: L, value: "Vienna" }],
      [{ oid: L, value: "Vienna" }],
      [{ oid: O, value: "Example" }],
      [{ oid: OU, value: "ExampleUnit" }],
      [{ oid: CN, value: "ca.example.com" }],
    ]);
    expect(commonName(n)).toBe("ca.example.com");
  });

  it("keeps any order as written (CN first too)", () => {
    expect(attrs(parseName("/CN=x/OU=b/OU=a/C=AT"))).toEqual([
      [CN, "x"],
      [OU, "b"],
      [OU, "a"],
      [C, "AT"],
    ]);
  });

  it("unescapes \\/ and \\+, and reads + as a multi-valued RDN", () => {
    expect(parseName("/O=Example\\/Slash/CN=a\\+b")).toEqual([[{ oid: O, value: "Example/Slash" }], [{ oid: CN, value: "a+b" }]]);
    expect(parseName("/OU=A+OU=B/CN=x")).toEqual([
      [
        { oid: OU, value: "A" },
        { oid: OU, value: "B" },
      ],
      [{ oid: CN, value: "x" }],
    ]);
  });

  it("accepts long names, dotted OIDs and any case for attribute types; = inside a value is kept", () => {
    expect(attrs(parseName("/countryName=AT/organizationName=Ex/commonName=x"))).toEqual([
      [C, "AT"],
      [O, "Ex"],
      [CN, "x"],
    ]);
    expect(attrs(parseName("/2.5.4.3=by-oid/cn=lower/1.2.3.4=custom"))).toEqual([
      [CN, "by-oid"],
      [CN, "lower"],
      ["1.2.3.4", "custom"],
    ]);
    expect(attrs(parseName("/CN=a=b"))).toEqual([[CN, "a=b"]]);
    expect(attrs(parseName("/emailAddress=a@example.com/DC=example/DC=com"))).toEqual([
      ["1.2.840.113549.1.9.1", "a@example.com"],
      ["0.9.2342.19200300.100.1.25", "example"],
      ["0.9.2342.19200300.100.1.25", "com"],
    ]);
  });
});

describe("parseName: RFC 4514", () => {
  it("keeps the order as written (C first, as the issue's example shows)", () => {
    expect(attrs(parseName("C=AT,O=Example,CN=ca.example.com"))).toEqual([
      [C, "AT"],
      [O, "Example"],
      [CN, "ca.example.com"],
    ]);
  });

  it('unescapes \\, \\+ \\\\ \\" \\# and hex pairs (UTF-8)', () => {
    expect(attrs(parseName("O=Example\\, Inc.,CN=a\\+b"))).toEqual([
      [O, "Example, Inc."],
      [CN, "a+b"],
    ]);
    expect(attrs(parseName('CN=back\\\\slash\\"q\\"'))).toEqual([[CN, 'back\\slash"q"']]);
    expect(attrs(parseName("CN=\\#hash"))).toEqual([[CN, "#hash"]]);
    expect(attrs(parseName("CN=caf\\C3\\A9"))).toEqual([[CN, "café"]]);
    expect(attrs(parseName("CN=Gr\\c3\\bc\\c3\\9fe"))).toEqual([[CN, "Grüße"]]);
  });

  it("reads multi-valued RDNs and tolerates spaces after separators", () => {
    expect(parseName("OU=A+OU=B, CN=x")).toEqual([
      [
        { oid: OU, value: "A" },
        { oid: OU, value: "B" },
      ],
      [{ oid: CN, value: "x" }],
    ]);
  });

  it("formats back to the same string (formatName ∘ parseName is the identity on canonical input)", () => {
    for (const s of ["C=AT,O=Example\\, Inc.,OU=A+OU=B,CN=ca.example.com", "CN=\\#lead,O=trail\\ ", "CN=a\\+b\\=c\\<\\>\\;"])
      expect(formatName(parseName(s))).toBe(s);
    expect(formatNameOpenssl(parseName("C=AT,O=a/b,CN=x"))).toBe("/C=AT/O=a\\/b/CN=x");
    expect(parseName(formatNameOpenssl(parseName("/C=AT/O=a\\/b/CN=x")))).toEqual(parseName("/C=AT/O=a\\/b/CN=x"));
  });
});

describe("parseName: errors are one sentence (ERR_INVALID_SUBJECT, a usage error)", () => {
  it.each([
    ["/CN=a//O=b", /empty component/],
    ["CN=a,,O=b", /empty component/],
    ["garbage", /expected TYPE=VALUE/],
    ["/=x", /expected TYPE=VALUE/],
    ["/XX=a/CN=b", /Unknown attribute type "XX"/],
    ["/C=Austria/CN=x", /Country code "Austria" must be two letters/],
    ["/CN=", /empty value/],
    [`/CN=${"x".repeat(65)}`, /at most 64 characters/],
    ["/C=A!/CN=x", /two letters/],
    ["/serialNumber=a@b/CN=x", /PrintableString/],
  ])("%s", (input, message) => refused(input, message));

  it("accepts a 64-character CN and an empty subject (the CN rule is init_ca's)", () => {
    expect(commonName(parseName(`/CN=${"x".repeat(64)}`))).toHaveLength(64);
    expect(parseName("")).toEqual([]);
    expect(commonName(parseName("/O=x"))).toBeUndefined();
  });
});

describe("encodeName against independent encoders and parsers", () => {
  let dir: string;
  let key: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsca-name-"));
    key = join(dir, "k.pem");
    const r = spawnSync("openssl", ["genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
    expect(r.status).toBe(0);
  });

  /** The subject DER openssl writes for `openssl req -subj SUBJECT` (default string_mask utf8only). */
  function opensslSubjectDer(subject: string): Buffer {
    const r = spawnSync("openssl", ["req", "-new", "-utf8", "-key", key, "-subj", subject, "-outform", "DER"]);
    expect(r.status, r.stderr.toString()).toBe(0);
    const csr = AsnConvert.parse(r.stdout, CertificationRequest);
    return Buffer.from(AsnConvert.serialize(csr.certificationRequestInfo.subject));
  }

  it.each([
    "/C=AT/L=Vienna/L=Vienna/O=Example/OU=ExampleUnit/CN=ca.example.com",
    "/CN=x/O=b/C=AT",
    "/C=AT/O=Example\\/Slash/CN=a\\+b",
    "/OU=B+OU=A/CN=multi.example.com",
    "/DC=example/DC=com/emailAddress=a@example.com/CN=x",
    "/C=DE/ST=Bayern/O=Grüße GmbH/CN=grüße.example.com",
    "/serialNumber=1234/CN=x",
  ])("is byte-identical to openssl's encoding of -subj %s", (subject) => {
    expect(encodeName(parseName(subject)).toString("hex")).toBe(opensslSubjectDer(subject).toString("hex"));
  });

  it("uses PrintableString for C, IA5String for DC and emailAddress, UTF8String otherwise (@peculiar/asn1-x509)", () => {
    const der = encodeName(parseName("/C=AT/DC=example/emailAddress=a@example.com/CN=caf\\C3\\A9"));
    const parsed = AsnConvert.parse(der, AsnName);
    const values = parsed.map((rdn) => rdn.map((a) => [a.type, Object.entries(a.value).find(([, v]) => v !== undefined)]));
    expect(values).toEqual([
      [[C, ["printableString", "AT"]]],
      [["0.9.2342.19200300.100.1.25", ["ia5String", "example"]]],
      [["1.2.840.113549.1.9.1", ["ia5String", "a@example.com"]]],
      [[CN, ["utf8String", "café"]]],
    ]);
  });

  it("sorts the attributes of a multi-valued RDN as DER SET OF requires, and decodes back", () => {
    const der = encodeName(parseName("/OU=B+OU=A/CN=x"));
    const asn = spawnSync("openssl", ["asn1parse", "-inform", "DER"], { input: der }).stdout.toString();
    expect(asn.indexOf(":A\n")).toBeLessThan(asn.indexOf(":B\n"));
    expect(attrs(decodeName(der))).toEqual([
      [OU, "A"],
      [OU, "B"],
      [CN, "x"],
    ]);
    const plain = parseName("/C=AT/L=Vienna/L=Vienna/CN=x");
    expect(decodeName(encodeName(plain))).toEqual(plain);
  });
});
