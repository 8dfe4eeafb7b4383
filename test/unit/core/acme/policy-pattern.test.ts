/**
 * ACME identifier policy patterns (edit_ca --acme-allow/--acme-deny): the accepted forms come back in the
 * form identifiers are compared in (canonical DNS names, RFC 5952 IPv6 text, CIDR with host bits zero);
 * everything else is refused with ERR_INVALID_ARGUMENT naming the pattern. IPv6 forms are checked against
 * the WHATWG URL parser's own RFC 5952 serialisation, which nobody here wrote.
 */
import { describe, expect, it } from "vitest";
import { parsePolicyPattern } from "../../../../src/core/acme/policy-pattern.js";

describe("parsePolicyPattern", () => {
  it.each([
    ["host.example", "host.example"],
    ["Host.Example.", "host.example"],
    ["*.Corp.Example", "*.corp.example"],
    [".corp.example", ".corp.example"],
    ["bücher.example", "xn--bcher-kva.example"],
    ["192.0.2.7", "192.0.2.7"],
    ["192.0.2.0/24", "192.0.2.0/24"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0000/32", "2001:db8::/32"],
    ["::ffff:192.0.2.1", "::ffff:c000:201"],
    ["  spaced.example  ", "spaced.example"],
  ])("%s → %s", (input, expected) => {
    expect(parsePolicyPattern(input)).toBe(expected);
  });

  it("writes IPv6 addresses as RFC 5952 does (compared with the URL parser's serialisation)", () => {
    for (const a of [
      "2001:db8:0:0:1:0:0:1",
      "2001:0:0:1:0:0:0:1",
      "0:0:0:0:0:0:0:1",
      "1:0:0:0:0:0:0:0",
      "fe80:0:0:0:0:0:0:0",
      "1:2:3:4:5:6:7:8",
      "1:0:2:0:3:0:4:0",
    ])
      expect(parsePolicyPattern(a)).toBe(new URL(`http://[${a}]/`).hostname.slice(1, -1));
  });

  it.each([
    ["", /empty/],
    ["exa mple.test", /Not an identifier pattern/],
    ["*.", /Not an identifier pattern/],
    ["*", /Not an identifier pattern/],
    ["foo.*.example", /wildcard/],
    ["*x.example", /wildcard/],
    ["192.0.2.0/33", /prefix length/],
    ["192.0.2.1/24", /bits set beyond the prefix/],
    ["2001:db8::1/64", /bits set beyond the prefix/],
    ["192.0.2.0/x", /prefix length/],
    ["http://x.example/", /DNS name/],
    ["-bad.example", /Not an identifier pattern/],
    ["xn--zz.example", /A-label/],
  ])("refuses %j", (input, why) => {
    let error: unknown;
    try {
      parsePolicyPattern(input);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "ERR_INVALID_ARGUMENT", kind: "usage" });
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message.split(". ").length).toBeLessThanOrEqual(2);
  });
});
