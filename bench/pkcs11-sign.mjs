// Raw signing rate through the PKCS#11 Signer (src/adapters/keys/pkcs11) on a SoftHSM2 token, with 1 and
// 32 signatures in flight, for EC P-256 and RSA-2048 keys generated on the token.
//
//   node bench/pkcs11-sign.mjs
//
// The adapter is bundled from the TypeScript sources with esbuild into a temporary file (dist/ does not
// export it), pkcs11js left external. A fresh SoftHSM2 token is made in a temporary directory
// (softhsm2-util, as test/helpers/softhsm.ts does). Env: BENCH_SECONDS (3 per measurement), BENCH_ROUNDS (3).
import { execFileSync } from "node:child_process";
import { createPublicKey, verify } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LIBRARY = process.env.TSCA_PKCS11_LIBRARY ?? "/usr/lib/softhsm/libsofthsm2.so";

const dir = mkdtempSync(join(tmpdir(), "tsca-bench-pkcs11-"));
try {
  mkdirSync(join(dir, "tokens"));
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${dir}/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env.SOFTHSM2_CONF = conf;
  execFileSync("softhsm2-util", ["--init-token", "--free", "--label", "bench", "--pin", "1234", "--so-pin", "5678"], { stdio: "ignore" });

  // Bundled next to the sources' node_modules so that pkcs11js resolves from the repository.
  const bundle = join(ROOT, "node_modules", ".cache", `tsca-bench-pkcs11-${process.pid}.mjs`);
  mkdirSync(dirname(bundle), { recursive: true });
  await build({
    entryPoints: [join(ROOT, "src/adapters/keys/pkcs11/pkcs11-key-store.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["pkcs11js"],
    outfile: bundle,
    logLevel: "error",
  });
  const { Pkcs11KeyStore } = await import(pathToFileURL(bundle).href);
  rmSync(bundle, { force: true });

  const store = new Pkcs11KeyStore(
    { library: LIBRARY, pin: { configured: () => "1234", ask: () => Promise.reject(new Error("no prompt")) } },
    { token: "bench" },
  );
  console.log(`PKCS#11 signing on SoftHSM2 (${LIBRARY}), ${SECONDS} s per measurement, best of ${ROUNDS}`);
  for (const [name, spec] of [
    ["EC P-256", { keyType: "EC", curve: "secp256r1" }],
    ["RSA-2048", { keyType: "RSA", keySize: 2048 }],
  ]) {
    const pending = await store.generate(`BE${Date.now().toString(16).toUpperCase()}`, spec, undefined);
    await pending.commit();
    const signer = await store.load(pending.keyRef, undefined);
    const publicKey = createPublicKey({ key: signer.spki, format: "der", type: "spki" });
    const data = Buffer.alloc(600, 7); // about a TBSCertificate
    if (!verify("sha256", data, publicKey, await signer.sign(data, "SHA-256"))) throw new Error(`${name}: signature does not verify`);
    for (const inFlight of [1, 32]) {
      let best = 0;
      for (let round = 0; round < ROUNDS; round++) {
        let count = 0;
        const cpu0 = process.cpuUsage();
        const start = process.hrtime.bigint();
        const end = start + BigInt(SECONDS * 1e9);
        await Promise.all(
          Array.from({ length: inFlight }, async () => {
            while (process.hrtime.bigint() < end) {
              await signer.sign(data, "SHA-256");
              count++;
            }
          }),
        );
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const cpu = process.cpuUsage(cpu0);
        const rate = count / seconds;
        if (rate > best) best = rate;
        console.log(
          `  ${name}, ${String(inFlight).padStart(2)} in flight: ${rate.toFixed(0)}/s (process CPU ${(((cpu.user + cpu.system) / 1e6 / seconds) * 100).toFixed(0)} %)`,
        );
      }
      console.log(`${name}, ${inFlight} in flight: best ${best.toFixed(0)} signatures/s`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
