/**
 * Names are normalised before every constraint and policy check (issue 14, brief D1): a trailing dot,
 * upper case, a U-label or a UTS #46 spelling (full-width letters, the ideographic full stop) must not
 * get a name past a permitted or excluded subtree (RFC 5280 §4.2.1.10, §7.2; RFC 6125), in the CN and in
 * every SAN type, on both sides of the comparison. The issuance pipeline is exercised as issueCertificate
 * runs it (normaliseNames, decideNames, constrainedNames, assertWithinNameConstraints). The A-labels
 * expected are written out by hand, not computed by the code under test ("bücher" is "xn--bcher-kva",
 * the RFC 3492 example every IDNA implementation agrees on).
 */
import { describe, expect, it } from "vitest";
import { isTscaError } from "../../../src/core/errors.js";
import { decideNames } from "../../../src/core/issuance/issue-certificate.js";
import { assertWithinNameConstraints, constrainedNames, type ConstraintSource } from "../../../src/core/issuance/name-constraints-check.js";
import { normaliseNames } from "../../../src/core/issuance/normalise-names.js";
import { parseGeneralName, type GeneralName } from "../../../src/core/x509/general-name.js";
import { commonName, parseName, type Name } from "../../../src/core/x509/name.js";
import { outcome } from "../../helpers/outcome.js";

const c = (s: string): GeneralName => parseGeneralName(s, { constraint: true });

function source(permitted: string[], excluded: string[] = []): ConstraintSource {
  return { caName: "CA", constraints: { permitted: permitted.map(c), excluded: excluded.map(c) } };
}

/** A name constraints source as decoded from an imported CA certificate: spelled as stored, not parsed. */
function rawSource(permitted: GeneralName[], excluded: GeneralName[] = []): ConstraintSource {
  return { caName: "CA", constraints: { permitted, excluded } };
}

/** What issuance decides for these names, or the refusal "CODE: message". */
function issue(subject: Name, sans: GeneralName[], ...sources: ConstraintSource[]): string {
  return outcome(() => {
    const n = normaliseNames(subject, sans);
    const decided = decideNames(n.subject, n.sans);
    assertWithinNameConstraints(constrainedNames(decided.subject, decided.sans), sources);
  });
}

/** The check alone, on names exactly as given (a caller that skipped normalisation must be safe too). */
const check = (names: GeneralName[], ...sources: ConstraintSource[]): string => outcome(() => assertWithinNameConstraints(names, sources));

const dns = (value: string): GeneralName => ({ type: "dns", value });
const email = (value: string): GeneralName => ({ type: "email", value });
const uri = (value: string): GeneralName => ({ type: "uri", value });

describe("the CN is checked as the host name it names", () => {
  const permitted = source(["DNS:example.com"]);
  const excluded = source([], ["DNS:evil.com"]);

  it("a trailing dot does not take a CN out of the permitted subtree's reach (the audit's case)", () => {
    expect(issue(parseName("/CN=evil.com"), [], permitted)).toMatch(/^ERR_NAME_CONSTRAINTS: DNS:evil\.com is not within/);
    expect(issue(parseName("/CN=evil.com."), [], permitted)).toBe(
      'ERR_NAME_CONSTRAINTS: DNS:evil.com is not within the permitted names of CA "CA".',
    );
    expect(check(constrainedNames(parseName("/CN=evil.com."), []), permitted)).toMatch(/^ERR_NAME_CONSTRAINTS/);
    expect(check(constrainedNames(parseName("/CN=www.evil.com."), []), excluded)).toMatch(
      /^ERR_NAME_CONSTRAINTS: DNS:www\.evil\.com is excluded/,
    );
  });

  it("nor do upper case, full-width letters, the ideographic full stop or a U-label", () => {
    for (const cn of ["EVIL.COM", "Evil.Com.", "ｅｖｉｌ.com", "evil。com", "ＥＶＩＬ．ＣＯＭ"])
      expect(issue(parseName(`/CN=${cn}`), [], excluded), cn).toMatch(/^ERR_NAME_CONSTRAINTS: DNS:evil\.com is excluded/);
    expect(issue(parseName("/CN=www.bücher.example"), [], source([], ["DNS:xn--bcher-kva.example"]))).toMatch(
      /^ERR_NAME_CONSTRAINTS: DNS:www\.xn--bcher-kva\.example is excluded/,
    );
    expect(issue(parseName("/CN=www.xn--bcher-kva.example"), [], source([], ["DNS:bücher.example"]))).toMatch(/is excluded/);
    expect(issue(parseName("/CN=www.BÜCHER.example."), [], source(["DNS:bücher.example"]))).toBe("ok");
  });

  it("the certificate carries the checked spelling: CN and its dNSName in canonical form", () => {
    const n = normaliseNames(parseName("/O=Example/CN=WWW.Bücher.Example."), []);
    const decided = decideNames(n.subject, n.sans);
    expect(commonName(decided.subject)).toBe("www.xn--bcher-kva.example");
    expect(decided.subject[0]).toEqual([{ oid: "2.5.4.10", value: "Example" }]);
    expect(decided.sans).toEqual([dns("www.xn--bcher-kva.example")]);
    // A CN that does not read as a host name is left as written.
    expect(normaliseNames(parseName("/CN=Alice Müller"), []).subject).toEqual(parseName("/CN=Alice Müller"));
  });

  it("a CN that reads as a host name but is not a valid one is refused, not left unchecked", () => {
    expect(issue(parseName("/CN=xn--zz.evil.com"), [], permitted)).toBe(
      "ERR_INVALID_GENERAL_NAME: CN=xn--zz.evil.com: Not a valid internationalised domain name: an A-label does not decode (IDNA UTS #46) (a common name that reads as a host name must be a valid one).",
    );
    expect(issue(parseName("/CN=_x.evil.com"), [], permitted)).toMatch(/^ERR_INVALID_GENERAL_NAME: CN=_x\.evil\.com: Not a valid DNS name/);
    // Full-width digits map onto an address under UTS #46: neither a host name nor an IP CN.
    expect(issue(parseName("/CN=１２７.０.０.１"), [], source(["IP:10.0.0.0/8"]))).toBe("ok");
    expect(decideNames(normaliseNames(parseName("/CN=１２７.０.０.１"), []).subject, []).sans).toEqual([]);
  });
});

describe("every SAN type, as a CSR spells it", () => {
  it("dNSName: trailing dot, upper case and U-labels become the canonical A-label form before the check", () => {
    const excluded = source([], ["DNS:evil.com"]);
    for (const v of ["www.evil.com.", "WWW.EVIL.COM", "ｗｗｗ.evil.com"])
      expect(issue([], [dns(v)], excluded), v).toMatch(/^ERR_NAME_CONSTRAINTS: DNS:www\.evil\.com is excluded/);
    expect(normaliseNames([], [dns("WWW.Example.COM."), dns("*.Bücher.example")]).sans).toEqual([
      dns("www.example.com"),
      dns("*.xn--bcher-kva.example"),
    ]);
    expect(issue([], [dns("shop.bücher.example")], source(["DNS:xn--bcher-kva.example"]))).toBe("ok");
    expect(issue([], [dns("shop.bücher.example")], source(["DNS:example.org"]))).toMatch(
      /^ERR_NAME_CONSTRAINTS: DNS:shop\.xn--bcher-kva\.example is not within/,
    );
  });

  it("rfc822Name: the domain part, in SANs and in the emailAddress attribute", () => {
    const excluded = source([], ["email:evil.com"]);
    expect(issue([], [email("alice@EVIL.com.")], excluded)).toMatch(/^ERR_NAME_CONSTRAINTS: email:alice@evil\.com is excluded/);
    expect(issue(parseName("/CN=Alice/emailAddress=alice@Evil.Com."), [], excluded)).toMatch(/email:alice@evil\.com is excluded/);
    expect(issue([], [email("alice@bücher.example")], source(["email:xn--bcher-kva.example"]))).toBe("ok");
    expect(issue([], [email("alice@bücher.example")], source([], ["email:.example"]))).toMatch(/is excluded/);
    // The local part stays case-sensitive and as written (RFC 5280 §4.2.1.10).
    expect(normaliseNames([], [email("Alice@Example.COM.")]).sans).toEqual([email("Alice@example.com")]);
    expect(issue([], [email("alïce@example.com")])).toMatch(/^ERR_INVALID_GENERAL_NAME: .*local part of an e-mail address must be ASCII/);
  });

  it("URI: the host, with a trailing dot, in upper case or as a U-label", () => {
    const excluded = source([], ["URI:evil.com"]);
    for (const v of ["https://evil.com./x", "https://EVIL.COM/x", "https://evil%2ecom/", "https://ｅｖｉｌ.com/"])
      expect(issue([], [uri(v)], excluded), v).toMatch(/^ERR_NAME_CONSTRAINTS: URI:.* is excluded/);
    // An IRI is encoded as the URI it maps to (RFC 3987 §3.1), host in A-labels (RFC 5280 §7.4).
    expect(normaliseNames([], [uri("https://bücher.example/päth")]).sans).toEqual([uri("https://xn--bcher-kva.example/p%C3%A4th")]);
    expect(issue([], [uri("https://bücher.example/")], source(["URI:bücher.example"]))).toBe("ok");
  });

  it("excluded and permitted subtrees of an imported CA are compared in the same form, whatever their spelling", () => {
    expect(check([dns("www.evil.com")], rawSource([], [dns("EVIL.COM.")]))).toMatch(/is excluded/);
    expect(check([dns("www.xn--bcher-kva.example")], rawSource([], [dns("Bücher.example")]))).toMatch(/is excluded/);
    expect(check([dns("www.evil.com")], rawSource([dns(".EVIL.com")]))).toBe("ok");
    expect(check([email("a@shop.example")], rawSource([email(".EXAMPLE.")]))).toBe("ok");
    expect(check([uri("https://www.example.com/")], rawSource([], [uri(".Example.COM")]))).toMatch(/is excluded/);
    // Names not yet normalised are compared canonically too.
    expect(check([dns("Shop.Bücher.Example.")], rawSource([dns("xn--bcher-kva.example")]))).toBe("ok");
    expect(check([dns("*.Evil.Com.")], rawSource([], [dns("www.evil.com")]))).toMatch(/is excluded/);
  });

  it("a directory name compares case, spacing and compatibility spellings alike (RFC 4518)", () => {
    const base = source([], ["dirName:/C=DE/O=Evil Corp"]);
    for (const o of ["EVIL CORP", "  Evil   Corp ", "Ｅｖｉｌ Ｃｏｒｐ"])
      expect(check(constrainedNames([[{ oid: "2.5.4.6", value: "DE" }], [{ oid: "2.5.4.10", value: o }]], []), base), o).toMatch(
        /is excluded/,
      );
  });
});

describe("the command line gives the same canonical names", () => {
  it("dNSName, e-mail host and constraint subtrees in A-labels, lower case, without the trailing dot", () => {
    expect(parseGeneralName("DNS:Bücher.Example.")).toEqual(dns("xn--bcher-kva.example"));
    expect(parseGeneralName("email:Alice@Bücher.Example.")).toEqual(email("Alice@xn--bcher-kva.example"));
    expect(parseGeneralName("URI:https://bücher.example/")).toEqual(uri("https://xn--bcher-kva.example/"));
    expect(c("DNS:.Bücher.example")).toEqual(dns(".xn--bcher-kva.example"));
    expect(c("email:.Bücher.example")).toEqual(email(".xn--bcher-kva.example"));
    expect(c("URI:Bücher.example")).toEqual(uri("xn--bcher-kva.example"));
  });

  it("invalid IDNA is one ERR_INVALID_GENERAL_NAME sentence", () => {
    for (const [input, message] of [
      ["DNS:xn--zz.example", /^DNS:xn--zz\.example: Not a valid internationalised domain name: an A-label does not decode/],
      ["DNS:a\u200db.example", /^DNS:a\u200db\.example: Not a valid internationalised domain name \(IDNA UTS #46\)\.$/],
      ["DNS:１２７.０.０.１", /^DNS:１２７\.０\.０\.１: Not a valid DNS name\.$/],
      ["DNS:evil.com..", /Not a valid DNS name/],
      ["email:a@xn--zz.example", /an A-label does not decode/],
    ] as const) {
      let err: unknown;
      try {
        parseGeneralName(input);
      } catch (e) {
        err = e;
      }
      expect(isTscaError(err) && err.code, input).toBe("ERR_INVALID_GENERAL_NAME");
      expect((err as Error).message, input).toMatch(message);
    }
  });
});
