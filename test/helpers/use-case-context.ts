/**
 * A use-case context for tests that call use cases in-process: the key host's system actor with full
 * rights, the given clock, real randomness, and the real audit log of the database under test.
 */
import type { Kysely } from "kysely";
import { SqlAuditLog } from "../../src/adapters/db/audit-log.js";
import type { Database } from "../../src/adapters/db/schema.js";
import type { Actor } from "../../src/core/access/actor.js";
import type { UseCaseContext } from "../../src/core/access/context.js";
import { FULL_ACCESS, grantsOf, type Grant } from "../../src/core/access/permissions.js";
import type { Clock } from "../../src/core/ports/clock.js";
import { join } from "node:path";
import { openDatabase, type OpenDatabase } from "../../src/adapters/db/connection.js";
import { FileOcspKeyStore } from "../../src/adapters/keys/ocsp-key-store.js";
import { loadSettings } from "../../src/config/settings.js";
import { Profiles } from "../../src/core/issuance/profiles.js";
import { databasePorts, defaultsFromSettings, keyHostContext, realClock, realRandom } from "../../src/main/composition.js";
import { keyStoreRegistry } from "../../src/main/key-stores.js";
import { tscaEnv, type TscaEnv } from "./cli.js";
import { makePki, type Pki } from "./crl.js";
import { freshDatabaseUrl, type Backend } from "./databases.js";
import { disposeInstallation } from "./dispose-installation.js";

export function keyHostCaller(db: Kysely<Database>, clock: Clock = realClock): UseCaseContext {
  return keyHostContext("system", { auditLog: new SqlAuditLog(db) }, clock, realRandom, "test");
}

/** A web user with exactly these grants (no superuser). */
export function webCaller(db: Kysely<Database>, name: string, grants: Grant[] | "superuser", clock: Clock = realClock): UseCaseContext {
  const actor: Actor = { kind: "web", id: name };
  const access = grants === "superuser" ? FULL_ACCESS : grantsOf(grants);
  return { actor, access, clock, random: realRandom, audit: new SqlAuditLog(db), requestId: `test-${name}` };
}

/** Every port the use cases take, over an open database of the installation `env` (in-process tests). */
export function inProcessDeps(env: Record<string, string>, db: OpenDatabase) {
  const settings = loadSettings({ ...env });
  return {
    ...databasePorts(db),
    keys: keyStoreRegistry(settings),
    ocspKeys: new FileOcspKeyStore(settings.ocspKeyDir),
    profiles: new Profiles(settings.profiles, settings.defaultProfile),
    defaults: defaultsFromSettings(settings),
    clock: realClock,
    random: realRandom,
  };
}

/** A fresh installation with Root and Inter (made by the CLI), its database opened in-process, and the ports. */
export interface PkiInstallation {
  t: TscaEnv;
  pki: Pki;
  db: OpenDatabase;
  deps: ReturnType<typeof inProcessDeps>;
}

export async function openPkiInstallation(backend: Backend): Promise<PkiInstallation> {
  const t = tscaEnv(await freshDatabaseUrl(backend));
  const pki = makePki(t);
  const db = await openDatabase(t.env.TSCA_DATABASE_URL ?? join(t.home, "tsca.sqlite3"));
  return { t, pki, db, deps: inProcessDeps(t.env, db) };
}

export async function closePkiInstallation(i: PkiInstallation | undefined): Promise<void> {
  if (!i) return;
  await i.db.close();
  await disposeInstallation(i.t);
}
