/**
 * docs/errors.md lists every error code of src/core/errors.ts with its kind, CLI exit code and HTTP status
 * (DESIGN.md, Errors). This test keeps the two in step: a code added to ERROR_CODES without a row in the
 * document, a row for a code that no longer exists, or a row whose kind, exit code or HTTP status disagrees
 * with the source and the surfaces' tables fails.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../src/adapters/cli/exit-codes.js";
import { httpStatusOf } from "../../src/adapters/web/problem.js";
import { ERROR_CODES } from "../../src/core/errors.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const DOC_PATH = join(ROOT, "docs", "errors.md");

interface DocRow {
  code: string;
  kind: string;
  exit: number;
  http: number;
  line: number;
}

/** Table rows of the form "| `ERR_SOMETHING` | kind | exit | HTTP | meaning |". */
function documentedCodes(markdown: string): DocRow[] {
  const rows: DocRow[] = [];
  markdown.split("\n").forEach((text, i) => {
    // A row without the HTTP column (the older layout) is read too, and reported with the row to paste.
    const m = /^\|\s*`?(ERR_[A-Z0-9_]+)`?\s*\|\s*([a-z-]+)\s*\|\s*(\d+)\s*\|(?:\s*(\d+)\s*\|)?/.exec(text);
    if (m) rows.push({ code: m[1]!, kind: m[2]!, exit: Number(m[3]), http: m[4] ? Number(m[4]) : NaN, line: i + 1 });
  });
  return rows;
}

/** A row ready to paste into docs/errors.md, so a failure says exactly what to add. */
function suggestedRow(code: keyof typeof ERROR_CODES): string {
  const { kind, doc } = ERROR_CODES[code];
  return `| \`${code}\` | ${kind} | ${exitCodeOf(kind)} | ${httpStatusOf(kind)} | ${doc.replace(/\|/g, "\\|")} |`;
}

describe("docs/errors.md", () => {
  const markdown = readFileSync(DOC_PATH, "utf8");
  const rows = documentedCodes(markdown);
  const codes = Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[];

  it("documents every code of ERROR_CODES", () => {
    const documented = new Set(rows.map((r) => r.code));
    const missing = codes.filter((c) => !documented.has(c));
    expect(missing.map(suggestedRow), "add these rows to docs/errors.md").toEqual([]);
  });

  it("documents no code that ERROR_CODES does not have", () => {
    const stale = rows.filter((r) => !(r.code in ERROR_CODES)).map((r) => `docs/errors.md:${r.line}: ${r.code}`);
    expect(stale, "remove these rows from docs/errors.md (or add the codes to src/core/errors.ts)").toEqual([]);
  });

  it("lists each code once", () => {
    const seen = new Map<string, number>();
    for (const r of rows) seen.set(r.code, (seen.get(r.code) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1).map(([c]) => c)).toEqual([]);
  });

  it("gives each code the kind of the source and the exit code and HTTP status of its kind", () => {
    const wrong = rows
      .filter((r) => r.code in ERROR_CODES)
      .filter((r) => {
        const kind = ERROR_CODES[r.code as keyof typeof ERROR_CODES].kind;
        return r.kind !== kind || r.exit !== exitCodeOf(kind) || r.http !== httpStatusOf(kind);
      })
      .map((r) => `docs/errors.md:${r.line}: should be ${suggestedRow(r.code as keyof typeof ERROR_CODES)}`);
    expect(wrong).toEqual([]);
  });
});
