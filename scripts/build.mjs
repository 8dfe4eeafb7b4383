// Bundles the CLI into one ES module (dist/tsca.mjs). One file instead of hundreds of small ESM
// modules cuts process start-up (Kysely alone costs ~80 ms to load unbundled), which matters for a
// command line that scripts call often. Native and optional drivers stay external. toolkit.mjs bundles
// the internal API for benchmarks (bench/*.mjs).
import { build } from "esbuild";

await build({
  // tsca-server: `tsca serve` (Fastify, pino), loaded by the CLI only for that command.
  entryPoints: { tsca: "src/main/cli.ts", toolkit: "src/main/toolkit.ts", "tsca-server": "src/main/server.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  external: ["better-sqlite3", "pg", "pg-native", "@node-rs/argon2", "pkcs11js"],
  banner: {
    js: "import { createRequire as __tscaCreateRequire } from 'node:module'; const require = __tscaCreateRequire(import.meta.url);",
  },
  // Web admin pages are TSX rendered on the server by preact-render-to-string (tsconfig: react-jsx, preact).
  jsx: "automatic",
  jsxImportSource: "preact",
  logLevel: "warning",
});
