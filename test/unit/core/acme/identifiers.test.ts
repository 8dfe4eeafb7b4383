/**
 * Order identifiers (RFC 8555 §7.1.4, §7.4, RFC 8738) and the CA's identifier policy: canonical forms,
 * refusals with one subproblem per identifier (§6.7.1), allow/deny patterns, and the name constraints of
 * a CA certificate made by openssl.
 */
import { describe, expect, it } from "vitest";
import {
  authorizationIdentifier,
  canonicalIp,
  checkIdentifierPolicy,
  ipReverseName,
  MAX_ORDER_IDENTIFIERS,
  nameConstraintSources,
  parseOrderIdentifiers,
} from "../../../../src/core/acme/identifiers.js";
import { ACME_DISABLED, type AcmeIdentifier, type CaAcmeSettings } from "../../../../src/core/acme/model.js";
import { AcmeProblem } from "../../../../src/core/acme/problem.js";
import { fromPemAll } from "../../../../src/core/x509/pem.js";
import { scratch } from "../../../helpers/oracles.js";
import { selfSignedEc } from "../../../helpers/certs.js";

function problemOf(f: () => unknown): AcmeProblem {
  try {
    f();
  } catch (e) {
    if (e instanceof AcmeProblem) return e;
    throw e;
  }
  throw new Error("no AcmeProblem thrown");
}

const dns = (value: string): AcmeIdentifier => ({ type: "dns", value });
const ip = (value: string): AcmeIdentifier => ({ type: "ip", value });
/** The WHATWG URL parser's RFC 5952 serialisation of an IPv6 address: an oracle nobody here wrote. */
const whatwgV6 = (a: string): string => new URL(`http://[${a}]/`).hostname.slice(1, -1);

describe("parseOrderIdentifiers", () => {
  it("lower-cases DNS names and keeps a whole-label wildcard", () => {
    expect(parseOrderIdentifiers([dns("WWW.Example.COM"), dns("*.Example.com"), dns("xn--bcher-kva.example")])).toEqual([
      dns("www.example.com"),
      dns("*.example.com"),
      dns("xn--bcher-kva.example"),
    ]);
  });

  it.each([
    "2001:DB8:0:0:0:0:0:1",
    "2001:db8::0:1",
    "::FFFF:192.0.2.1",
    "0:0:0:0:0:0:0:0",
    "2001:db8:0:0:1:0:0:1",
    "fe80:0:0:0:200:f8ff:fe21:67cf",
  ])("writes IPv6 %s in RFC 5952 form, as the WHATWG URL parser does", (a) => {
    expect(parseOrderIdentifiers([ip(a)])).toEqual([ip(whatwgV6(a))]);
  });

  it("keeps IPv4 dotted quads", () => {
    expect(parseOrderIdentifiers([ip("192.0.2.10")])).toEqual([ip("192.0.2.10")]);
  });

  it("removes duplicates after canonicalisation, keeping the first's place", () => {
    expect(
      parseOrderIdentifiers([dns("b.example"), dns("A.example"), dns("a.example"), ip("2001:DB8::1"), ip("2001:db8::1"), dns("B.EXAMPLE")]),
    ).toEqual([dns("b.example"), dns("a.example"), ip("2001:db8::1")]);
  });

  it.each([
    ["a trailing dot", "example.com."],
    ["a U-label", "bücher.example"],
    ["a wildcard inside", "a.*.example.com"],
    ["a partial wildcard", "*x.example.com"],
    ["a wildcard over a single label", "*.com"],
    ["a lone wildcard", "*"],
    ["an underscore", "a_b.example.com"],
    ["a leading hyphen", "-a.example.com"],
    ["a label of 64 characters", `${"a".repeat(64)}.example`],
    ["more than 253 characters", `${"a.".repeat(127)}ab`],
    ["an IPv4 address as a DNS name", "192.0.2.1"],
    ["an empty value", ""],
    ["an A-label that does not decode", "xn--zz.example"],
  ])("refuses a DNS name with %s (rejectedIdentifier, naming it)", (_what, value) => {
    const p = problemOf(() => parseOrderIdentifiers([dns(value)]));
    expect(p.acmeType).toBe("rejectedIdentifier");
    expect(p.toJSON().subproblems).toEqual([
      expect.objectContaining({ type: "urn:ietf:params:acme:error:rejectedIdentifier", identifier: { type: "dns", value } }),
    ]);
  });

  it("suggests the A-label when given a U-label", () => {
    expect(problemOf(() => parseOrderIdentifiers([dns("bücher.example")])).message).toContain("xn--bcher-kva.example");
  });

  it("accepts the longest legal name (253 characters, 63-character labels)", () => {
    const name = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
    expect(name).toHaveLength(253);
    expect(parseOrderIdentifiers([dns(name)])).toEqual([dns(name)]);
  });

  it.each(["192.0.2.01", "256.1.1.1", "fe80::1%eth0", "[2001:db8::1]", "2001:db8::1/128", "example.com"])(
    "refuses the IP address %s (rejectedIdentifier)",
    (value) => {
      expect(problemOf(() => parseOrderIdentifiers([ip(value)])).acmeType).toBe("rejectedIdentifier");
    },
  );

  it("refuses another identifier type as unsupportedIdentifier", () => {
    const p = problemOf(() => parseOrderIdentifiers([dns("a.example"), { type: "email", value: "a@example.com" }]));
    expect(p.acmeType).toBe("unsupportedIdentifier");
    expect(p.toJSON().subproblems?.[0]?.identifier).toEqual({ type: "email", value: "a@example.com" });
  });

  it("reports every refused identifier, malformed on top when their reasons differ (§6.7.1)", () => {
    const p = problemOf(() =>
      parseOrderIdentifiers([{ type: "email", value: "a@example.com" }, dns("a.example"), dns("b_.example"), { type: "dns" }]),
    );
    expect(p.acmeType).toBe("malformed");
    expect(p.toJSON().subproblems?.map((s) => s.type.split(":").pop())).toEqual([
      "unsupportedIdentifier",
      "rejectedIdentifier",
      "malformed",
    ]);
    expect(p.message).toMatch(/^3 identifiers/);
  });

  it("uses the shared type on top when all refusals agree", () => {
    const p = problemOf(() => parseOrderIdentifiers([dns("a..example"), dns("b_.example")]));
    expect(p.acmeType).toBe("rejectedIdentifier");
    expect(p.toJSON().subproblems).toHaveLength(2);
  });

  it.each([
    ["no array", { type: "dns", value: "a.example" }],
    ["an empty list", []],
    ["a missing list", undefined],
  ])("refuses %s (malformed)", (_what, raw) => {
    expect(problemOf(() => parseOrderIdentifiers(raw)).acmeType).toBe("malformed");
  });

  it(`takes at most ${MAX_ORDER_IDENTIFIERS} identifiers`, () => {
    const list = Array.from({ length: MAX_ORDER_IDENTIFIERS + 1 }, (_, i) => dns(`h${i}.example`));
    expect(parseOrderIdentifiers(list.slice(1))).toHaveLength(MAX_ORDER_IDENTIFIERS);
    expect(problemOf(() => parseOrderIdentifiers(list)).acmeType).toBe("malformed");
  });
});

describe("authorizationIdentifier (§7.1.4)", () => {
  it("strips the wildcard label and marks the authorization", () => {
    expect(authorizationIdentifier(dns("*.example.com"))).toEqual({ identifier: dns("example.com"), wildcard: true });
    expect(authorizationIdentifier(dns("www.example.com"))).toEqual({ identifier: dns("www.example.com"), wildcard: false });
    expect(authorizationIdentifier(ip("192.0.2.1"))).toEqual({ identifier: ip("192.0.2.1"), wildcard: false });
  });
});

describe("ipReverseName (RFC 8738 §6)", () => {
  it("names IPv4 in in-addr.arpa", () => {
    expect(ipReverseName("192.0.2.5")).toBe("5.2.0.192.in-addr.arpa");
  });
  it("names IPv6 by nibbles in ip6.arpa (the RFC 3596 §2.5 example)", () => {
    expect(ipReverseName("4321:0:1:2:3:4:567:89ab")).toBe("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa");
    expect(ipReverseName("2001:db8::1")).toBe(`1.${"0.".repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
  });
  it("canonicalises first", () => {
    expect(canonicalIp("::FFFF:192.0.2.1")).toBe("::ffff:c000:201");
    expect(ipReverseName("::FFFF:192.0.2.1")).toBe(ipReverseName("::ffff:c000:201"));
  });
});

const settings = (allow: string[], deny: string[] = []): CaAcmeSettings => ({
  ...ACME_DISABLED,
  enabled: true,
  allowIdentifiers: allow,
  denyIdentifiers: deny,
});

const refused = (ids: AcmeIdentifier[], s: CaAcmeSettings, constraints = [] as ReturnType<typeof nameConstraintSources>): string[] => {
  try {
    checkIdentifierPolicy(ids, s, constraints);
    return [];
  } catch (e) {
    if (!(e instanceof AcmeProblem)) throw e;
    expect(e.acmeType).toBe("rejectedIdentifier");
    return (e.toJSON().subproblems ?? []).map((sp) => sp.identifier!.value);
  }
};

describe("checkIdentifierPolicy", () => {
  it("allows everything with empty lists", () => {
    expect(refused([dns("a.example"), dns("*.b.example"), ip("192.0.2.1")], settings([]))).toEqual([]);
  });

  it("matches names exactly and zones strictly below (*.zone and .zone alike)", () => {
    const s = settings(["host.example", "*.corp.example", ".lab.example"]);
    expect(refused([dns("host.example"), dns("a.corp.example"), dns("b.a.corp.example"), dns("x.lab.example")], s)).toEqual([]);
    expect(refused([dns("corp.example"), dns("lab.example"), dns("www.host.example"), dns("evilcorp.example")], s)).toEqual([
      "corp.example",
      "lab.example",
      "www.host.example",
      "evilcorp.example",
    ]);
  });

  it("allows a wildcard only under a zone pattern covering its base", () => {
    const s = settings(["example.com", "*.corp.example"]);
    expect(refused([dns("*.corp.example"), dns("*.a.corp.example")], s)).toEqual([]);
    expect(refused([dns("*.example.com")], s)).toEqual(["*.example.com"]);
  });

  it("lets deny win over allow, and refuses a wildcard that covers a denied name", () => {
    const s = settings([".example.com"], ["secret.example.com", ".internal.example.com"]);
    expect(refused([dns("www.example.com"), dns("*.internal.example.com"), dns("secret.example.com"), dns("*.example.com")], s)).toEqual([
      "*.internal.example.com",
      "secret.example.com",
      "*.example.com",
    ]);
    // *.example.com covers x.example.com, not deeper names: a deny deeper down does not touch it.
    expect(refused([dns("*.example.com")], settings([], [".a.example.com"]))).toEqual([]);
  });

  it("matches IP identifiers against addresses and CIDR networks, v4 and v6 apart", () => {
    const s = settings(["192.0.2.0/24", "2001:db8::/32", "198.51.100.7"], ["192.0.2.128/25"]);
    expect(refused([ip("192.0.2.1"), ip("198.51.100.7"), ip("2001:db8:1::5")], s)).toEqual([]);
    expect(refused([ip("192.0.2.200"), ip("198.51.100.8"), ip("2001:db9::1"), ip("::ffff:c000:201")], s)).toEqual([
      "192.0.2.200",
      "198.51.100.8",
      "2001:db9::1",
      "::ffff:c000:201",
    ]);
    // DNS patterns never match addresses and the reverse.
    expect(refused([ip("192.0.2.1"), dns("a.example")], settings(["a.example"], []))).toEqual(["192.0.2.1"]);
  });

  describe("with the name constraints of a CA certificate (RFC 5280 §4.2.1.10)", () => {
    const caPem = selfSignedEc(scratch("nc.key"), "/CN=Constrained CA", 10, {
      addext: [
        "basicConstraints=critical,CA:TRUE",
        "nameConstraints=critical,permitted;DNS:corp.example,permitted;IP:10.0.0.0/255.0.0.0,excluded;DNS:secret.corp.example",
      ],
    });
    const sources = nameConstraintSources([{ name: "Constrained CA", der: fromPemAll(caPem, "CERTIFICATE")[0]! }]);

    it("reads the constraints from the certificate", () => {
      expect(sources).toHaveLength(1);
      expect(sources[0]!.constraints.permitted).toHaveLength(2);
      expect(sources[0]!.constraints.excluded).toHaveLength(1);
    });

    it("refuses identifiers outside the permitted or inside the excluded subtrees, naming the CA", () => {
      const ids = [dns("corp.example"), dns("www.corp.example"), dns("*.a.corp.example"), ip("10.1.2.3")];
      expect(refused(ids, settings([]), sources)).toEqual([]);
      const bad = [dns("www.other.example"), dns("a.secret.corp.example"), ip("192.0.2.1"), dns("*.secret.corp.example")];
      expect(refused(bad, settings([]), sources)).toEqual([
        "www.other.example",
        "a.secret.corp.example",
        "192.0.2.1",
        "*.secret.corp.example",
      ]);
      const p = problemOf(() => checkIdentifierPolicy([dns("www.other.example")], settings([]), sources));
      expect(p.message).toContain("Constrained CA");
    });

    it("refuses a wildcard whose expansion may be excluded, as the signing worker would", () => {
      // *.corp.example could be secret.corp.example: verifiers reject it, so the worker would refuse it.
      const strict = nameConstraintSources([
        {
          name: "Strict CA",
          der: fromPemAll(
            selfSignedEc(scratch("nc2.key"), "/CN=Strict CA", 10, {
              addext: ["basicConstraints=critical,CA:TRUE", "nameConstraints=critical,excluded;DNS:secret.corp.example"],
            }),
            "CERTIFICATE",
          )[0]!,
        },
      ]);
      expect(refused([dns("*.corp.example"), dns("www.corp.example")], settings([]), strict)).toEqual(["*.corp.example"]);
    });
  });
});
