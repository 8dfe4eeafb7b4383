/**
 * `tsca check` on a real installation: green (exit 0) when fresh, and red (exit 1, ERR_UNHEALTHY) naming
 * the problem in one sentence for each fault injected by hand — a missing key file, a stale CRL, an
 * expiring responder certificate, a key file with mode 0644, an edited audit row — then green again once
 * the fault is repaired. Also: an encrypted CA without a password in TSCA_CA_PASSWORDS_FILE is named with
 * the time its CRL lapses; a host without CA_DIR (a web host) says keys are not checked there.
 */
import { chmodSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/adapters/db/connection.js";
import { runTsca, tsca, tscaEnv, type RunResult, type TscaEnv } from "../../helpers/cli.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";
import { makeCsr } from "../../helpers/certs.js";
import { keyFile, plainSerial } from "../../helpers/oracles.js";

interface Report {
  ok: boolean;
  checks: { name: string; ok: boolean; problems: string[]; note: string }[];
}

/** The JSON report, after checking the exit status agrees with it. */
function report(r: RunResult): Report {
  const parsed = JSON.parse(r.stdout) as Report;
  expect(r.code, r.stderr).toBe(parsed.ok ? 0 : 1);
  return parsed;
}

const failing = (r: Report): Record<string, string[]> => Object.fromEntries(r.checks.filter((c) => !c.ok).map((c) => [c.name, c.problems]));

describe.each(BACKENDS)("tsca check (%s)", (backend) => {
  const made: TscaEnv[] = [];

  afterEach(async () => {
    for (const t of made.splice(0)) await disposeInstallation(t);
  });

  it("is green on a fresh installation and red, naming the problem, for each fault injected", async () => {
    const url = await freshDatabaseUrl(backend);
    const t = tscaEnv(url);
    made.push(t);
    const root = tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=Root"]).trim();
    const who = `CA "Root" (${root})`;

    const fresh = runTsca(t, ["check"]);
    expect(fresh.code, fresh.stdout + fresh.stderr).toBe(0);
    expect(fresh.stdout.split("\n").map((l) => l.split(":")[0])).toEqual([
      "ok   keys",
      "ok   crls",
      "ok   ocsp",
      "ok   signing-requests",
      "ok   migrations",
      "ok   file-modes",
      "ok   audit",
      "",
    ]);
    expect(report(runTsca(t, ["check", "--json"])).ok).toBe(true);

    // A missing key file.
    const key = keyFile(t, root);
    renameSync(key, `${key}.away`);
    const missing = runTsca(t, ["check"]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(
      new RegExp(`^FAIL keys: 1 problem\\n     - ${who.replace(/[()]/g, "\\$&")}: the key cannot be opened: .*not found`, "m"),
    );
    expect(missing.stderr).toBe("Error: 1 check failed: keys; the problems are above.\n");
    renameSync(`${key}.away`, key);

    // A key file with mode 0644.
    chmodSync(key, 0o644);
    expect(failing(report(runTsca(t, ["check", "--json"])))).toEqual({
      "file-modes": [`${key}: The key file has mode 0644, others can reach it; make it 0600.`],
    });
    chmodSync(key, 0o600);

    // An expiring responder certificate: 3 days' validity, less than a margin of 100 hours.
    const expiring = report(runTsca({ ...t, env: { ...t.env, TSCA_CHECK_RESPONDER_MARGIN: "100" } }, ["check", "--json"]));
    expect(Object.keys(failing(expiring))).toEqual(["ocsp"]);
    expect(failing(expiring).ocsp).toEqual([
      expect.stringMatching(
        new RegExp(`^CA "Root" \\(${root}\\): the OCSP responder certificate expires at \\S+Z, within the margin of 100 hours\\.$`),
      ),
    ]);

    const db = await openDatabase(url ?? join(t.home, "tsca.sqlite3"));
    try {
      // A stale CRL: its nextUpdate moved into the past.
      await db.db
        .updateTable("crl")
        .set({ next_update: "2020-01-01T00:00:00.000Z" })
        .where("ca_serial", "=", plainSerial(root))
        .where("scope", "=", "user")
        .execute();
      expect(failing(report(runTsca(t, ["check", "--json"])))).toEqual({
        crls: [
          expect.stringMatching(
            new RegExp(`^CA "Root" \\(${root}\\): the user CRL #\\d+ is stale: its nextUpdate 2020-01-01T00:00:00Z has passed\\.$`),
          ),
        ],
      });
      tsca(t, ["generate_crls"]);
      expect(report(runTsca(t, ["check", "--json"])).ok).toBe(true);

      // A signing request pending for two hours (no worker), then signed by one.
      const csr = makeCsr("ec", "/CN=queued.example.com");
      const id = tsca(t, ["submit_request", "--ca", "Root", "--csr", csr.path, "--alt", "queued.example.com"]).trim();
      expect(report(runTsca(t, ["check", "--json"])).ok).toBe(true);
      const twoHoursAgo = new Date(Date.now() - 7_200_000).toISOString();
      await db.db.updateTable("signing_request").set({ created_at: twoHoursAgo }).where("id", "=", id).execute();
      expect(failing(report(runTsca(t, ["check", "--json"])))).toEqual({
        "signing-requests": [
          `1 signing request pending for longer than 3600 seconds (the oldest since ${twoHoursAgo.replace(/\.\d{3}Z$/, "Z")}); is tsca worker running?`,
        ],
      });
      tsca(t, ["worker", "--once"]);
      expect(report(runTsca(t, ["check", "--json"])).ok).toBe(true);

      // A migration this tsca does not know: a newer tsca upgraded the database.
      await sql`INSERT INTO tsca_migrations (id, applied_at) VALUES ('9999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(db.db);
      expect(failing(report(runTsca(t, ["check", "--json"])))).toEqual({
        migrations: ["The database has migrations this tsca does not know (9999-from-the-future): it was upgraded by a newer tsca."],
      });
      await sql`DELETE FROM tsca_migrations WHERE id = '9999-from-the-future'`.execute(db.db);

      // A SQLite database others can read: every tsca command that opens it makes it 0600 again first
      // (adapters/db/connection.ts), so check finds it private.
      if (!url) {
        const file = join(t.home, "tsca.sqlite3");
        chmodSync(file, 0o644);
        expect(report(runTsca(t, ["check", "--json"])).ok).toBe(true);
        expect(statSync(file).mode & 0o777).toBe(0o600);
      }

      // An edited audit row.
      const row = await db.db.selectFrom("audit_event").select(["seq", "actor"]).orderBy("seq").executeTakeFirstOrThrow();
      await db.db.updateTable("audit_event").set({ actor: "cli:mallory" }).where("seq", "=", row.seq).execute();
      const edited = runTsca(t, ["check"]);
      expect(edited.code).toBe(1);
      expect(edited.stdout).toMatch(new RegExp(`^FAIL audit: 1 problem\\n     - The audit log is broken: .*${row.seq}`, "m"));
      expect(edited.stdout).toMatch(/^ok {3}keys: /m);
    } finally {
      await db.close();
    }
  });

  it("names the encrypted CA whose CRLs will lapse without a password, and says a web host has no keys to check", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    made.push(t);
    const locked = tsca(t, ["init_ca", "--key-type", "EC", "--password", "secret", "Locked", "/CN=Locked"]).trim();
    const r = runTsca(t, ["check", "--json"]);
    expect(failing(report(r))).toEqual({
      keys: [
        expect.stringMatching(
          new RegExp(
            `^CA "Locked" \\(${locked}\\): the key is encrypted and TSCA_CA_PASSWORDS_FILE is not set, so generate_crls cannot renew its CRLs, which will lapse at \\S+Z\\.$`,
          ),
        ),
      ],
    });
    const file = join(t.home, "passwords.json");
    writeFileSync(file, JSON.stringify({ [locked]: "secret" }), { mode: 0o600 });
    expect(report(runTsca({ ...t, env: { ...t.env, TSCA_CA_PASSWORDS_FILE: file } }, ["check", "--json"])).ok).toBe(true);

    // Without CA_DIR this is a web host: the database is checked, the keys are not.
    const web = report(runTsca({ ...t, env: { ...t.env, TSCA_CA_DIR: join(t.home, "no-keys-here") } }, ["check", "--json"]));
    expect(web.ok).toBe(true);
    expect(web.checks[0]).toEqual({
      name: "keys",
      ok: true,
      problems: [],
      note: `CA_DIR (${join(t.home, "no-keys-here")}) does not exist on this host: CA keys are not checked here (a web host).`,
    });
  });
});
