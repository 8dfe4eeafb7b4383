// CA-management command line: whole-process wall time of `tsca list_cas` and `tsca view_ca <prefix>` with
// 100 CAs in the store (issue 2 target: under 150 ms each on a 2-core machine), beside `node -e 0` and
// `tsca --version` measured in the same run; then key generation time per key type with the same
// node:crypto generateKeyPair call the FileKeyStore makes.
//
// Run: npm run build && node bench/ca-cli.mjs        (or: npm run bench:ca)
// Knobs: BENCH_CAS (100), BENCH_RUNS (30), BENCH_WARMUP (3), BENCH_KEYGEN=0 to skip key generation.
// Uses a fresh temporary TSCA_HOME (embedded SQLite + key files) and removes it afterwards.
import { spawnSync } from "node:child_process";
import { generateKeyPair } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "tsca.js");
const CAS = Number(process.env.BENCH_CAS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const TARGET_MS = 150;

if (!existsSync(join(ROOT, "dist", "tsca.mjs"))) {
  console.error("dist/tsca.mjs is missing: run `npm run build` first (or `npm run bench:ca`).");
  process.exit(1);
}

const home = mkdtempSync(join(tmpdir(), "tsca-bench-ca-"));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TSCA_")));
env.TSCA_HOME = home;

function tsca(args) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, cwd: home, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tsca ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

// --- the store: CAS CAs, EC keys for speed; every tenth root gets one intermediate below it ---
const t0 = performance.now();
const serials = [];
let intermediates = 0;
for (let i = 0; serials.length < CAS; i++) {
  const root = `Bench Root ${i}`;
  const withChild = i % 10 === 0 && serials.length + 2 <= CAS;
  serials.push(tsca(["init_ca", "--key-type", "EC", ...(withChild ? ["--pathlen", "1"] : []), root, `/C=AT/O=Bench/CN=${root}`]));
  if (withChild) {
    const sub = `Bench Intermediate ${i}`;
    serials.push(
      tsca(["init_ca", "--key-type", "EC", "--parent", root, "--crl-url", "http://ca.example.test/crl", sub, `/C=AT/O=Bench/CN=${sub}`]),
    );
    intermediates++;
  }
}
const setupSeconds = (performance.now() - t0) / 1000;
const listed = tsca(["list_cas"]).split("\n").length;
if (listed !== CAS) throw new Error(`list_cas shows ${listed} CAs, expected ${CAS}`);

/** The shortest prefix (at least 6 hex digits) of `serial` that no other CA shares: how a user names a CA. */
function uniquePrefix(serial) {
  const hex = (s) => s.replace(/:/g, "");
  for (let n = 6; n <= hex(serial).length; n++) {
    const p = hex(serial).slice(0, n);
    if (serials.filter((s) => hex(s).startsWith(p)).length === 1) return p;
  }
  return hex(serial);
}
const viewed = serials[1]; // the first intermediate: view_ca then also resolves its parent
const prefix = uniquePrefix(viewed);

// --- whole-process wall time ---
function measure(cmd, args) {
  for (let i = 0; i < WARMUP; i++) spawnSync(cmd, args, { env, cwd: home, stdio: "ignore" });
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, cwd: home, stdio: ["ignore", "pipe", "pipe"] });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
  return { median: at(0.5), p95: at(0.95), min: times[0] };
}

const rows = [
  ["node -e 0", measure(process.execPath, ["-e", "0"]), false],
  ["tsca --version", measure(process.execPath, [BIN, "--version"]), false],
  ["tsca list_cas", measure(process.execPath, [BIN, "list_cas"]), true],
  [`tsca view_ca ${prefix}`, measure(process.execPath, [BIN, "view_ca", prefix]), true],
];
const baseline = rows[0][1].median;
const ms = (x) => x.toFixed(1).padStart(7);

console.log(
  `tsca CA CLI benchmark — Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), load average ${loadavg()[0].toFixed(2)}`,
);
console.log(
  `store: ${CAS} CAs (${CAS - intermediates} EC P-256 roots, ${intermediates} intermediates) in SQLite, made in ${setupSeconds.toFixed(1)} s`,
);
console.log(`whole-process wall time, ${RUNS} runs after ${WARMUP} warm-ups (ms):\n`);
console.log(`${"command".padEnd(34)} ${"median".padStart(7)} ${"p95".padStart(7)} ${"min".padStart(7)}  ${"x node".padStart(6)}  target`);
let failed = false;
for (const [name, r, judged] of rows) {
  const verdict = judged ? (r.median < TARGET_MS ? `PASS (< ${TARGET_MS} ms)` : `FAIL (>= ${TARGET_MS} ms)`) : "";
  if (judged && r.median >= TARGET_MS) failed = true;
  console.log(`${name.padEnd(34)} ${ms(r.median)} ${ms(r.p95)} ${ms(r.min)}  ${(r.median / baseline).toFixed(2).padStart(6)}  ${verdict}`);
}
console.log(`\n(median judged against the target; "x node" = median / median of \`node -e 0\`)`);

// --- key generation: the FileKeyStore's call, sequential, one key at a time ---
if (process.env.BENCH_KEYGEN !== "0") {
  const gen = promisify(generateKeyPair);
  const kinds = [
    ["RSA 2048", "rsa", { modulusLength: 2048, publicExponent: 65537 }, 10],
    ["RSA 4096", "rsa", { modulusLength: 4096, publicExponent: 65537 }, 4],
    ["EC P-256", "ec", { namedCurve: "prime256v1" }, 200],
    ["EC P-384", "ec", { namedCurve: "secp384r1" }, 200],
    ["EC P-521", "ec", { namedCurve: "secp521r1" }, 200],
    ["Ed25519", "ed25519", {}, 200],
    ["Ed448", "ed448", {}, 200],
  ];
  console.log(`\nkey generation, node:crypto generateKeyPair (ms per key):\n`);
  console.log(`${"key type".padEnd(10)} ${"keys".padStart(5)} ${"median".padStart(9)} ${"min".padStart(9)} ${"max".padStart(9)}`);
  for (const [name, type, options, n] of kinds) {
    await gen(type, options); // warm-up
    const times = [];
    for (let i = 0; i < n; i++) {
      const start = process.hrtime.bigint();
      await gen(type, options);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    const f = (x) => (x < 10 ? x.toFixed(3) : x.toFixed(1)).padStart(9);
    console.log(`${name.padEnd(10)} ${String(n).padStart(5)} ${f(times[Math.floor((n - 1) / 2)])} ${f(times[0])} ${f(times[n - 1])}`);
  }
}

rmSync(home, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
