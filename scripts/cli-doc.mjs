// Refreshes the option lists in docs/cli.md from the real help output. Every block
//   <!-- tsca-help: COMMAND -->  ...  <!-- /tsca-help -->
// is replaced by the output of `tsca COMMAND -h` in a code fence. Run: npm run build && npm run docs:cli
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DOC = join(ROOT, "docs", "cli.md");
const BIN = join(ROOT, "bin", "tsca.js");

const help = (command) => execFileSync(process.execPath, [BIN, command, "-h"], { encoding: "utf8" }).trimEnd();

const before = readFileSync(DOC, "utf8");
const after = before.replace(
  /<!-- tsca-help: ([a-z_]+) -->[\s\S]*?<!-- \/tsca-help -->/g,
  (_, command) => `<!-- tsca-help: ${command} -->\n\`\`\`\n${help(command)}\n\`\`\`\n<!-- /tsca-help -->`,
);
if (after !== before) writeFileSync(DOC, after);
console.log(after !== before ? "docs/cli.md updated." : "docs/cli.md is up to date.");
