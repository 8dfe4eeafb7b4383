/**
 * TSCA_CA_PASSWORDS_FILE as read by adapters/keys/ca-passwords-file.ts: serials with or without colons,
 * in any case; refused (ERR_CONFIG, naming the file) unless private to its owner, not a JSON object of
 * serial → non-empty password, or not readable; a refusal never repeats a password.
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCaPasswordsFile } from "../../../src/adapters/keys/ca-passwords-file.js";
import { isTscaError } from "../../../src/core/errors.js";

const dir = mkdtempSync(join(tmpdir(), "tsca-passwords-"));
let n = 0;
function file(content: string, mode = 0o600): string {
  const path = join(dir, `p${n++}.json`);
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  return path;
}

function refusal(path: string): string {
  try {
    loadCaPasswordsFile(path);
  } catch (e) {
    expect(isTscaError(e) && e.code).toBe("ERR_CONFIG");
    return (e as Error).message;
  }
  throw new Error("not refused");
}

describe("loadCaPasswordsFile", () => {
  it("finds a CA's password by its serial however the file writes it", () => {
    const path = file(JSON.stringify({ "4a:1f:0c": "one", "5B2E": "two" }));
    const passwords = loadCaPasswordsFile(path);
    expect(passwords.get("4A1F0C")).toBe("one");
    expect(passwords.get("5B2E")).toBe("two");
    expect(passwords.get("5B2F")).toBeUndefined();
    expect(passwords.source).toBe(path);
  });

  it("accepts 0400 and refuses any mode that lets others in", () => {
    expect(loadCaPasswordsFile(file("{}", 0o400)).get("AB")).toBeUndefined();
    for (const [mode, shown] of [
      [0o640, "0640"],
      [0o604, "0604"],
      [0o620, "0620"],
    ] as const) {
      const path = file('{"AB": "secret"}', mode);
      expect(refusal(path)).toBe(`${path}: TSCA_CA_PASSWORDS_FILE can be read or written by other users (mode ${shown}); make it 0600.`);
    }
  });

  it("refuses what is not a JSON object of serial → password, without repeating a password", () => {
    const cases: [string, string][] = [
      ['{"AB": "secret"', "is not valid JSON."],
      ['["secret"]', "must hold a JSON object of CA serial → password."],
      ['{"not-a-serial": "secret"}', 'has "not-a-serial", which is not a CA serial (hex digits, colons allowed).'],
      ['{"AB": 1234}', "has no password string for CA AB."],
      ['{"AB": ""}', "has no password string for CA AB."],
    ];
    for (const [content, why] of cases) {
      const path = file(content);
      const message = refusal(path);
      expect(message).toBe(`${path}: TSCA_CA_PASSWORDS_FILE ${why}`);
      expect(message).not.toContain("secret");
    }
    const missing = join(dir, "missing.json");
    expect(refusal(missing)).toBe(`${missing}: TSCA_CA_PASSWORDS_FILE cannot be read (ENOENT).`);
  });
});
