/**
 * Wiring of the web admin (adapters/web/admin) for `tsca serve`: the repositories of the server's database,
 * the argon2id password hasher, the session lifetime and login limit from settings, and the directory of
 * its stylesheet. Nothing here opens CA_DIR: the admin never needs a CA key (DESIGN principle 1).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { adminPlugin } from "../adapters/web/admin/plugin.js";
import type { AdminDeps } from "../adapters/web/admin/deps.js";
import { Argon2PasswordHasher } from "../adapters/system/argon2-password-hasher.js";
import type { Settings } from "../config/settings.js";
import { Profiles } from "../core/issuance/profiles.js";
import type { Clock } from "../core/ports/clock.js";
import { type databasePorts, realClock, realRandom } from "./composition.js";

/**
 * The admin's static files (src/adapters/web/admin/static), found from the package root: this module runs
 * both from src/main (tests) and bundled in dist/tsca-server.mjs, at different depths below it.
 */
export function adminStaticDir(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "tsca")
      return join(dir, "src", "adapters", "web", "admin", "static");
    if (dirname(dir) === dir) throw new Error("The tsca package root (and with it the web admin's static files) was not found.");
  }
}

export function adminDeps(
  ports: ReturnType<typeof databasePorts>,
  settings: Settings,
  clock: Clock = realClock,
  submitted?: () => void,
): AdminDeps {
  return {
    cas: ports.cas,
    certs: ports.certs,
    crls: ports.crls,
    responders: ports.responders,
    signingRequests: ports.signingRequests,
    users: ports.users,
    sessions: ports.adminSessions,
    uow: ports.uow,
    auditLog: ports.auditLog,
    profiles: new Profiles(settings.profiles, settings.defaultProfile),
    passwords: new Argon2PasswordHasher(),
    clock,
    random: realRandom,
    lifetime: { idleSeconds: settings.adminSessionIdleTimeout, maxAgeSeconds: settings.adminSessionMaxAge },
    loginAttemptsPerMinute: settings.adminLoginAttemptsPerMinute,
    staticDir: adminStaticDir(),
    ...(submitted ? { submitted } : {}),
  };
}

/** The admin as a plugin for buildApp's `plugins`. */
export const adminSurface =
  (deps: AdminDeps) =>
  (app: FastifyInstance): Promise<void> =>
    adminPlugin(app, deps);
