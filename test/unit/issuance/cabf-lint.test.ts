/**
 * The CA/Browser Forum rule sets (issue 7): each rule of `cabf-serverauth` and `cabf-smime` fires on a
 * certificate that breaks it and names itself (`<set>/<rule>`) and its section, conforming certificates
 * pass, and the rules stay off unless a set is selected (RFC 5280 alone allows all of this). Inputs are
 * built from the real extension codecs, i.e. the bytes that would be signed.
 */
import { describe, expect, it } from "vitest";
import { isTscaError } from "../../../src/core/errors.js";
import {
  assertCrlReasonAllowed,
  assertLintClean,
  assertSigningHashAllowed,
  lintCertificate,
  type LintInput,
} from "../../../src/core/issuance/lint.js";
import { mergeRuleSets, parseLintRuleSets, type ExtraRuleSet } from "../../../src/core/issuance/lint-rule-sets.js";
import { Profiles } from "../../../src/core/issuance/profiles.js";
import { subjectAltName } from "../../../src/core/x509/extensions/alternative-names.js";
import { basicConstraints } from "../../../src/core/x509/extensions/basic-constraints.js";
import { crlDistributionPoints } from "../../../src/core/x509/extensions/distribution-points.js";
import { authorityInformationAccess } from "../../../src/core/x509/extensions/authority-information-access.js";
import { extendedKeyUsage } from "../../../src/core/x509/extensions/extended-key-usage.js";
import { makeExtension, type Extension } from "../../../src/core/x509/extensions/extension.js";
import { authorityKeyIdentifier, subjectKeyIdentifier } from "../../../src/core/x509/extensions/key-identifiers.js";
import { keyUsage } from "../../../src/core/x509/extensions/key-usage.js";
import { ocspNoCheck } from "../../../src/core/x509/extensions/tls-feature.js";
import type { GeneralName } from "../../../src/core/x509/general-name.js";
import { parseName } from "../../../src/core/x509/name.js";
import { EXTENDED_KEY_USAGES, OID, type KeyUsageName } from "../../../src/core/x509/oids.js";

const KEY_ID = Buffer.alloc(20, 7);
const E = EXTENDED_KEY_USAGES as Record<string, string>;
const BC = makeExtension(basicConstraints, { ca: false });
const ku = (u: KeyUsageName[]): Extension => makeExtension(keyUsage, u, true);
const eku = (...names: string[]): Extension =>
  makeExtension(
    extendedKeyUsage,
    names.map((n) => E[n]!),
  );
const san = (names: GeneralName[]): Extension => makeExtension(subjectAltName, names);
const DNS: GeneralName = { type: "dns", value: "www.example.com" };
const MAIL: GeneralName = { type: "email", value: "alice@example.com" };
const DAY = 86_400_000;
const FROM = new Date("2026-01-01T00:00:00Z");
/** N days exactly: notAfter = notBefore + N days − 1 s (RFC 5280 §4.1.2.5). */
const days = (n: number): Date => new Date(FROM.getTime() + n * DAY - 1000);

function cert(extensions: Extension[], over: Partial<LintInput> = {}): LintInput {
  return {
    serial: "4A1B2C3D4E5F60718293A4B5C6D7E8F901234567",
    notBefore: FROM,
    notAfter: days(90),
    subject: parseName("/CN=www.example.com"),
    keyType: "EC",
    extensions: [BC, ...extensions, makeExtension(subjectKeyIdentifier, KEY_ID), makeExtension(authorityKeyIdentifier, KEY_ID)],
    signature: { issuerKeyType: "EC", issuerCurve: "secp256r1", hash: "SHA-256" },
    ...over,
  };
}
const server = (over: Partial<LintInput> = {}, exts: Extension[] = [ku(["digitalSignature"]), eku("serverAuth"), san([DNS])]): LintInput =>
  cert(exts, over);
const smime = (
  over: Partial<LintInput> = {},
  exts: Extension[] = [ku(["digitalSignature"]), eku("clientAuth", "emailProtection"), san([MAIL])],
) => cert(exts, { subject: parseName("/CN=Alice Example"), ...over });
const responder = (extra: Extension[] = []): LintInput =>
  cert([ku(["digitalSignature"]), eku("OCSPSigning"), makeExtension(ocspNoCheck, true), ...extra], {
    subject: parseName("/CN=OCSP responder"),
  });

const rules = (c: LintInput, sets: ExtraRuleSet[]): string[] => lintCertificate(c, sets).map((f) => f.rule);
const BOTH: ExtraRuleSet[] = ["cabf-serverauth", "cabf-smime"];

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    if (isTscaError(e) && e.code === "ERR_LINT") return e.message;
    throw e;
  }
  throw new Error("not refused");
}

describe("cabf rule sets: conforming certificates pass", () => {
  it("a TLS server, an S/MIME and an OCSP responder certificate have no findings under both sets", () => {
    for (const c of [
      server(),
      smime(),
      responder(),
      server({}, [ku(["digitalSignature"]), eku("clientAuth", "serverAuth"), san([DNS, { type: "ip", value: "192.0.2.1" }])]),
    ])
      expect(lintCertificate(c, BOTH)).toEqual([]);
  });

  it("398 days (serverAuth) and 825 days (S/MIME) are the last allowed, counting both ends", () => {
    expect(rules(server({ notAfter: days(398) }), BOTH)).toEqual([]);
    expect(rules(server({ notAfter: new Date(days(398).getTime() + 1000) }), BOTH)).toEqual(["cabf-serverauth/validity_max"]);
    expect(rules(smime({ notAfter: days(825) }), BOTH)).toEqual([]);
    expect(rules(smime({ notAfter: days(826) }), BOTH)).toEqual(["cabf-smime/validity_max"]);
  });

  it("RSA issuers may sign with SHA-256/384/512; EdDSA issuers have no hash to match", () => {
    for (const hash of ["SHA-256", "SHA-384", "SHA-512"] as const)
      expect(rules(server({ signature: { issuerKeyType: "RSA", hash } }), BOTH)).toEqual([]);
    expect(rules(server({ signature: { issuerKeyType: "Ed25519", hash: undefined } }), BOTH)).toEqual([]);
  });
});

describe("cabf rule sets: each rule fires and names itself", () => {
  it("hash_curve_match (BR §7.1.3.2.2): P-256/SHA-256, P-384/SHA-384, P-521/SHA-512 and nothing else", () => {
    const pairs = [
      ["secp256r1", "SHA-256"],
      ["secp384r1", "SHA-384"],
      ["secp521r1", "SHA-512"],
    ] as const;
    for (const [curve, good] of pairs)
      for (const hash of ["SHA-256", "SHA-384", "SHA-512"] as const) {
        const c = server({ signature: { issuerKeyType: "EC", issuerCurve: curve, hash } });
        expect(rules(c, ["cabf-serverauth"]), `${curve} ${hash}`).toEqual(hash === good ? [] : ["cabf-serverauth/hash_curve_match"]);
        expect(rules(c, ["cabf-smime"]), `${curve} ${hash}`).toEqual(hash === good ? [] : ["cabf-smime/hash_curve_match"]);
        // RFC 5280 alone allows any pair.
        expect(rules(c, [])).toEqual([]);
      }
    expect(refusal(() => assertSigningHashAllowed(["cabf-serverauth"], "EC", "secp256r1", "SHA-512"))).toBe(
      "Refused by lint: a secp256r1 key must sign with SHA-256, not SHA-512 (cabf-serverauth/hash_curve_match, CA/B BR §7.1.3.2.2).",
    );
    expect(() => assertSigningHashAllowed([], "EC", "secp256r1", "SHA-512")).not.toThrow();
  });

  it("validity_max names the rule in the refusal", () => {
    expect(refusal(() => assertLintClean(server({ notAfter: days(399) }), ["cabf-serverauth"]))).toBe(
      "Refused by lint: the validity period is 399 days; at most 398 days are allowed (cabf-serverauth/validity_max, CA/B BR §6.3.2).",
    );
    expect(() => assertLintClean(server({ notAfter: days(3650) }))).not.toThrow(); // rfc5280 only
  });

  it("san_present and san_types (BR §7.1.2.7.12, S/MIME BR §7.1.2.3 (h))", () => {
    expect(rules(server({}, [ku(["digitalSignature"]), eku("serverAuth")]), BOTH)).toEqual(["cabf-serverauth/san_present"]);
    expect(rules(server({}, [ku(["digitalSignature"]), eku("serverAuth"), san([DNS, MAIL])]), BOTH)).toEqual(["cabf-serverauth/san_types"]);
    expect(rules(smime({}, [ku(["digitalSignature"]), eku("emailProtection"), san([DNS])]), BOTH)).toEqual(["cabf-smime/san_present"]);
  });

  it("eku_combination, eku_no_any, eku_present (BR §7.1.2.7.10, S/MIME BR §7.1.2.3 (f))", () => {
    for (const other of ["codeSigning", "emailProtection", "timeStamping", "OCSPSigning"])
      expect(rules(server({}, [ku(["digitalSignature"]), eku("serverAuth", other), san([DNS])]), ["cabf-serverauth"]), other).toContain(
        "cabf-serverauth/eku_combination",
      );
    for (const other of ["serverAuth", "codeSigning", "timeStamping"])
      expect(
        rules(smime({}, [ku(["digitalSignature"]), eku("emailProtection", other), san([MAIL, DNS])]), ["cabf-smime"]),
        other,
      ).toContain("cabf-smime/eku_combination");
    expect(
      rules(server({}, [ku(["digitalSignature"]), eku("serverAuth", "anyExtendedKeyUsage"), san([DNS])]), ["cabf-serverauth"]),
    ).toEqual(["cabf-serverauth/eku_no_any"]);
    expect(rules(cert([ku(["digitalSignature"]), san([DNS])]), BOTH)).toEqual(["cabf-serverauth/eku_present", "cabf-smime/eku_present"]);
    // clientAuth with serverAuth is fine (the `server` profile).
    expect(rules(server({}, [ku(["digitalSignature"]), eku("clientAuth", "serverAuth"), san([DNS])]), BOTH)).toEqual([]);
  });

  it("OCSP responder certificates (BR §7.1.2.8): nocheck, digitalSignature only, OCSPSigning only, none of SAN/CRL DP/AIA/policies", () => {
    const noNoCheck = cert([ku(["digitalSignature"]), eku("OCSPSigning")], { subject: parseName("/CN=OCSP responder") });
    expect(rules(noNoCheck, ["cabf-serverauth"])).toEqual(["cabf-serverauth/ocsp_responder_nocheck"]);
    const crl = makeExtension(crlDistributionPoints, [[{ type: "uri", value: "http://crl.example.com/a.crl" }]]);
    const aia = makeExtension(authorityInformationAccess, { ocsp: [{ type: "uri", value: "http://ocsp.example.com/" }], caIssuers: [] });
    for (const [ext, name] of [
      [crl, "cRLDistributionPoints"],
      [aia, "authorityInformationAccess"],
      [san([DNS]), "subjectAltName"],
    ] as const) {
      const f = lintCertificate(responder([ext]), ["cabf-smime"]);
      expect(f.map((x) => x.rule)).toEqual(["cabf-smime/ocsp_responder_extensions"]);
      expect(f[0]!.message).toContain(name);
    }
    const wideKu = cert([ku(["digitalSignature", "nonRepudiation"]), eku("OCSPSigning"), makeExtension(ocspNoCheck, true)]);
    expect(rules(wideKu, ["cabf-serverauth"])).toEqual(["cabf-serverauth/ocsp_responder_key_usage"]);
    const mixed = cert([ku(["digitalSignature"]), eku("OCSPSigning", "clientAuth"), makeExtension(ocspNoCheck, true)]);
    expect(rules(mixed, ["cabf-serverauth"])).toEqual(["cabf-serverauth/ocsp_responder_eku"]);
    expect(rules(responder([crl, aia]), [])).toEqual([]);
    void OID;
  });

  it("CRL reasons (BR §7.2.2): no explicit unspecified, no certificateHold, subscriber and CA lists", () => {
    const allowed = (sets: ExtraRuleSet[], code: number | null, target: "subscriber" | "ca"): boolean => {
      try {
        assertCrlReasonAllowed(sets, code, target);
        return true;
      } catch (e) {
        expect((e as Error).message).toMatch(/\(cabf-(serverauth|smime)\/crl_reason, /);
        return false;
      }
    };
    const sa: ExtraRuleSet[] = ["cabf-serverauth"];
    expect(allowed(sa, null, "subscriber")).toBe(true); // no reasonCode: unspecified, as the BR ask
    expect(allowed(sa, 0, "subscriber")).toBe(false);
    expect(allowed(sa, 6, "subscriber")).toBe(false);
    expect(allowed(["cabf-smime"], 6, "subscriber")).toBe(false);
    expect([1, 2, 3, 4, 5, 9, 10].filter((c) => allowed(sa, c, "subscriber"))).toEqual([1, 3, 4, 5, 9]);
    expect([1, 2, 3, 4, 5, 9, 10].filter((c) => allowed(sa, c, "ca"))).toEqual([1, 2, 3, 4, 5]);
    expect(allowed(sa, 8, "subscriber")).toBe(true); // removeFromCRL marks delta CRL entries
    expect(allowed([], 6, "subscriber")).toBe(true);
    expect(allowed([], 0, "subscriber")).toBe(true);
  });
});

describe("rule set selection", () => {
  it("--lint values: comma lists, repeated, case-insensitive; rfc5280 implied; unknown names are usage errors", () => {
    expect(parseLintRuleSets(["cabf-smime,CABF-SERVERAUTH"])).toEqual(["cabf-serverauth", "cabf-smime"]);
    expect(parseLintRuleSets(["cabf-smime", "cabf-smime"])).toEqual(["cabf-smime"]);
    expect(parseLintRuleSets(["rfc5280"])).toEqual([]);
    expect(mergeRuleSets(["cabf-smime"], undefined, ["cabf-serverauth"])).toEqual(["cabf-serverauth", "cabf-smime"]);
    try {
      parseLintRuleSets(["cabf-ev"]);
      throw new Error("accepted");
    } catch (e) {
      expect(e).toMatchObject({
        code: "ERR_INVALID_ARGUMENT",
        message: "cabf-ev: Unknown --lint rule set (one of rfc5280, cabf-serverauth, cabf-smime).",
      });
    }
  });

  it('profiles select rule sets with a "lint" key; built-ins select none; a bad value is a configuration error', () => {
    const p = new Profiles({ tls: { extendedKeyUsage: ["serverAuth"], lint: ["cabf-serverauth"] } });
    expect(p.get("tls").lintRuleSets).toEqual(["cabf-serverauth"]);
    for (const name of ["client", "server", "webserver", "enduser", "ocsp"]) expect(p.get(name).lintRuleSets).toEqual([]);
    expect(() => new Profiles({ x: { lint: ["nope"] } })).toThrow(/Profile "x": nope: Unknown profile "x" lint rule set/);
    expect(() => new Profiles({ x: { lint: "cabf-smime" as never } })).toThrow(/Profile "x": lint must be a list/);
  });
});
