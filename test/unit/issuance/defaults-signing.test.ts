/**
 * Defaults that public-trust tooling accepts (issue 7): a new CA signs with the hash that matches its key
 * unless --algorithm says otherwise (CA/B BR §7.1.3.2.2: P-256/SHA-256, P-384/SHA-384, P-521/SHA-512; RSA
 * SHA-256), a configured default hash never reaches an EC key, and N days of validity end one second
 * before notBefore + N days (RFC 5280 §4.1.2.5 counts both ends).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveKeyParameters, type KeyDefaults } from "../../../src/core/ca/key-parameters.js";
import { daysUntil, notAfterForDays } from "../../../src/core/issuance/sign-certificate.js";
import { matchingHash } from "../../../src/core/x509/algorithms.js";
import { loadSettings } from "../../../src/config/settings.js";

const defaults = (hash?: KeyDefaults["hash"]): KeyDefaults => ({
  keySize: 2048,
  minKeySize: 2048,
  curve: "secp256r1",
  ...(hash ? { hash } : {}),
});
const home = mkdtempSync(join(tmpdir(), "tsca-defaults-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("the signature hash of a new CA", () => {
  it("matches the key when none is asked for", () => {
    expect(resolveKeyParameters({ keyType: "EC" }, defaults()).hash).toBe("SHA-256");
    expect(resolveKeyParameters({ keyType: "EC", curve: "secp384r1" }, defaults()).hash).toBe("SHA-384");
    expect(resolveKeyParameters({ keyType: "EC", curve: "secp521r1" }, defaults()).hash).toBe("SHA-512");
    expect(resolveKeyParameters({ keyType: "EC" }, { ...defaults(), curve: "secp384r1" }).hash).toBe("SHA-384");
    expect(resolveKeyParameters({ keyType: "RSA" }, defaults()).hash).toBe("SHA-256");
    expect(resolveKeyParameters({ keyType: "Ed25519" }, defaults()).hash).toBeNull();
    expect(matchingHash("EC", "secp521r1")).toBe("SHA-512");
  });

  it("a configured default applies to RSA keys only, never forcing SHA-512 on P-256", () => {
    expect(resolveKeyParameters({ keyType: "RSA" }, defaults("SHA-512")).hash).toBe("SHA-512");
    expect(resolveKeyParameters({ keyType: "EC" }, defaults("SHA-512")).hash).toBe("SHA-256");
    expect(resolveKeyParameters({ keyType: "EC", curve: "secp384r1" }, defaults("SHA-256")).hash).toBe("SHA-384");
  });

  it("an explicit --algorithm is kept as given (RFC 5280 allows it; the cabf rule sets refuse a mismatch)", () => {
    expect(resolveKeyParameters({ keyType: "EC", hash: "SHA-512" }, defaults()).hash).toBe("SHA-512");
    expect(resolveKeyParameters({ keyType: "RSA", hash: "SHA-384" }, defaults("SHA-512")).hash).toBe("SHA-384");
  });

  it("the setting defaults to auto (match the key); auto and fixed values parse", () => {
    expect(loadSettings({ TSCA_HOME: home }).defaultSignatureHash).toBeUndefined();
    expect(loadSettings({ TSCA_HOME: home, TSCA_DEFAULT_SIGNATURE_HASH: "auto" }).defaultSignatureHash).toBeUndefined();
    expect(loadSettings({ TSCA_HOME: home, TSCA_DEFAULT_SIGNATURE_HASH: "sha384" }).defaultSignatureHash).toBe("SHA-384");
    expect(() => loadSettings({ TSCA_HOME: home, TSCA_DEFAULT_SIGNATURE_HASH: "md5" })).toThrow(/TSCA_DEFAULT_SIGNATURE_HASH/);
  });
});

describe("N days of validity", () => {
  it("end at notBefore + N days − 1 s, and daysUntil counts them back", () => {
    const nb = new Date("2026-12-02T10:00:00Z");
    expect(notAfterForDays(nb, 1).toISOString()).toBe("2026-12-03T09:59:59.000Z");
    expect(notAfterForDays(nb, 398).toISOString()).toBe("2028-01-04T09:59:59.000Z");
    expect(daysUntil(nb, notAfterForDays(nb, 398))).toBe(398);
    expect(daysUntil(nb, new Date(notAfterForDays(nb, 398).getTime() - 1000))).toBe(397);
  });
});
