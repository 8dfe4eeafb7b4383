/**
 * The layer rules of DESIGN.md, checked by `npm run depcheck` (part of `npm test`):
 *
 *   core     imports only core and pure npm libraries: no file system, network, process, database
 *            driver, web framework, CLI parser or logger (node:crypto is allowed for digests and
 *            public-key verification; signing stays behind the Signer port).
 *   config   imports only core (plus the node built-ins it needs to read files and the home directory).
 *   adapters import core (and config types), never another adapter: adapters/cli must not import
 *            adapters/db, and so on. adapters/fs (durable file writes) is shared by all of them.
 *   main     the composition roots; the only code that imports adapters. Nothing imports main.
 *   signer   only core/issuance and core/revocation reach the Signer port (plus the key ports, the key
 *            adapters and main): every certificate is signed through lint before sign.
 *   no circular dependencies anywhere.
 */

/** Node built-ins that do I/O or touch the process; core must not reach any of them. */
const IO_BUILTINS = [
  "fs",
  "fs/promises",
  "net",
  "http",
  "https",
  "http2",
  "tls",
  "dgram",
  "dns",
  "child_process",
  "cluster",
  "worker_threads",
  "os",
  "process",
  "readline",
  "repl",
  "v8",
  "vm",
  "inspector",
];

/** Drivers, frameworks and other packages with side effects that belong to adapters. */
const ADAPTER_PACKAGES = [
  "better-sqlite3",
  "pg",
  "pg-native",
  "kysely",
  "fastify",
  "@fastify/[^/]+",
  "commander",
  "pino",
  "pino-[^/]+",
  "node-webcrypto-p11",
  "graphene-pk11",
  "pkcs11js",
  "react",
  "react-dom",
  "preact",
  "preact-render-to-string",
];

const builtinPattern = `^(node:)?(${IO_BUILTINS.map((m) => m.replace("/", "\\/")).join("|")})$`;
const packagePattern = `(^|/)node_modules/(${ADAPTER_PACKAGES.join("|")})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Circular dependencies make layers meaningless and module initialisation order fragile.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-no-io-builtins",
      severity: "error",
      comment: "src/core is pure: no file system, network, process or OS access (DESIGN.md, Layout). Use a port.",
      from: { path: "^src/core/" },
      to: { dependencyTypes: ["core"], path: builtinPattern },
    },
    {
      name: "core-no-adapter-packages",
      severity: "error",
      comment: "src/core must not import database drivers, Kysely, web frameworks, commander or pino; adapters do.",
      from: { path: "^src/core/" },
      to: { path: packagePattern },
    },
    {
      name: "core-imports-only-core",
      severity: "error",
      comment: "src/core imports only src/core (and pure npm libraries).",
      from: { path: "^src/core/" },
      to: { path: "^src/", pathNot: "^src/core/" },
    },
    {
      name: "config-imports-only-core",
      severity: "error",
      comment: "src/config imports only src/core among the project's modules.",
      from: { path: "^src/config/" },
      to: { path: "^src/", pathNot: "^src/(core|config)/" },
    },
    {
      name: "adapter-not-to-other-adapter",
      severity: "error",
      comment:
        "An adapter imports core, never another adapter (e.g. adapters/cli must not import adapters/db). Wire them in src/main. adapters/fs (durable, atomic file writes) is the one shared helper every adapter may use.",
      from: { path: "^src/adapters/([^/]+)/" },
      to: { path: "^src/adapters/", pathNot: "^src/adapters/($1|fs)/" },
    },
    {
      name: "only-main-imports-adapters",
      severity: "error",
      comment: "Only the composition roots in src/main know the adapters.",
      from: { path: "^src/", pathNot: "^src/(main|adapters)/" },
      to: { path: "^src/adapters/" },
    },
    {
      name: "adapters-not-to-main",
      severity: "error",
      comment: "Nothing imports the composition roots.",
      from: { path: "^src/", pathNot: "^src/main/" },
      to: { path: "^src/main/" },
    },
    {
      name: "only-issuance-and-revocation-sign",
      severity: "error",
      comment:
        "Only core/issuance (certificates, lint before sign) and core/revocation (CRLs, OCSP responses) may reach the Signer port; the key ports that hand out signers, the key adapters that implement it and src/main that wires them are the only others. Anything else that needs a signature calls issuance or revocation.",
      from: { path: "^src/", pathNot: "^src/(core/(issuance|revocation)|core/ports|adapters/keys|main)/" },
      to: { path: "^src/core/ports/signer\\.ts$" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that cannot be resolved is a typo or a missing dependency.",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "not-to-test",
      severity: "error",
      comment: "Production code never imports test code.",
      from: { path: "^src/" },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|coverage)/" },
    // Type-only imports count too: a port's types must not come from an adapter either.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // NodeNext sources import "./x.js" for "./x.ts"; dependency-cruiser maps that itself.
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
