/**
 * Terminal-safe text (core/text/printable.ts, issue 14 brief D2): every non-printable character of a
 * name becomes a visible ASCII escape in text output, printable text (Unicode included) is unchanged,
 * and JSON output stays valid JSON with the same values while carrying no raw control or bidi character.
 */
import { describe, expect, it } from "vitest";
import { firstControlCharacter, hasControlCharacter, printable, printableJson } from "../../../../src/core/text/printable.js";

/** Anything a terminal could act on or that hides text: C0, DEL, C1, separators, bidi, invisible. */
const UNSAFE = /[\p{Cc}\p{Zl}\p{Zp}\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;

describe("printable", () => {
  it("escapes C0, DEL and C1 visibly: named for newline, return and tab, \\xHH otherwise", () => {
    expect(printable("a\nb\rc\td")).toBe("a\\nb\\rc\\td");
    expect(printable("\x1b[31mred\x1b[0m")).toBe("\\x1b[31mred\\x1b[0m");
    expect(printable("\x00\x07\x7f\u0080\u009b\u009f")).toBe("\\x00\\x07\\x7f\\x80\\x9b\\x9f");
  });

  it("escapes separators, bidi overrides and isolates, invisible characters and lone surrogates", () => {
    expect(printable("a\u2028b\u2029c")).toBe("a\\u2028b\\u2029c");
    expect(printable("www.\u202egoogle\u202c.com")).toBe("www.\\u202egoogle\\u202c.com");
    expect(printable("\u2066x\u2069\u200bexample\ufeff")).toBe("\\u2066x\\u2069\\u200bexample\\ufeff");
    expect(printable("a\ud800b")).toBe("a\\ud800b");
    for (const s of ["\x1b", "\u009b", "\u202e", "\u2028", "\n"]) expect(printable(`x${s}y`)).not.toMatch(UNSAFE);
  });

  it("leaves printable text alone, Unicode letters, emoji and joiners included", () => {
    for (const s of ["www.example.com", "C=AT,O=Example\\, Inc.,CN=x", "Müller & Söhne", "日本語", "👩‍💻", "می‌خواهم", "a\\x1b"])
      expect(printable(s)).toBe(s);
  });

  it("finds control characters (C0, DEL, C1) only", () => {
    expect(firstControlCharacter("ab\x1bc\n")).toBe("\x1b");
    expect(firstControlCharacter("a\u009bb")).toBe("\u009b");
    expect(firstControlCharacter("a\u202eb")).toBeUndefined();
    expect(hasControlCharacter("a\x7f")).toBe(true);
    expect(hasControlCharacter("Müller")).toBe(false);
  });
});

describe("printableJson", () => {
  it("is valid JSON with the same values and no raw control, C1 or bidi character", () => {
    const value = { cn: "a\nb\x1b[31m\x7f\u009b\u0085\u202e\u2028", list: ["ok", "Müller"], n: 1, nested: { x: "\u2066" } };
    const text = printableJson(value);
    expect(JSON.parse(text)).toEqual(value);
    expect(text.replace(/\n/g, "")).not.toMatch(UNSAFE);
    expect(text).toContain('"a\\nb\\u001b[31m\\u007f\\u009b\\u0085\\u202e\\u2028"');
    // Indentation is kept: same layout as JSON.stringify(value, null, 2).
    expect(printableJson({ a: ["x"] })).toBe(JSON.stringify({ a: ["x"] }, null, 2));
  });
});
