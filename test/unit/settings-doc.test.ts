/**
 * The configuration table of README.md names every environment variable src/config/settings.ts reads,
 * and no variable that it does not read. Reads both files, so a setting added in one place without the
 * other fails here.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..", "..");
const settingsSource = readFileSync(join(ROOT, "src", "config", "settings.ts"), "utf8");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");

const inSettings = new Set(settingsSource.match(/\bTSCA_[A-Z0-9_]*[A-Z0-9]\b/g) ?? []);
/** First column of the README configuration table: "| `TSCA_X` | …". */
const inReadme = new Set([...readme.matchAll(/^\|\s*`(TSCA_[A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]!));

describe("README.md configuration table", () => {
  it("lists every environment variable of src/config/settings.ts", () => {
    expect([...inSettings].filter((v) => !inReadme.has(v)).sort(), "add rows to the table in README.md").toEqual([]);
  });

  it("lists no variable that src/config/settings.ts does not read", () => {
    expect([...inReadme].filter((v) => !inSettings.has(v)).sort(), "remove rows from the table in README.md").toEqual([]);
  });
});
