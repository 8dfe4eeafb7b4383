// ESLint flat config: @eslint/js recommended + typescript-eslint recommended (syntax-only, no type
// information, so `npm run lint` stays fast; `tsc --noEmit` does the type checking).
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

// The few Node globals the plain-JS scripts (bench/, scripts/, bin/) use; TypeScript files get theirs from @types/node.
const nodeGlobals = Object.fromEntries(
  [
    "process",
    "console",
    "Buffer",
    "URL",
    "URLSearchParams",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "performance",
    "structuredClone",
    "TextEncoder",
    "TextDecoder",
    "AbortController",
    "fetch",
  ].map((name) => [name, "readonly"]),
);

export default defineConfig(
  { ignores: ["dist/", "node_modules/", "coverage/", "**/*.d.ts"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: nodeGlobals },
    linterOptions: { reportUnusedDisableDirectives: "warn" },
    rules: {
      // `any` is sometimes the honest type at a library boundary; keep it visible, not fatal.
      "@typescript-eslint/no-explicit-any": "warn",
      // `_`-prefixed names mark deliberately unused parameters and destructured leftovers.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
      // Non-null assertions are used after checks TypeScript cannot follow (noUncheckedIndexedAccess).
      "@typescript-eslint/no-non-null-assertion": "off",
      // Tests match fixed-width columns of CLI output (`/SERIAL   NAME/`); literal spaces read better there.
      "no-regex-spaces": "off",
    },
  },
  {
    // Benchmarks are scratch-pad scripts a person runs by hand; an unused import there is noise, not a bug.
    files: ["bench/**/*.{js,mjs,ts}"],
    rules: { "@typescript-eslint/no-unused-vars": "warn" },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { ...nodeGlobals, module: "writable", require: "readonly", __dirname: "readonly" },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
