/**
 * The DER writer (core/x509/der.ts) and reader (der-reader.ts), checked against `openssl asn1parse` and
 * @peculiar/asn1-schema / asn1-x509: integers at sign and length boundaries, OIDs with large arcs,
 * lengths in short and long form, named bit strings, SET OF order, and the UTCTime/GeneralizedTime switch.
 */
import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { AsnConvert, AsnIntegerBigIntConverter, AsnProp, AsnPropTypes, AsnSerializer } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, BasicConstraints, KeyUsage, KeyUsageFlags, Validity } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import {
  boolean,
  generalizedTime,
  integer,
  integerFromBytes,
  namedBitString,
  nullValue,
  octetString,
  oid,
  printableString,
  sequence,
  setOf,
  time,
  tlv,
  utcTime,
  utf8String,
} from "../../../../src/core/x509/der.js";
import {
  children,
  decodeBitPositions,
  decodeInteger,
  decodeOid,
  decodeTime,
  parseDer,
  readTlv,
} from "../../../../src/core/x509/der-reader.js";

/** `openssl asn1parse` of DER bytes; fails the test if openssl cannot parse them. */
function asn1parse(der: Buffer): string {
  const r = spawnSync("openssl", ["asn1parse", "-inform", "DER"], { input: der });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout.toString();
}

class Int {
  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerBigIntConverter })
  value = 0n;
}

describe("INTEGER", () => {
  it.each<[number | bigint, string]>([
    [0, "020100"],
    [1, "020101"],
    [127, "02017f"],
    [128, "02020080"],
    [255, "020200ff"],
    [256, "02020100"],
    [32767, "02027fff"],
    [32768, "0203008000"],
    [2n ** 64n, "0209010000000000000000"],
  ])("%s", (n, hex) => {
    const der = integer(n);
    expect(der.toString("hex")).toBe(hex);
    const hexValue = BigInt(n).toString(16).toUpperCase();
    expect(asn1parse(der)).toMatch(new RegExp(`prim: INTEGER +:${hexValue.length % 2 ? "0" + hexValue : hexValue}\\n`));
    expect(decodeInteger(parseDer(der).value)).toBe(BigInt(n));
  });

  it("integerFromBytes strips leading zeros and keeps the value positive (serial numbers)", () => {
    expect(integerFromBytes(Buffer.from("0000ff", "hex")).toString("hex")).toBe("020200ff");
    expect(integerFromBytes(Buffer.from("00", "hex")).toString("hex")).toBe("020100");
    const serial = Buffer.from("7f" + "ab".repeat(19), "hex");
    expect(integerFromBytes(serial).toString("hex")).toBe("0214" + serial.toString("hex"));
    const high = Buffer.from("80" + "00".repeat(19), "hex");
    expect(integerFromBytes(high).subarray(0, 3).toString("hex")).toBe("021500");
    // @peculiar/asn1-schema reads the same value back.
    expect(AsnConvert.parse(sequence(integerFromBytes(serial)), Int).value).toBe(BigInt("0x" + serial.toString("hex")));
    expect(AsnConvert.parse(sequence(integerFromBytes(high)), Int).value).toBe(BigInt("0x" + high.toString("hex")));
  });

  it("refuses negative values and decodes negative ones", () => {
    expect(() => integer(-1)).toThrow(RangeError);
    expect(decodeInteger(Buffer.from("ff", "hex"))).toBe(-1n);
    expect(decodeInteger(Buffer.from("ff7f", "hex"))).toBe(-129n);
  });
});

describe("OBJECT IDENTIFIER", () => {
  it.each<[string, string, string]>([
    ["1.2.840.113549.1.1.11", "06092a864886f70d01010b", "sha256WithRSAEncryption"],
    ["2.5.29.19", "0603551d13", "X509v3 Basic Constraints"],
    ["1.3.101.112", "06032b6570", "ED25519"],
    ["2.999.3", "0603883703", "2.999.3"],
    ["1.2.3.4294967296", "06072a0390808080" + "00", "1.2.3.4294967296"],
    ["0.9.2342.19200300.100.1.25", "060a0992268993f22c640119", "domainComponent"],
  ])("%s", (dotted, hex, opensslName) => {
    const der = oid(dotted);
    expect(der.toString("hex")).toBe(hex);
    expect(asn1parse(der)).toContain(`prim: OBJECT            :${opensslName}\n`);
    expect(decodeOid(parseDer(der).value)).toBe(dotted);
  });

  it("refuses malformed OIDs", () => {
    expect(() => oid("1")).toThrow(RangeError);
    expect(() => oid("3.1")).toThrow(RangeError);
    expect(() => oid("1.2.x")).toThrow(RangeError);
  });
});

describe("lengths", () => {
  it.each([0, 1, 127, 128, 255, 256, 65535, 65536])("%i content octets", (n) => {
    const der = octetString(Buffer.alloc(n, 0x41));
    const header = n < 0x80 ? 2 : n < 0x100 ? 3 : n < 0x10000 ? 4 : 5;
    expect(der.length).toBe(header + n);
    expect(asn1parse(der)).toMatch(new RegExp(`^ +0:d=0 +hl=${header} l= *${n} prim: OCTET STRING`));
    const { tlv: t, next } = readTlv(der);
    expect(next).toBe(der.length);
    expect(t.value.length).toBe(n);
  });

  it("nested structures agree with openssl's offsets", () => {
    const der = sequence(sequence(integer(1), boolean(true)), nullValue(), utf8String("x".repeat(200)), printableString("AT"));
    const out = asn1parse(der);
    expect(out).toContain("d=2  hl=2 l=   1 prim: BOOLEAN           :255");
    expect(out).toContain("d=1  hl=2 l=   0 prim: NULL");
    expect(out).toContain("d=1  hl=3 l= 200 prim: UTF8STRING");
    expect(out).toContain("d=1  hl=2 l=   2 prim: PRINTABLESTRING   :AT");
    expect(children(parseDer(der))).toHaveLength(4);
  });

  it("the reader refuses truncated data and trailing bytes", () => {
    expect(() => parseDer(Buffer.from("3004020101", "hex"))).toThrow(/longer than its container/);
    expect(() => parseDer(Buffer.from("02010100", "hex"))).toThrow(/trailing data/);
    expect(() => parseDer(Buffer.from("3080", "hex"))).toThrow(/unsupported length/);
  });
});

describe("named BIT STRING (KeyUsage, X.690 §11.2.2)", () => {
  it.each<[number[], string, number]>([
    [[5, 6], "03020106", KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign],
    [[0], "03020780", KeyUsageFlags.digitalSignature],
    [[0, 5, 6], "03020186", KeyUsageFlags.digitalSignature | KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign],
    [[8], "0303070080", KeyUsageFlags.decipherOnly],
  ])("bits %j", (bits, hex, flags) => {
    expect(namedBitString(bits).toString("hex")).toBe(hex);
    expect(Buffer.from(AsnSerializer.serialize(new KeyUsage(flags))).toString("hex")).toBe(hex);
    expect(decodeBitPositions(parseDer(namedBitString(bits)).value)).toEqual(bits);
  });
});

describe("SET OF and whole structures against @peculiar/asn1-x509", () => {
  it("sorts SET OF members by their encodings", () => {
    expect(setOf(utf8String("b"), utf8String("a"), printableString("z")).toString("hex")).toBe("3109" + "0c0161" + "0c0162" + "13017a");
  });

  it("BasicConstraints and AlgorithmIdentifier are byte-identical", () => {
    expect(sequence(boolean(true), integer(2)).toString("hex")).toBe(
      Buffer.from(AsnConvert.serialize(new BasicConstraints({ cA: true, pathLenConstraint: 2 }))).toString("hex"),
    );
    expect(sequence(oid("1.2.840.113549.1.1.13"), nullValue()).toString("hex")).toBe(
      Buffer.from(
        AsnConvert.serialize(new AlgorithmIdentifier({ algorithm: "1.2.840.113549.1.1.13", parameters: new Uint8Array([5, 0]).buffer })),
      ).toString("hex"),
    );
    expect(tlv(0x04, Buffer.from("hi")).toString("hex")).toBe("04026869");
  });
});

describe("time (RFC 5280 §4.1.2.5)", () => {
  it("UTCTime through 2049, GeneralizedTime from 2050, whole seconds in Z form", () => {
    const last = new Date("2049-12-31T23:59:59.999Z");
    const first = new Date("2050-01-01T00:00:00Z");
    expect(time(last).toString("latin1").slice(2)).toBe("491231235959Z");
    expect(time(last)[0]).toBe(0x17);
    expect(time(first).toString("latin1").slice(2)).toBe("20500101000000Z");
    expect(time(first)[0]).toBe(0x18);
    expect(time(new Date("1950-01-01T00:00:00Z"))[0]).toBe(0x17);
    expect(time(new Date("1949-12-31T23:59:59Z"))[0]).toBe(0x18);
    expect(asn1parse(utcTime(last))).toContain("prim: UTCTIME           :491231235959Z");
    expect(asn1parse(generalizedTime(first))).toContain("prim: GENERALIZEDTIME   :20500101000000Z");
    for (const d of [new Date("2049-12-31T23:59:59Z"), first, new Date("1999-06-01T12:00:00Z")])
      expect(decodeTime(parseDer(time(d)))).toEqual(d);
  });

  it("matches @peculiar/asn1-x509's Validity encoding", () => {
    const notBefore = new Date("2026-01-02T03:04:05Z");
    const notAfter = new Date("2056-01-02T03:04:05Z");
    const theirs = Buffer.from(AsnConvert.serialize(new Validity({ notBefore, notAfter }))).toString("hex");
    expect(sequence(time(notBefore), time(notAfter)).toString("hex")).toBe(theirs);
  });
});
