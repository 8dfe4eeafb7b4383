/** Account contacts (RFC 8555 §7.3): mailto: only, one address each, no header fields. */
import { describe, expect, it } from "vitest";
import { MAX_CONTACTS, parseContacts } from "../../../../src/core/acme/contact.js";
import { AcmeProblem } from "../../../../src/core/acme/problem.js";

function problemOf(f: () => unknown): AcmeProblem {
  try {
    f();
  } catch (e) {
    if (e instanceof AcmeProblem) return e;
    throw e;
  }
  throw new Error("no AcmeProblem thrown");
}

describe("parseContacts", () => {
  it("keeps mailto: contacts, domain canonical, duplicates once", () => {
    expect(parseContacts(["mailto:Admin@Example.COM", "MAILTO:ops+acme@sub.example.org", "mailto:Admin@example.com"], false)).toEqual([
      "mailto:Admin@example.com",
      "mailto:ops+acme@sub.example.org",
    ]);
  });

  it("decodes percent-encoding (RFC 6068 §2) and converts an IDN host to A-labels", () => {
    expect(parseContacts(["mailto:a%2Bb@b%C3%BCcher.example"], false)).toEqual(["mailto:a+b@xn--bcher-kva.example"]);
  });

  it("accepts no contact when none is required, in every spelling of none", () => {
    expect(parseContacts(undefined, false)).toEqual([]);
    expect(parseContacts(null, false)).toEqual([]);
    expect(parseContacts([], false)).toEqual([]);
  });

  it("refuses no contact when the CA requires one (invalidContact)", () => {
    expect(problemOf(() => parseContacts([], true)).acmeType).toBe("invalidContact");
    expect(problemOf(() => parseContacts(undefined, true)).acmeType).toBe("invalidContact");
    expect(parseContacts(["mailto:a@example.com"], true)).toEqual(["mailto:a@example.com"]);
  });

  it.each(["tel:+12025550123", "https://example.com/contact", "a@example.com", "xmpp:a@example.com"])(
    "refuses %s: not mailto (unsupportedContact)",
    (c) => {
      const p = problemOf(() => parseContacts([c], false));
      expect(p.acmeType).toBe("unsupportedContact");
      expect(p.status).toBe(400);
    },
  );

  it.each([
    ["header fields", "mailto:a@example.com?subject=hi"],
    ["several addresses", "mailto:a@example.com,b@example.com"],
    ["no local part", "mailto:@example.com"],
    ["no domain", "mailto:admin"],
    ["a single-label domain", "mailto:admin@localhost"],
    ["a broken domain", "mailto:admin@exa_mple.com"],
    ["spaces", "mailto:ad min@example.com"],
    ["bad percent-encoding", "mailto:a%ZZ@example.com"],
    ["a local part over 64 octets", `mailto:${"a".repeat(65)}@example.com`],
  ])("refuses %s (invalidContact)", (_what, c) => {
    const p = problemOf(() => parseContacts([c], false));
    expect(p.acmeType).toBe("invalidContact");
    expect(p.toJSON().type).toBe("urn:ietf:params:acme:error:invalidContact");
  });

  it("refuses a contact member that is not an array, or non-string entries (malformed)", () => {
    expect(problemOf(() => parseContacts("mailto:a@example.com", false)).acmeType).toBe("malformed");
    expect(problemOf(() => parseContacts([42], false)).acmeType).toBe("malformed");
  });

  it(`refuses more than ${MAX_CONTACTS} contacts`, () => {
    const many = Array.from({ length: MAX_CONTACTS + 1 }, (_, i) => `mailto:a${i}@example.com`);
    expect(problemOf(() => parseContacts(many, false)).acmeType).toBe("invalidContact");
    expect(parseContacts(many.slice(1), false)).toHaveLength(MAX_CONTACTS);
  });
});
