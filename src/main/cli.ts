/**
 * Composition root of the `tsca` command: the only place that knows settings, database, key store and
 * CLI together. Everything is created on first use, so `tsca -h` never touches the data directory.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SqlCaRepository } from "../adapters/db/ca-repository.js";
import { SqlCertificateRepository } from "../adapters/db/certificate-repository.js";
import { openDatabase, type OpenDatabase } from "../adapters/db/connection.js";
import { FileKeyStore } from "../adapters/keys/file-key-store.js";
import type { CliContext, CliIo } from "../adapters/cli/context.js";
import { runCli } from "../adapters/cli/program.js";
import { loadSettings } from "../config/settings.js";
import type { Clock } from "../core/ports/clock.js";
import type { Random } from "../core/ports/random.js";
import { Profiles } from "../core/issuance/profiles.js";

function version(): string {
  const pkg = fileURLToPath(new URL("../../package.json", import.meta.url));
  return existsSync(pkg) ? (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version : "0.0.0";
}

/** Tests fix time and randomness (golden transcripts); production uses the real ones. */
export interface MainOverrides {
  clock?: Clock;
  random?: Random;
}

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
      db = await openDatabase(settings.databaseUrl);
      const cas = new SqlCaRepository(db.db);
      const keys = new FileKeyStore(settings.caDir);
      // Finish or undo CA creations a killed process left half-done (see FileKeyStore).
      if (existsSync(settings.caDir)) await keys.recover(async (serial) => (await cas.get(serial)) !== undefined);
      return { settings, cas, certs: new SqlCertificateRepository(db.db), profiles: new Profiles(settings.profiles, settings.defaultProfile), keys,
        clock: overrides.clock ?? { now: () => new Date() },
        random: overrides.random ?? { bytes: (n: number) => randomBytes(n) },
      };
    })());
  try {
    return await runCli(argv, context, { ...io, argv }, version());
  } finally {
    await db?.close();
  }
}
