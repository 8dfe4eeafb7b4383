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
import type { OpenDatabase } from "../../src/adapters/db/connection.js";
import { FileOcspKeyStore } from "../../src/adapters/keys/ocsp-key-store.js";
import { loadSettings } from "../../src/config/settings.js";
import { Profiles } from "../../src/core/issuance/profiles.js";
import { databasePorts, defaultsFromSettings, keyHostContext, realClock, realRandom } from "../../src/main/composition.js";
import { keyStoreRegistry } from "../../src/main/key-stores.js";

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
