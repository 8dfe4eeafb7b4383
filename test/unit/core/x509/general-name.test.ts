/**
 * General names on the command line (core/x509/general-name.ts): every prefix, guessing without one,
 * IPv6 text forms, IP networks for name constraints, and errors. Encodings are compared byte for byte with
 * @peculiar/asn1-x509's GeneralName (an independent ASN.1 implementation).
 */
import "reflect-metadata";
import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName as AsnGeneralName, OtherName } from "@peculiar/asn1-x509";
import { isIP as netIsIP } from "node:net";
import { describe, expect, it } from "vitest";
import { TscaError } from "../../../../src/core/errors.js";
import {
  decodeGeneralNames,
  encodeGeneralName,
  encodeGeneralNames,
  formatGeneralName,
  parseGeneralName,
  type GeneralName,
} from "../../../../src/core/x509/general-name.js";
import { isIP } from "../../../../src/core/x509/ip.js";
import { encodeName, parseName } from "../../../../src/core/x509/name.js";
import { utf8String } from "../../../../src/core/x509/der.js";

const peculiar = (g: ConstructorParameters<typeof AsnGeneralName>[0]): string =>
  Buffer.from(AsnConvert.serialize(new AsnGeneralName(g))).toString("hex");
const ours = (input: string, constraint = false): string => encodeGeneralName(parseGeneralName(input, { constraint })).toString("hex");

function refused(input: string, message: RegExp, constraint = false): void {
  let err: unknown;
  try {
    parseGeneralName(input, { constraint });
  } catch (e) {
    err = e;
  }
  expect(err, `${input} should be refused`).toBeInstanceOf(TscaError);
  expect((err as TscaError).code).toBe("ERR_INVALID_GENERAL_NAME");
  expect((err as TscaError).message).toMatch(message);
}

describe("parseGeneralName: prefixes", () => {
  it.each<[string, GeneralName]>([
    ["DNS:example.com", { type: "dns", value: "example.com" }],
    ["dns:Example.COM", { type: "dns", value: "example.com" }],
    ["DNS:*.example.com", { type: "dns", value: "*.example.com" }],
    ["IP:192.0.2.1", { type: "ip", value: "192.0.2.1" }],
    ["ip:2001:db8::1", { type: "ip", value: "2001:db8::1" }],
    ["email:user@example.com", { type: "email", value: "user@example.com" }],
    ["EMAIL:user@example.com", { type: "email", value: "user@example.com" }],
    ["URI:https://example.com/path?q=1", { type: "uri", value: "https://example.com/path?q=1" }],
    ["uri:urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", { type: "uri", value: "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6" }],
    ["RID:1.2.3.4", { type: "rid", value: "1.2.3.4" }],
    [
      "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user@example.com",
      { type: "otherName", oid: "1.3.6.1.4.1.311.20.2.3", value: "user@example.com" },
    ],
  ])("%s", (input, expected) => {
    expect(parseGeneralName(input)).toEqual(expected);
  });

  it("dirName: takes a subject in either spelling", () => {
    expect(parseGeneralName("dirName:/C=AT/CN=x")).toEqual({ type: "dirName", value: parseName("/C=AT/CN=x") });
    expect(parseGeneralName("dirName:C=AT,CN=x")).toEqual({ type: "dirName", value: parseName("C=AT,CN=x") });
  });
});

describe("parseGeneralName: guessing without a prefix", () => {
  it.each<[string, GeneralName["type"]]>([
    ["example.com", "dns"],
    ["*.example.com", "dns"],
    ["192.0.2.1", "ip"],
    ["::1", "ip"],
    ["2001:db8::", "ip"],
    ["::ffff:192.0.2.1", "ip"],
    ["user@example.com", "email"],
    ["https://example.com/", "uri"],
    ["ldap://ldap.example.com/cn=x", "uri"],
    ["/C=AT/CN=x", "dirName"],
  ])("%s is %s", (input, type) => {
    expect(parseGeneralName(input).type).toBe(type);
  });

  it("guesses networks only where name constraints allow them", () => {
    expect(parseGeneralName("10.0.0.0/8", { constraint: true })).toEqual({ type: "ip", value: "10.0.0.0", prefix: 8 });
    expect(parseGeneralName("2001:db8::/32", { constraint: true })).toEqual({ type: "ip", value: "2001:db8::", prefix: 32 });
    expect(() => parseGeneralName("10.0.0.0/8")).toThrow(TscaError);
  });
});

describe("IP addresses (RFC 791, RFC 4291 §2.2)", () => {
  it.each([
    "0.0.0.0",
    "255.255.255.255",
    "::",
    "::1",
    "1::",
    "2001:db8::1",
    "2001:0db8:0000:0000:0000:0000:0000:0001",
    "fe80::1:2:3:4",
    "::ffff:1.2.3.4",
    "1:2:3:4:5:6:7:8",
  ])("%s is an address", (s) => {
    expect(isIP(s)).not.toBe(0);
  });

  it.each([
    "256.0.0.1",
    "1.2.3",
    "01.2.3.4",
    "1.2.3.4.5",
    "2001:db8:::1",
    "1:2:3:4:5:6:7:8:9",
    "12345::",
    "::g",
    "1::2::3",
    "example.com",
    "",
  ])("%s is not", (s) => {
    expect(isIP(s)).toBe(0);
  });

  it("agrees with node:net isIP on tricky forms (zone ids aside, which certificates cannot carry)", () => {
    const tricky = [
      "2001:db8:::1",
      ":1::2",
      "1::2:",
      "::",
      ":::",
      "1:2:3:4:5:6:7::",
      "::2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7:8::",
      "::1.2.3.4",
      "1::1.2.3.4",
      "1:2:3:4:5:6:1.2.3.4",
      "1:2:3:4:5:6:7:1.2.3.4",
      "::ffff:1.2.3.4:5",
      "1.2.3.4::",
      "1:2:3:4:5:6:7",
      "::01.2.3.4",
      "00000::1",
      "1::",
      "1:2:3:4:5:6::8",
      "::1:2:3:4:5:6:7",
      "1.2.3.04",
      "1:2:3:4:5::1.2.3.4",
      "1:2:3:4:5:6::1.2.3.4",
    ];
    for (const s of tricky) expect(isIP(s), s).toBe(netIsIP(s));
  });

  it("encodes IPv4, IPv6 (all text forms) and networks exactly like @peculiar/asn1-x509", () => {
    expect(ours("IP:192.0.2.1")).toBe(peculiar({ iPAddress: "192.0.2.1" }));
    expect(ours("IP:2001:db8::1")).toBe(peculiar({ iPAddress: "2001:db8::1" }));
    expect(ours("IP:2001:0db8:0:0:0:0:0:1")).toBe(peculiar({ iPAddress: "2001:db8::1" }));
    expect(ours("IP:::ffff:1.2.3.4")).toBe("8710" + "00000000000000000000ffff01020304");
    expect(ours("IP:::")).toBe("8710" + "00".repeat(16));
    expect(ours("IP:10.0.0.0/8", true)).toBe(peculiar({ iPAddress: "10.0.0.0/8" }));
    expect(ours("IP:192.168.0.0/16", true)).toBe("8708c0a80000ffff0000");
    // Host bits are cleared: the network of 10.1.2.3/8 is 10.0.0.0.
    expect(ours("IP:10.1.2.3/8", true)).toBe("87080a000000ff000000");
    expect(ours("IP:2001:db8::/32", true)).toBe("8720" + "20010db8" + "00".repeat(12) + "ffffffff" + "00".repeat(12));
    expect(ours("IP:0.0.0.0/0", true)).toBe("8708" + "00".repeat(8));
    expect(ours("IP:192.0.2.1/32", true)).toBe("8708c0000201ffffffff");
  });

  it("decodes and formats networks back (RFC 5952 compression)", () => {
    const names = ["IP:10.0.0.0/8", "IP:2001:db8::/32", "IP:2001:db8::1", "IP:fe80::1:0:0:1", "IP:1:0:0:2:0:0:0:3"].map((s) =>
      parseGeneralName(s, { constraint: true }),
    );
    expect(decodeGeneralNames(encodeGeneralNames(names)).map(formatGeneralName)).toEqual([
      "IP:10.0.0.0/8",
      "IP:2001:db8::/32",
      "IP:2001:db8::1",
      "IP:fe80::1:0:0:1",
      "IP:1:0:0:2::3",
    ]);
  });
});

describe("encodings of the other forms match @peculiar/asn1-x509", () => {
  it("DNS, email, URI, RID, dirName, otherName", () => {
    expect(ours("DNS:example.com")).toBe(peculiar({ dNSName: "example.com" }));
    expect(ours("email:user@example.com")).toBe(peculiar({ rfc822Name: "user@example.com" }));
    expect(ours("URI:https://example.com/")).toBe(peculiar({ uniformResourceIdentifier: "https://example.com/" }));
    expect(ours("RID:1.2.3.4")).toBe(peculiar({ registeredID: "1.2.3.4" }));
    const dirName = parseGeneralName("dirName:/C=AT/CN=x");
    const fromPeculiar = Buffer.from(AsnConvert.serialize(AsnConvert.parse(encodeGeneralName(dirName), AsnGeneralName))).toString("hex");
    expect(encodeGeneralName(dirName).toString("hex")).toBe(fromPeculiar);
    expect(
      encodeGeneralName(dirName)
        .subarray(2)
        .equals(encodeName(parseName("/C=AT/CN=x"))),
    ).toBe(true); // [4] EXPLICIT
    expect(ours("otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user@example.com")).toBe(
      peculiar({
        otherName: new OtherName({ typeId: "1.3.6.1.4.1.311.20.2.3", value: new Uint8Array(utf8String("user@example.com")).buffer }),
      }),
    );
  });

  it("round-trips every form through DER and the display form", () => {
    const inputs = [
      "DNS:example.com",
      "DNS:*.example.com",
      "IP:192.0.2.1",
      "IP:2001:db8::1",
      "email:user@example.com",
      "URI:https://example.com/x",
      "RID:1.2.3.4",
      "dirName:C=AT,CN=x",
      "otherName:1.2.3.4;UTF8:value",
    ];
    const names = inputs.map((s) => parseGeneralName(s));
    expect(decodeGeneralNames(encodeGeneralNames(names))).toEqual(names);
    expect(names.map(formatGeneralName)).toEqual(inputs);
    for (const s of inputs) expect(parseGeneralName(formatGeneralName(parseGeneralName(s)))).toEqual(parseGeneralName(s));
  });
});

describe("name-constraint forms", () => {
  it("allow .domain, a bare domain as e-mail or URI constraint, and networks", () => {
    expect(parseGeneralName("DNS:.example.com", { constraint: true })).toEqual({ type: "dns", value: ".example.com" });
    expect(parseGeneralName("email:example.com", { constraint: true })).toEqual({ type: "email", value: "example.com" });
    expect(parseGeneralName("email:.example.com", { constraint: true })).toEqual({ type: "email", value: ".example.com" });
    expect(parseGeneralName("URI:.example.com", { constraint: true })).toEqual({ type: "uri", value: ".example.com" });
    expect(parseGeneralName("IP:10.0.0.0/8", { constraint: true })).toEqual({ type: "ip", value: "10.0.0.0", prefix: 8 });
  });

  it("which certificates' names do not allow", () => {
    refused("DNS:.example.com", /Not a valid DNS name/);
    refused("email:example.com", /Not a valid e-mail address/);
    refused("IP:10.0.0.0/8", /only allowed in name constraints/);
  });
});

describe("errors are one sentence (ERR_INVALID_GENERAL_NAME)", () => {
  it.each<[string, RegExp, boolean?]>([
    ["DNS:-bad-.example.com", /Not a valid DNS name/],
    ["DNS:exa mple.com", /Not a valid DNS name/],
    ["DNS:", /Not a valid DNS name/],
    [`DNS:${"a".repeat(64)}.com`, /Not a valid DNS name/],
    ["IP:256.1.1.1", /Not a valid IP address/],
    ["IP:10.0.0.0/33", /Not a valid IP network/, true],
    ["IP:2001:db8::/129", /Not a valid IP network/, true],
    ["IP:10.0.0.0/x", /Not a valid IP network/, true],
    ["email:nope", /Not a valid e-mail address/],
    ["email:a@", /Not a valid e-mail address/],
    ["email:a b@example.com", /Not a valid e-mail address/],
    ["URI:not a uri", /Not a valid URI/],
    ["URI:http://", /Not a valid URI/],
    ["RID:abc", /Not a valid object identifier/],
    ["otherName:1.2.3;INT:5", /otherName must look like/],
    ["under_score.example.com", /Not a valid DNS name/],
  ])("%s", (input, message, constraint) => refused(input, message, constraint ?? false));
});
