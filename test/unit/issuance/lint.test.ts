/**
 * Lint before signing (issue 3): each RFC 5280 rule fires on a certificate that breaks it, names itself
 * and its section, and a clean certificate has no findings. Inputs are built from the real extension
 * codecs, i.e. the bytes that would be signed.
 */
import { describe, expect, it } from "vitest";
import { isTscaError } from "../../../src/core/errors.js";
import { assertLintClean, lintEndEntity, type LintInput } from "../../../src/core/issuance/lint.js";
import type { KeyType } from "../../../src/core/x509/algorithms.js";
import { subjectAltName } from "../../../src/core/x509/extensions/alternative-names.js";
import { basicConstraints } from "../../../src/core/x509/extensions/basic-constraints.js";
import { extendedKeyUsage } from "../../../src/core/x509/extensions/extended-key-usage.js";
import { makeExtension, type Extension } from "../../../src/core/x509/extensions/extension.js";
import { authorityKeyIdentifier, subjectKeyIdentifier } from "../../../src/core/x509/extensions/key-identifiers.js";
import { keyUsage } from "../../../src/core/x509/extensions/key-usage.js";
import { nameConstraints } from "../../../src/core/x509/extensions/name-constraints.js";
import type { GeneralName } from "../../../src/core/x509/general-name.js";
import { parseName } from "../../../src/core/x509/name.js";
import type { KeyUsageName } from "../../../src/core/x509/oids.js";

const KEY_ID = Buffer.alloc(20, 7);
const BC = makeExtension(basicConstraints, { ca: false });
const AKI = makeExtension(authorityKeyIdentifier, KEY_ID);
const SKI = makeExtension(subjectKeyIdentifier, KEY_ID);
const ku = (u: KeyUsageName[], critical = true): Extension => makeExtension(keyUsage, u, critical);
const san = (names: GeneralName[], critical = false): Extension => makeExtension(subjectAltName, names, critical);

function cert(over: Partial<LintInput> = {}, extensions?: Extension[]): LintInput {
  return {
    serial: "4A1B2C3D4E5F60718293A4B5C6D7E8F901234567",
    notBefore: new Date("2026-01-01T00:00:00Z"),
    notAfter: new Date("2026-04-01T00:00:00Z"),
    subject: parseName("/CN=www.example.com"),
    keyType: "EC",
    extensions: extensions ?? [
      BC,
      ku(["digitalSignature"]),
      makeExtension(extendedKeyUsage, ["1.3.6.1.5.5.7.3.1"]),
      SKI,
      AKI,
      san([{ type: "dns", value: "www.example.com" }]),
    ],
    ...over,
  };
}

const rules = (c: LintInput): string[] => lintEndEntity(c).map((f) => f.rule);
const replace = (oid: string, e?: Extension): Extension[] => cert().extensions.flatMap((x) => (x.oid === oid ? (e ? [e] : []) : [x]));

describe("lint rules", () => {
  it("a conforming end-entity certificate has no findings", () => {
    expect(lintEndEntity(cert())).toEqual([]);
    expect(() => assertLintClean(cert())).not.toThrow();
  });

  it("validity_order (§4.1.2.5)", () => {
    expect(rules(cert({ notAfter: new Date("2026-01-01T00:00:00Z") }))).toEqual(["validity_order"]);
    expect(rules(cert({ notAfter: new Date("2025-12-31T00:00:00Z") }))).toEqual(["validity_order"]);
  });

  it("serial_positive_20_octets (§4.1.2.2): zero, negative (high bit set) and 21 octets fire; 1 and 20 octets pass", () => {
    expect(rules(cert({ serial: "00" }))).toEqual(["serial_positive_20_octets"]);
    expect(rules(cert({ serial: "8A1B2C3D4E5F60718293A4B5C6D7E8F901234567" }))).toEqual(["serial_positive_20_octets"]);
    expect(rules(cert({ serial: "01" + "4A1B2C3D4E5F60718293A4B5C6D7E8F901234567" }))).toEqual(["serial_positive_20_octets"]);
    expect(rules(cert({ serial: "01" }))).toEqual([]);
    expect(rules(cert({ serial: "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" }))).toEqual([]);
  });

  it("subject_single_cn and subject_cn_length", () => {
    expect(rules(cert({ subject: parseName("/CN=www.example.com/CN=example.com") }))).toEqual(["subject_single_cn"]);
    expect(rules(cert({ subject: [[{ oid: "2.5.4.3", value: "x".repeat(65) }]] }))).toEqual(["subject_cn_length"]);
    expect(rules(cert({ subject: [[{ oid: "2.5.4.3", value: "ü".repeat(64) }]] }))).toEqual([]); // characters, not bytes
  });

  it("extension_unique (§4.2)", () => {
    expect(rules(cert({}, [...cert().extensions, SKI]))).toEqual(["extension_unique"]);
  });

  it("basic_constraints_present and end_entity_not_ca (§4.2.1.9)", () => {
    expect(rules(cert({}, replace("2.5.29.19")))).toEqual(["basic_constraints_present"]);
    expect(rules(cert({}, replace("2.5.29.19", makeExtension(basicConstraints, { ca: true }))))).toEqual(["end_entity_not_ca"]);
  });

  it("aki_present (§4.2.1.1) and ski_present (§4.2.1.2)", () => {
    expect(rules(cert({}, replace("2.5.29.35")))).toEqual(["aki_present"]);
    expect(rules(cert({}, replace("2.5.29.14")))).toEqual(["ski_present"]);
  });

  it("key usage: not empty, no keyCertSign, encipherOnly needs keyAgreement (§4.2.1.3)", () => {
    expect(rules(cert({}, replace("2.5.29.15", ku([]))))).toEqual(["key_usage_not_empty"]);
    expect(rules(cert({}, replace("2.5.29.15", ku(["digitalSignature", "keyCertSign"]))))).toEqual(["key_usage_no_cert_sign"]);
    expect(rules(cert({ keyType: "RSA" }, replace("2.5.29.15", ku(["digitalSignature", "encipherOnly"]))))).toEqual([
      "key_usage_encipher_only",
    ]);
    expect(rules(cert({}, replace("2.5.29.15", ku(["keyAgreement", "encipherOnly"]))))).toEqual([]);
    // Criticality is a SHOULD; an operator's explicit non-critical choice is allowed.
    expect(rules(cert({}, replace("2.5.29.15", ku(["digitalSignature"], false))))).toEqual([]);
  });

  it("key_usage_key_type (RFC 8813 §3, RFC 8410 §5): usages the key cannot serve", () => {
    const fires = (keyType: KeyType, u: KeyUsageName): boolean =>
      rules(cert({ keyType }, replace("2.5.29.15", ku(["digitalSignature", u])))).includes("key_usage_key_type");
    expect(fires("RSA", "keyAgreement")).toBe(true);
    expect(fires("RSA", "keyEncipherment")).toBe(false);
    expect(fires("RSA", "dataEncipherment")).toBe(false);
    expect(fires("EC", "keyEncipherment")).toBe(true);
    expect(fires("EC", "dataEncipherment")).toBe(true);
    expect(fires("EC", "keyAgreement")).toBe(false);
    for (const ed of ["Ed25519", "Ed448"] as const) {
      expect(fires(ed, "keyEncipherment")).toBe(true);
      expect(fires(ed, "keyAgreement")).toBe(true);
      expect(fires(ed, "nonRepudiation")).toBe(false);
    }
    const f = lintEndEntity(cert({ keyType: "EC" }, replace("2.5.29.15", ku(["keyEncipherment"]))));
    expect(f).toEqual([
      { rule: "key_usage_key_type", section: "RFC 8813 §3 / RFC 8410 §5", message: "keyEncipherment does not fit a EC key" },
    ]);
  });

  it("eku_not_empty (§4.2.1.12) and name_constraints_ca_only (§4.2.1.10)", () => {
    expect(rules(cert({}, replace("2.5.29.37", makeExtension(extendedKeyUsage, []))))).toEqual(["eku_not_empty"]);
    expect(
      rules(
        cert({}, [
          ...cert().extensions,
          makeExtension(nameConstraints, { permitted: [{ type: "dns", value: "example.com" }], excluded: [] }),
        ]),
      ),
    ).toEqual(["name_constraints_ca_only"]);
  });

  it("SAN syntax (§4.2.1.6): DNS preferred name syntax, e-mail addr-spec, single IP address, URI scheme, not empty", () => {
    const sanRules = (names: GeneralName[]): string[] => rules(cert({}, replace("2.5.29.17", san(names))));
    expect(sanRules([])).toEqual(["san_not_empty"]);
    expect(sanRules([{ type: "dns", value: "-bad.example.com" }])).toEqual(["san_dns_syntax"]);
    expect(sanRules([{ type: "dns", value: "www.*.example.com" }])).toEqual(["san_dns_syntax"]);
    expect(sanRules([{ type: "dns", value: "under_score.example.com" }])).toEqual(["san_dns_syntax"]);
    expect(sanRules([{ type: "dns", value: "a".repeat(64) + ".example.com" }])).toEqual(["san_dns_syntax"]);
    expect(sanRules([{ type: "dns", value: "*" }])).toEqual(["san_dns_syntax"]);
    expect(sanRules([{ type: "dns", value: `${"a.".repeat(126)}com` }])).toEqual(["san_dns_syntax"]); // 255 characters
    expect(
      sanRules([
        { type: "dns", value: "*.example.com" },
        { type: "dns", value: "xn--bcher-kva.example" },
      ]),
    ).toEqual([]);
    expect(sanRules([{ type: "email", value: "no-at-sign" }])).toEqual(["san_email_syntax"]);
    expect(sanRules([{ type: "ip", value: "10.0.0.0", prefix: 8 }])).toEqual(["san_ip_syntax"]);
    expect(sanRules([{ type: "uri", value: "www.example.com/no-scheme" }])).toEqual(["san_uri_syntax"]);
    expect(
      sanRules([
        { type: "email", value: "a@example.com" },
        { type: "ip", value: "2001:db8::1" },
        { type: "uri", value: "urn:x:y" },
      ]),
    ).toEqual([]);
  });

  it("empty subject: a SAN is required (§4.1.2.6) and must be critical (§4.2.1.6)", () => {
    expect(rules(cert({ subject: [] }, replace("2.5.29.17")))).toEqual(["subject_or_san"]);
    expect(rules(cert({ subject: [] }))).toEqual(["san_critical_if_empty_subject"]);
    expect(rules(cert({ subject: [] }, replace("2.5.29.17", san([{ type: "dns", value: "www.example.com" }], true))))).toEqual([]);
  });

  it("assertLintClean refuses with the first rule, its section and the number of further findings", () => {
    try {
      assertLintClean(cert({ serial: "00", notAfter: new Date("2020-01-01T00:00:00Z") }, replace("2.5.29.35")));
      expect.unreachable();
    } catch (e) {
      expect(isTscaError(e) && e.code).toBe("ERR_LINT");
      expect((e as Error).message).toBe(
        "Refused by lint: notBefore must be before notAfter (validity_order, RFC 5280 §4.1.2.5), and 2 more finding(s).",
      );
    }
  });
});
