/**
 * Each surface maps error kinds in exactly one table (DESIGN.md, Errors): CLI exit codes
 * (adapters/cli/exit-codes.ts), HTTP statuses (adapters/web/problem.ts) and OCSP response statuses
 * (adapters/web/ocsp-status.ts). This test imports the three tables and checks that every kind has an entry
 * in each, that the values are the ones the protocols allow, and that docs/errors.md's "Kinds" table says
 * exactly what they say. (The per-code table of docs/errors.md is checked by errors-doc.test.ts.)
 */
import { EXPECTED_HTTP_STATUS } from "../helpers/http-statuses.js";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT, EXIT_CODES } from "../../src/adapters/cli/exit-codes.js";
import { OCSP_STATUS } from "../../src/adapters/web/ocsp-status.js";
import { HTTP_STATUS, PROBLEM_TYPE_PREFIX, problemOf } from "../../src/adapters/web/problem.js";
import { ERROR_CODES, ERROR_KINDS, TscaError, type ErrorCode } from "../../src/core/errors.js";
import { OCSP_RESPONSE_STATUS } from "../../src/core/revocation/ocsp-response.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const markdown = readFileSync(join(ROOT, "docs", "errors.md"), "utf8");

interface KindRow {
  kind: string;
  exit: number;
  http: number;
  ocsp: string;
}

/** Rows of "| `kind` | meaning | exit | HTTP | OCSP |" in the "## Kinds" section. */
function documentedKinds(): KindRow[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith("Kinds"));
  expect(section, "docs/errors.md has a '## Kinds' section").toBeDefined();
  const rows: KindRow[] = [];
  for (const line of section!.split("\n")) {
    const m = /^\|\s*`([a-z-]+)`\s*\|[^|]*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\w+)\s*\|\s*$/.exec(line);
    if (m) rows.push({ kind: m[1]!, exit: Number(m[2]), http: Number(m[3]), ocsp: m[4]! });
  }
  return rows;
}

describe("the error tables of the surfaces", () => {
  it("have exactly one entry for every kind, and every code has one of those kinds", () => {
    const kinds = [...ERROR_KINDS].sort();
    for (const table of [EXIT_CODES, HTTP_STATUS, OCSP_STATUS]) expect(Object.keys(table).sort()).toEqual(kinds);
    const codeKinds = new Set(Object.values(ERROR_CODES).map((c) => c.kind));
    expect([...codeKinds].filter((k) => !(ERROR_KINDS as readonly string[]).includes(k))).toEqual([]);
  });

  it("use only exit codes 1 and 2 for errors, 2 for usage alone", () => {
    for (const kind of ERROR_KINDS) expect(EXIT_CODES[kind], kind).toBe(kind === "usage" ? EXIT.usage : EXIT.error);
    expect(EXIT.ok).toBe(0);
  });

  it("map to the HTTP statuses the design names: bad input is 4xx, only a bug is 500", () => {
    expect(HTTP_STATUS).toEqual(EXPECTED_HTTP_STATUS);
  });

  it("map to OCSP error statuses of RFC 6960 §4.2.1 (never successful), unavailable to tryLater", () => {
    for (const kind of ERROR_KINDS) {
      expect(Object.keys(OCSP_RESPONSE_STATUS)).toContain(OCSP_STATUS[kind]);
      expect(OCSP_STATUS[kind]).not.toBe("successful");
    }
    expect(OCSP_STATUS.usage).toBe("malformedRequest");
    expect(OCSP_STATUS.invalid).toBe("malformedRequest");
    expect(OCSP_STATUS.forbidden).toBe("unauthorized");
    expect(OCSP_STATUS.unauthenticated).toBe("unauthorized");
    expect(OCSP_STATUS.unavailable).toBe("tryLater");
    expect(OCSP_STATUS.internal).toBe("internalError");
  });

  it("are what docs/errors.md's Kinds table says, row for row", () => {
    const rows = documentedKinds();
    const expected = ERROR_KINDS.map((kind) => ({ kind, exit: EXIT_CODES[kind], http: HTTP_STATUS[kind], ocsp: OCSP_STATUS[kind] }));
    const paste = expected.map((r) => `| \`${r.kind}\` | … | ${r.exit} | ${r.http} | ${r.ocsp} |`);
    expect(
      [...rows].sort((a, b) => a.kind.localeCompare(b.kind)),
      `docs/errors.md "## Kinds" should have these rows:\n${paste.join("\n")}`,
    ).toEqual([...expected].sort((a, b) => a.kind.localeCompare(b.kind)));
  });
});

describe("problem details (RFC 9457)", () => {
  it("name each code with its own stable type, documented in docs/errors.md", () => {
    const types = new Set((Object.keys(ERROR_CODES) as ErrorCode[]).map((c) => problemOf(new TscaError(c, "x.")).type));
    expect(types.size).toBe(Object.keys(ERROR_CODES).length);
    expect(problemOf(new TscaError("ERR_CA_NOT_FOUND", "x.")).type).toBe("urn:tsca:error:ERR_CA_NOT_FOUND");
    expect(markdown).toContain(`\`${PROBLEM_TYPE_PREFIX}<code>\``);
  });

  it("carry the message as detail and the fields as members, never the cause, and fields never replace a standard member", () => {
    const e = new TscaError("ERR_LINT", "The certificate would break a rule.", {
      cause: new Error("secret driver text"),
      fields: { rule: "e_sub_cert_eku_missing", rfc: "RFC 5280 §4.2.1.12", status: 200, type: "x", code: "ERR_NONE" },
    });
    const p = problemOf(e);
    expect(p).toEqual({
      type: "urn:tsca:error:ERR_LINT",
      title: "Bad Request",
      status: 400,
      detail: "The certificate would break a rule.",
      code: "ERR_LINT",
      rule: "e_sub_cert_eku_missing",
      rfc: "RFC 5280 §4.2.1.12",
    });
    expect(JSON.stringify(p)).not.toContain("secret");
  });
});
