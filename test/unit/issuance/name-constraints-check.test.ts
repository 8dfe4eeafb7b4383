/**
 * Name constraints at issuance (RFC 5280 §4.2.1.10): which names lie inside a permitted or excluded
 * subtree, per name type, and how the subject contributes names. The expectations follow the RFC text
 * and what `openssl verify` does (test/e2e/cli/certs-name-constraints.test.ts checks the latter live).
 */
import { describe, expect, it } from "vitest";
import { assertWithinNameConstraints, constrainedNames, type ConstraintSource } from "../../../src/core/issuance/name-constraints-check.js";
import { parseGeneralName, type GeneralName } from "../../../src/core/x509/general-name.js";
import { parseName } from "../../../src/core/x509/name.js";
import { tscaErrorOf } from "../../helpers/outcome.js";

const g = (s: string): GeneralName => parseGeneralName(s);
const c = (s: string): GeneralName => parseGeneralName(s, { constraint: true });

function source(permitted: string[], excluded: string[] = [], caName = "CA"): ConstraintSource {
  return { caName, constraints: { permitted: permitted.map(c), excluded: excluded.map(c) } };
}

/** The refusal message, or "ok". */
function check(names: GeneralName[], ...sources: ConstraintSource[]): string {
  const e = tscaErrorOf(() => assertWithinNameConstraints(names, sources));
  if (!e) return "ok";
  expect(e.code).toBe("ERR_NAME_CONSTRAINTS");
  return e.message;
}

const permittedBy = (name: string, base: string): boolean => check([g(name)], source([base])) === "ok";
const excludedBy = (name: string, base: string): boolean => check([g(name)], source([], [base])) !== "ok";

describe("dNSName subtrees", () => {
  it("a domain covers itself and every subdomain, by whole labels, case-insensitively", () => {
    expect(permittedBy("DNS:example.com", "DNS:example.com")).toBe(true);
    expect(permittedBy("DNS:www.example.com", "DNS:example.com")).toBe(true);
    expect(permittedBy("DNS:a.b.c.example.com", "DNS:example.com")).toBe(true);
    expect(permittedBy("DNS:WWW.Example.COM", "DNS:example.com")).toBe(true);
    expect(permittedBy("DNS:www.example.com.", "DNS:example.com")).toBe(true);
    expect(permittedBy("DNS:notexample.com", "DNS:example.com")).toBe(false);
    expect(permittedBy("DNS:example.com.evil.net", "DNS:example.com")).toBe(false);
    expect(permittedBy("DNS:example.org", "DNS:com")).toBe(false);
    expect(permittedBy("DNS:www.example.com", "DNS:com")).toBe(true);
  });

  it("a leading dot means subdomains only", () => {
    expect(permittedBy("DNS:www.example.com", "DNS:.example.com")).toBe(true);
    expect(permittedBy("DNS:example.com", "DNS:.example.com")).toBe(false);
    expect(excludedBy("DNS:a.example.com", "DNS:.example.com")).toBe(true);
    expect(excludedBy("DNS:example.com", "DNS:.example.com")).toBe(false);
  });

  it("wildcards: permitted only when every expansion is; excluded when any expansion could be", () => {
    expect(permittedBy("DNS:*.example.com", "DNS:example.com")).toBe(true);
    expect(permittedBy("DNS:*.example.com", "DNS:www.example.com")).toBe(false);
    expect(excludedBy("DNS:*.example.com", "DNS:example.com")).toBe(true);
    // *.example.com can stand for www.example.com, which is excluded (as Chromium's verifier reads it).
    expect(excludedBy("DNS:*.example.com", "DNS:www.example.com")).toBe(true);
    // ... but a wildcard is one label: it never expands to a.b.example.com.
    expect(excludedBy("DNS:*.example.com", "DNS:a.b.example.com")).toBe(false);
    expect(excludedBy("DNS:*.example.org", "DNS:www.example.com")).toBe(false);
  });
});

describe("rfc822Name subtrees", () => {
  it("a mailbox, all mailboxes at a host, or any host below a domain", () => {
    expect(permittedBy("email:alice@example.com", "email:alice@example.com")).toBe(true);
    expect(permittedBy("email:bob@example.com", "email:alice@example.com")).toBe(false);
    // The local part is case-sensitive (RFC 5280 §7.5), the host is not.
    expect(permittedBy("email:Alice@EXAMPLE.com", "email:alice@example.com")).toBe(false);
    expect(permittedBy("email:alice@EXAMPLE.com", "email:alice@example.com")).toBe(true);
    expect(permittedBy("email:anyone@example.com", "email:example.com")).toBe(true);
    expect(permittedBy("email:anyone@mail.example.com", "email:example.com")).toBe(false);
    expect(permittedBy("email:anyone@mail.example.com", "email:.example.com")).toBe(true);
    expect(permittedBy("email:anyone@example.com", "email:.example.com")).toBe(false);
  });

  it("an emailAddress attribute of the subject is checked as an rfc822Name", () => {
    const names = constrainedNames(parseName("/CN=Alice/emailAddress=alice@evil.com"), []);
    expect(check(names, source([], ["email:evil.com"]))).toBe(
      'email:alice@evil.com is excluded by the name constraints of CA "CA" (email:evil.com).',
    );
  });
});

describe("iPAddress subtrees", () => {
  it("IPv4 and IPv6 networks by prefix; an address of the other family is not inside", () => {
    expect(permittedBy("IP:192.0.2.77", "IP:192.0.2.0/24")).toBe(true);
    expect(permittedBy("IP:192.0.3.1", "IP:192.0.2.0/24")).toBe(false);
    expect(permittedBy("IP:10.255.255.255", "IP:10.0.0.0/8")).toBe(true);
    expect(permittedBy("IP:10.1.2.3", "IP:10.1.2.3/32")).toBe(true);
    expect(permittedBy("IP:10.1.2.4", "IP:10.1.2.3/32")).toBe(false);
    expect(permittedBy("IP:198.51.100.1", "IP:0.0.0.0/0")).toBe(true);
    expect(permittedBy("IP:2001:db8::1", "IP:2001:db8::/32")).toBe(true);
    expect(permittedBy("IP:2001:db9::1", "IP:2001:db8::/32")).toBe(false);
    expect(permittedBy("IP:2001:db8:0:0:0:0:0:ff", "IP:2001:db8::/120")).toBe(true);
    expect(permittedBy("IP:::1", "IP:::1/128")).toBe(true);
    expect(permittedBy("IP:192.0.2.1", "IP:2001:db8::/32")).toBe(false);
    expect(permittedBy("IP:2001:db8::1", "IP:192.0.2.0/24")).toBe(false);
  });

  it("an IPv4-mapped IPv6 address is compared as the 16 bytes it encodes", () => {
    expect(excludedBy("IP:::ffff:10.0.0.1", "IP:::ffff:10.0.0.0/120")).toBe(true);
    expect(excludedBy("IP:::ffff:10.0.1.1", "IP:::ffff:10.0.0.0/120")).toBe(false);
  });

  it("an IP address CN is checked like an iPAddress", () => {
    expect(check(constrainedNames(parseName("/CN=10.0.0.1"), []), source([], ["IP:10.0.0.0/8"]))).toMatch(/^IP:10\.0\.0\.1 is excluded/);
  });
});

describe("uniformResourceIdentifier subtrees", () => {
  it("the host of the URI: exactly the host, or subdomains with a leading dot", () => {
    expect(permittedBy("URI:https://example.com/path", "URI:example.com")).toBe(true);
    expect(permittedBy("URI:https://www.example.com/", "URI:example.com")).toBe(false);
    expect(permittedBy("URI:https://www.example.com:8443/x", "URI:.example.com")).toBe(true);
    expect(permittedBy("URI:https://example.com/", "URI:.example.com")).toBe(false);
    expect(permittedBy("URI:ldap://EXAMPLE.com/o=x", "URI:example.com")).toBe(true);
    // A URI without a host (urn:) is inside no host subtree.
    expect(permittedBy("URI:urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", "URI:example.com")).toBe(false);
  });
});

describe("directoryName subtrees", () => {
  it("the base's RDNs must be a prefix of the subject's, attribute values compared case-insensitively", () => {
    const within = (subject: string, base: string): string => check(constrainedNames(parseName(subject), []), source([`dirName:${base}`]));
    expect(within("/C=AT/O=Example/CN=www.example.com", "/C=AT/O=Example")).toBe("ok");
    expect(within("/C=AT/O=EXAMPLE/OU=Web/CN=x", "/C=AT/O=example")).toBe("ok");
    expect(within("/C=AT/O=Other/CN=www.example.com", "/C=AT/O=Example")).toMatch(
      /^dirName:.* is not within the permitted names of CA "CA"\.$/,
    );
    expect(within("/C=AT/CN=www.example.com", "/C=AT/O=Example")).not.toBe("ok");
    expect(within("/O=Example/C=AT/CN=x", "/C=AT/O=Example")).not.toBe("ok"); // order matters
    const excluded = check(constrainedNames(parseName("/C=DE/O=Evil/CN=x"), []), source([], ["dirName:/C=DE/O=Evil"]));
    expect(excluded).toMatch(/is excluded by the name constraints of CA "CA"/);
  });
});

describe("combining", () => {
  it("permitted subtrees of one type do not restrict names of another type", () => {
    expect(check([g("email:alice@anywhere.org"), g("IP:203.0.113.5"), g("URI:https://any.org/")], source(["DNS:example.com"]))).toBe("ok");
    expect(check([g("DNS:example.org")], source(["email:example.org", "IP:10.0.0.0/8"]))).toBe("ok");
  });

  it("excluded wins over permitted; every name is checked; the message names the first offender and the CA", () => {
    expect(check([g("DNS:www.evil.com")], source(["DNS:com"], ["DNS:evil.com"], "Root"))).toBe(
      'DNS:www.evil.com is excluded by the name constraints of CA "Root" (DNS:evil.com).',
    );
    expect(check([g("DNS:www.example.com"), g("DNS:example.org")], source(["DNS:com"], [], "Root"))).toBe(
      'DNS:example.org is not within the permitted names of CA "Root".',
    );
    expect(check([g("DNS:a.example.com"), g("DNS:b.example.net")], source(["DNS:example.com", "DNS:example.net"]))).toBe("ok");
  });

  it("every CA of the chain applies: the issuer's and each ancestor's constraints", () => {
    const root = source(["DNS:com"], ["DNS:evil.com"], "Root");
    const int = source(["DNS:example.com"], [], "Int");
    expect(check([g("DNS:www.example.com")], int, root)).toBe("ok");
    expect(check([g("DNS:www.example.net")], int, root)).toBe('DNS:www.example.net is not within the permitted names of CA "Int".');
    expect(check([g("DNS:www.evil.com")], source([], [], "Int"), root)).toMatch(/of CA "Root"/);
    expect(check([g("DNS:anything.org")])).toBe("ok");
  });

  it("constrainedNames: the subject DN, a host-name CN as dNSName, emailAddress, then every SAN", () => {
    const subject = parseName("/O=Example/CN=www.example.com/emailAddress=a@example.com");
    expect(constrainedNames(subject, [g("DNS:example.com"), g("URI:https://x.example.com/")])).toEqual([
      { type: "dirName", value: subject },
      { type: "dns", value: "www.example.com" },
      { type: "email", value: "a@example.com" },
      { type: "dns", value: "example.com" },
      { type: "uri", value: "https://x.example.com/" },
    ]);
    // A person's name is not a host name; an empty subject contributes nothing.
    expect(constrainedNames(parseName("/CN=Alice Example"), [])).toEqual([{ type: "dirName", value: parseName("/CN=Alice Example") }]);
    expect(constrainedNames([], [g("DNS:x.example.com")])).toEqual([{ type: "dns", value: "x.example.com" }]);
  });
});
