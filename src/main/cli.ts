/**
 * Composition root of the `tsca` command: the only place that knows settings, database, key store and
 * CLI together. Everything is created on first use, so `tsca -h` never touches the data directory.
 */
import { chmodSync, existsSync, readFileSync, statSync, type Stats } from "node:fs";
import { fileURLToPath } from "node:url";
import { openDatabase, type OpenDatabase } from "../adapters/db/connection.js";
import { FileOcspKeyStore } from "../adapters/keys/ocsp-key-store.js";
import { loadCaPasswordsFile } from "../adapters/keys/ca-passwords-file.js";
import { installationHealth } from "./installation-health.js";
import { databaseSnapshot } from "../adapters/db/database-snapshot.js";
import { Argon2PasswordHasher } from "../adapters/system/argon2-password-hasher.js";
import { keyStoreRegistry, recoverKeyStores } from "./key-stores.js";
import { Pkcs11PinSource } from "../adapters/cli/pkcs11-pin.js";
import { databasePorts, defaultsFromSettings, keyHostContext, realClock, realRandom } from "./composition.js";
import { signingQueue } from "./signing-queue.js";
import type { CliContext, CliIo, CliLaunchers, ServeOptions } from "../adapters/cli/context.js";
import { runCli } from "../adapters/cli/program.js";
import { dataHome, loadSettings } from "../config/settings.js";
import { smtpMailer } from "../adapters/mail/smtp-mailer.js";
import { ERROR_CODES, TscaError, type ErrorCode } from "../core/errors.js";
import type { Clock } from "../core/ports/clock.js";
import type { Random } from "../core/ports/random.js";
import { Profiles } from "../core/issuance/profiles.js";

function version(): string {
  // This module runs bundled as dist/tsca.mjs, so the package root is one level up.
  const pkg = fileURLToPath(new URL("../package.json", import.meta.url));
  return existsSync(pkg) ? (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version : "0.0.0";
}

/**
 * TSCA_HOME holds the database, the keys and the config file: no one else may write to it, or they could
 * swap the config or the database. A home that group or others can write is made 0700 when this user
 * owns it (said once on stderr; the next run finds it private); one that is shared (sticky bit, like
 * /tmp) or owned by someone else is refused. A read-only file system needs no change (nobody can write
 * there), and a missing home is created 0700 by whatever first needs it.
 */
export function secureHome(home: string, stderr: NodeJS.WritableStream): void {
  let st: Stats;
  try {
    st = statSync(home);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new TscaError("ERR_IO", `${home}: Cannot read the TSCA_HOME directory (${(e as NodeJS.ErrnoException).code}).`, { cause: e });
  }
  if (!st.isDirectory()) throw new TscaError("ERR_CONFIG", `${home}: TSCA_HOME is not a directory.`);
  if ((st.mode & 0o022) === 0) return;
  const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
  const refuse = (why: string, cause?: unknown): TscaError =>
    new TscaError(
      "ERR_CONFIG",
      `${home}: TSCA_HOME is writable by other users (mode ${mode}) and ${why}; make it private (chmod 700) or choose another TSCA_HOME.`,
      { cause },
    );
  if (st.mode & 0o1000) throw refuse("is a shared directory");
  if (process.getuid && st.uid !== process.getuid()) throw refuse("belongs to another user");
  try {
    chmodSync(home, 0o700);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EROFS") return;
    throw refuse("cannot be changed", e);
  }
  stderr.write(`tsca: ${home} was writable by other users (mode ${mode}); its mode is now 0700.\n`);
}

/** Tests fix time and randomness (golden transcripts); production uses the real ones. */
export interface MainOverrides {
  clock?: Clock;
  random?: Random;
}

/**
 * `tsca serve` lives in its own bundle (dist/tsca-server.mjs, see scripts/build.mjs), loaded only when asked
 * for, so that Fastify and pino never slow down the start of ordinary commands. From source (tests importing
 * this file) it is the module itself.
 */
const LAUNCHERS: CliLaunchers = {
  serve: async (options: ServeOptions): Promise<void> => {
    const specifier = import.meta.url.endsWith(".ts") ? "./server.js" : new URL("./tsca-server.mjs", import.meta.url).href;
    const server = (await import(specifier)) as typeof import("./server.js");
    try {
      await server.serve(options);
    } catch (e) {
      // The server bundle has its own copy of the TscaError class: re-create the error on this side so the
      // CLI still prints its one sentence and exit code instead of "Internal error".
      const err = e as { name?: string; code?: string; message?: string };
      if (err?.name === "TscaError" && typeof err.code === "string" && err.code in ERROR_CODES)
        throw new TscaError(err.code as ErrorCode, String(err.message), { cause: e });
      throw e;
    }
  },
};

export async function main(
  argv: string[],
  io: Omit<CliIo, "argv"> = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
  overrides: MainOverrides = {},
): Promise<number> {
  let db: OpenDatabase | undefined;
  let ctx: Promise<CliContext> | undefined;
  const context = (): Promise<CliContext> =>
    (ctx ??= (async () => {
      const settings = loadSettings();
      secureHome(settings.home, io.stderr);
      const opened = (db = await openDatabase(settings.databaseUrl));
      const ports = databasePorts(db);
      const { cas } = ports;
      const pkcs11Pin = new Pkcs11PinSource({ pin: settings.pkcs11Pin, pinFile: settings.pkcs11PinFile }, { ...io, argv: [] });
      const keys = keyStoreRegistry(settings, pkcs11Pin);
      // Finish or undo CA creations a killed or failed process left half-done (see FileKeyStore).
      if (existsSync(settings.caDir)) await recoverKeyStores(keys, async (serial) => (await cas.get(serial)) !== undefined);
      const clock = overrides.clock ?? realClock;
      const random = overrides.random ?? realRandom;
      return {
        settings,
        ...ports,
        profiles: new Profiles(settings.profiles, settings.defaultProfile),
        keys,
        pkcs11Pin,
        ocspKeys: new FileOcspKeyStore(settings.ocspKeyDir),
        clock,
        random,
        defaults: defaultsFromSettings(settings),
        caller: keyHostContext("cli", ports, clock, random),
        signingQueue: () => signingQueue(opened, settings.databaseUrl),
        passwords: new Argon2PasswordHasher(),
        mailer: smtpMailer,
        caPasswords: () => (settings.caPasswordsFile === undefined ? undefined : loadCaPasswordsFile(settings.caPasswordsFile)),
        installation: installationHealth(opened, settings),
        // A web host has the database but no CA_DIR (docs/operations.md): tsca check says so instead of failing every key.
        keysNotHere: existsSync(settings.caDir)
          ? undefined
          : `CA_DIR (${settings.caDir}) does not exist on this host: CA keys are not checked here (a web host).`,
        backupSources: {
          database: databaseSnapshot(opened.db, settings.databaseUrl),
          keyDirs: [
            { path: settings.caDir, as: "ca" },
            { path: settings.ocspKeyDir, as: "ocsp" },
          ],
        },
      };
    })());
  try {
    const launchers: CliLaunchers = {
      serve: async (options) => {
        secureHome(loadSettings().home, io.stderr);
        await LAUNCHERS.serve!(options);
      },
    };
    return await runCli(argv, context, { ...io, argv }, version(), launchers, { home: dataHome() });
  } finally {
    await db?.close();
  }
}
