/**
 * SoftHSM2 tokens for tests (no root-owned state): a temporary directory with its own softhsm2.conf
 * (file object store, errors-only log) and tokens made by `softhsm2-util --init-token --free`.
 *
 * SoftHSM reads SOFTHSM2_CONF once, at C_Initialize, and the module is initialised once per process
 * (adapters/keys/pkcs11/pkcs11-module.ts): an in-process test file therefore makes ONE SoftHSM directory,
 * sets SOFTHSM2_CONF before the first store is used, and makes all its tokens first (vitest runs each
 * test file in a process of its own: pool "forks" with isolation). Spawned tsca processes get `env`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";
export const TEST_PIN = "1234";
export const TEST_SO_PIN = "5678";

/** Why SoftHSM2 tests cannot run here, or undefined when they can. */
export function softhsmAvailable(): string | undefined {
  if (!existsSync(SOFTHSM_MODULE)) return `${SOFTHSM_MODULE} is missing (apt install softhsm2)`;
  if (spawnSync("softhsm2-util", ["--version"]).status !== 0) return "softhsm2-util is missing (apt install softhsm2)";
  try {
    createRequire(import.meta.url)("pkcs11js");
  } catch (e) {
    return `pkcs11js cannot be loaded (${(e as Error).message.split("\n")[0]})`;
  }
  return undefined;
}

/**
 * The reason to skip SoftHSM tests, printed once; when TSCA_TEST_REQUIRE_SOFTHSM=1 (set by .ci/run) a
 * missing SoftHSM is an error instead, so CI never passes by skipping.
 */
export function softhsmSkipReason(): string | undefined {
  const reason = softhsmAvailable();
  if (reason === undefined) return undefined;
  if (process.env.TSCA_TEST_REQUIRE_SOFTHSM === "1") throw new Error(`SoftHSM2 is required (TSCA_TEST_REQUIRE_SOFTHSM=1): ${reason}`);
  console.warn(`Skipping SoftHSM2 tests: ${reason}`);
  return reason;
}

export interface SoftHsm {
  library: string;
  /** The softhsm2.conf of this directory. */
  conf: string;
  /** The label of the first token. */
  token: string;
  pin: string;
  soPin: string;
  /** The token directory (directories.tokendir). */
  tokenDir: string;
  /** For spawned tsca processes. */
  env: { SOFTHSM2_CONF: string; TSCA_PKCS11_LIBRARY: string; TSCA_PKCS11_PIN: string };
  /** Initialise another token in the same directory (before the module is first used in this process). */
  addToken(label: string, pin?: string): void;
  /** Run a command (pkcs11-tool, softhsm2-util) against this directory's tokens. */
  run(cmd: string, args: string[]): string;
  cleanup(): void;
}

/** A fresh SoftHSM2 directory with one token labelled `token`, user PIN 1234, SO PIN 5678. */
export function makeSoftHsm(token = "tsca"): SoftHsm {
  const dir = mkdtempSync(join(tmpdir(), "tsca-softhsm-"));
  const tokenDir = join(dir, "tokens");
  mkdirSync(tokenDir, { mode: 0o700 });
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const run = (cmd: string, args: string[]): string =>
    execFileSync(cmd, args, { env: { ...process.env, SOFTHSM2_CONF: conf }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const addToken = (label: string, pin = TEST_PIN): void => {
    run("softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", TEST_SO_PIN]);
  };
  addToken(token);
  return {
    library: SOFTHSM_MODULE,
    conf,
    token,
    pin: TEST_PIN,
    soPin: TEST_SO_PIN,
    tokenDir,
    env: { SOFTHSM2_CONF: conf, TSCA_PKCS11_LIBRARY: SOFTHSM_MODULE, TSCA_PKCS11_PIN: TEST_PIN },
    addToken,
    run,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
