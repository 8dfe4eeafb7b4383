/**
 * Users, grants and API tokens through the real `tsca` binary, on SQLite and PostgreSQL: create_user with
 * a password file, from standard input, on a pseudo-terminal (asked twice, without echo) and without a
 * password; a weak password refused with one sentence
 * (exit 1); list_users with grants by CA name; grant/ungrant; disable_user; create_token printing the token
 * alone on stdout, which then authenticates in-process until it is revoked or its user disabled;
 * list_tokens never showing a token. The stored password hash is argon2id and verifies; no password or
 * token appears in any output or in the audit log.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type OpenDatabase } from "../../../src/adapters/db/connection.js";
import { Argon2PasswordHasher } from "../../../src/adapters/system/argon2-password-hasher.js";
import { authenticateToken } from "../../../src/core/usecases/api-tokens.js";
import { databasePorts } from "../../../src/main/composition.js";
import { BIN, runTsca, tsca, tscaEnv, type RunResult, type TscaEnv } from "../../helpers/cli.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";

const ALICE_PASSWORD = "Tr0ub4dour&3-horse-staple";
const BOB_PASSWORD = "a pass phrase from standard input";
const NEW_PASSWORD = "another long enough secret";
const TOKEN_LINE = /^tsca_[A-Za-z0-9_-]{43}\n$/;
const TTY_PASSWORD = "typed-at-a-terminal-42";

/**
 * Run tsca on a pseudo-terminal (util-linux `script`) and answer each prompt when it appears: the line
 * for a prompt is typed only after the prompt is shown, as a person would, so nothing depends on timing.
 */
function onTerminal(t: TscaEnv, args: string[], answers: [prompt: string, line: string][]): Promise<{ code: number; screen: string }> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TSCA_")));
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], { env: { ...env, ...t.env }, cwd: t.home });
  let screen = "";
  let answered = 0;
  child.stdout.on("data", (chunk: Buffer) => {
    screen += chunk.toString("utf8");
    const next = answers[answered];
    // Each prompt is looked for after the answers so far, so a repeated prompt needs a new appearance.
    if (next && screen.split(next[0]).length - 1 > answers.slice(0, answered).filter(([p]) => p === next[0]).length) {
      answered++;
      child.stdin.write(`${next[1]}\r`);
    }
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, screen })));
}

describe.each(BACKENDS)("users and API tokens on the command line (%s)", (backend) => {
  let t: TscaEnv;
  let db: OpenDatabase;
  /** Every output of every command (but the token create_token prints), to check that no secret leaks into any of them. */
  const outputs: string[] = [];
  const run = (args: string[], input?: string): RunResult => {
    const r = runTsca(t, args, input !== undefined ? { input } : {});
    outputs.push(args[0] === "create_token" && r.code === 0 ? "" : r.stdout, r.stderr);
    return r;
  };
  const ok = (args: string[], input?: string): string => {
    const r = run(args, input);
    expect(r.stderr, `tsca ${args.join(" ")}`).toBe("");
    expect(r.code).toBe(0);
    return r.stdout;
  };
  const tokens: string[] = [];
  const passwordHash = async (name: string) =>
    (await db.db.selectFrom("tsca_user").select("password_hash").where("name", "=", name).executeTakeFirstOrThrow()).password_hash;

  beforeAll(async () => {
    const url = await freshDatabaseUrl(backend);
    t = tscaEnv(url);
    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=Root"]);
    tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Inter", "/CN=Inter"]);
    db = await openDatabase(url ?? join(t.home, "tsca.sqlite3"));
  });
  afterAll(async () => {
    await db?.close();
    if (t) await disposeInstallation(t);
  });

  it("create_user takes the password from a file or standard input, stores argon2id, and refuses weak ones", async () => {
    const file = join(t.home, "alice.pw");
    writeFileSync(file, `${ALICE_PASSWORD}\nsecond line ignored\n`);
    expect(ok(["create_user", "alice", "--password-file", file])).toBe("alice: user created.\n");
    expect(ok(["create_user", "bob", "--superuser"], `${BOB_PASSWORD}\n`)).toBe("bob: user created (superuser).\n");
    expect(ok(["create_user", "ci", "--no-password"])).toBe("ci: user created (no password).\n");

    const hasher = new Argon2PasswordHasher();
    const alice = (await passwordHash("alice"))!;
    expect(alice).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(alice, ALICE_PASSWORD)).toBe(true);
    expect(await hasher.verify(alice, BOB_PASSWORD)).toBe(false);
    expect(await hasher.verify((await passwordHash("bob"))!, BOB_PASSWORD)).toBe(true);
    expect(await passwordHash("ci")).toBeNull();

    for (const [password, rule] of [
      ["short-one", "must have at least 12 characters"],
      ["my name is CAROL ok", "must not contain the user name"],
      ["zzzzzzzzzzzzzzzz", "must not be one character repeated"],
      ["", "must have at least 12 characters"],
    ] as const) {
      const r = run(["create_user", "carol"], `${password}\n`);
      expect([r.code, r.stdout, r.stderr]).toEqual([1, "", `Error: The password is refused: it ${rule}.\n`]);
    }
    const taken = run(["create_user", "alice"], `${NEW_PASSWORD}\n`);
    expect([taken.code, taken.stderr]).toEqual([1, "Error: alice: A user with this name exists already.\n"]);
    expect(run(["create_user", "bad name", "--no-password"]).code).toBe(2);
    expect(run(["create_user", "dave", "--no-password", "--password-file", file]).code).toBe(2);
    expect((await db.db.selectFrom("tsca_user").select("name").orderBy("name").execute()).map((u) => u.name)).toEqual([
      "alice",
      "bob",
      "ci",
    ]);
  });

  it("on a terminal, create_user asks twice without echo, and again when the two differ", async () => {
    const { code, screen } = await onTerminal(
      t,
      ["create_user", "terminal-user"],
      [
        ["New password for terminal-user: ", TTY_PASSWORD],
        ["Repeat the password: ", `${TTY_PASSWORD}-typo`],
        ["New password for terminal-user: ", TTY_PASSWORD],
        ["Repeat the password: ", TTY_PASSWORD],
      ],
    );
    expect(code).toBe(0);
    expect(screen).toContain("The passwords do not match; try again.");
    expect(screen).toContain("terminal-user: user created.");
    expect(screen).not.toContain(TTY_PASSWORD);
    expect(await new Argon2PasswordHasher().verify((await passwordHash("terminal-user"))!, TTY_PASSWORD)).toBe(true);
  });

  it("set_password replaces the hash; an unknown user is refused before any password is read", async () => {
    const before = await passwordHash("alice");
    expect(ok(["set_password", "alice"], `${NEW_PASSWORD}\n`)).toBe("alice: password set.\n");
    const after = (await passwordHash("alice"))!;
    expect(after).not.toBe(before);
    expect(await new Argon2PasswordHasher().verify(after, NEW_PASSWORD)).toBe(true);
    const r = run(["set_password", "nobody"], `${NEW_PASSWORD}\n`);
    expect([r.code, r.stderr]).toEqual([1, "Error: nobody: No such user.\n"]);
  });

  it("grant and ungrant change what list_users shows, by CA name or * for every CA", () => {
    expect(ok(["grant", "alice", "view", "sign", "--ca", "Inter"])).toBe("alice: sign@Inter, view@Inter.\n");
    expect(ok(["grant", "ci", "sign", "--ca", "Inter", "--ca", "Root"])).toMatch(/^ci: sign@(Inter|Root), sign@(Inter|Root)\.\n$/);
    expect(ok(["grant", "ci", "VIEW"])).toMatch(/^ci: sign@.*, view@\*\.\n$/);
    expect(ok(["ungrant", "ci", "sign", "--ca", "Root"])).toBe("ci: sign@Inter, view@*.\n");
    const bad = run(["grant", "alice", "fly"]);
    expect([bad.code, bad.stderr]).toEqual([2, "Error: fly: A permission is one of view, sign, revoke, edit.\n"]);
    expect(run(["grant", "alice", "view", "--ca", "NoSuchCA"]).code).toBe(1);
    expect(run(["grant", "nobody", "view"]).stderr).toBe("Error: nobody: No such user.\n");
    const listed = ok(["list_users"]);
    expect(listed.split("\n").map((l) => l.split(/ {2,}/))).toEqual([
      ["NAME", "SUPERUSER", "ENABLED", "PASSWORD", "GRANTS"],
      ["alice", "no", "yes", "yes", "sign@Inter, view@Inter"],
      ["bob", "yes", "yes", "yes", "-"],
      ["ci", "no", "yes", "no", "sign@Inter, view@*"],
      ["terminal-user", "no", "yes", "yes", "-"],
      [""],
    ]);
    // Columns line up: every field starts where its header does.
    const starts = (line: string) => [...line.matchAll(/(?:^| {2,})(\S)/g)].map((m) => m.index + m[0].length - 1);
    expect(
      new Set(
        listed
          .trimEnd()
          .split("\n")
          .map((l) => starts(l).join(",")),
      ),
    ).toHaveProperty("size", 1);
    const json = JSON.parse(ok(["list_users", "--output-format", "json"])) as { name: string; grants: { label: string }[] }[];
    expect(json.find((u) => u.name === "ci")!.grants.map((g) => g.label)).toEqual(["sign@Inter", "view@*"]);
  });

  it("create_token prints the token alone on one line; it authenticates until revoked; list_tokens never shows it", async () => {
    const named = run(["create_token", "ci", "--name", "ci-pipeline", "--expires", "30"]);
    expect(named.code).toBe(0);
    expect(named.stdout).toMatch(TOKEN_LINE);
    expect(named.stderr).toMatch(/^Token ci-pipeline for ci \(expires \d{4}-.*\): shown once, only its hash is kept; store it now\.\n$/);
    const token = named.stdout.trim();
    const other = run(["create_token", "alice"]);
    expect(other.stdout).toMatch(TOKEN_LINE);
    tokens.push(token, other.stdout.trim());

    const ports = databasePorts(db);
    const auth = await authenticateToken(ports, token, new Date());
    expect(auth).toMatchObject({ user: "ci", tokenName: "ci-pipeline", access: { superuser: false } });
    expect((await authenticateToken(ports, tokens[1]!, new Date())).user).toBe("alice");

    const taken = run(["create_token", "alice", "--name", "ci-pipeline"]);
    expect([taken.code, taken.stdout, taken.stderr]).toEqual([1, "", "Error: ci-pipeline: An API token with this name exists already.\n"]);
    expect(run(["create_token", "ci", "--expires", "0"]).code).toBe(2);
    expect(run(["create_token", "nobody"]).stderr).toBe("Error: nobody: No such user.\n");

    const list = ok(["list_tokens"]);
    expect(list).toMatch(/^NAME +USER +CREATED +EXPIRES +REVOKED +LAST USED\n/);
    expect(list).toMatch(/\nci-pipeline +ci +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +\d{4}-\S+ +- +\d{4}-\S+\n/);
    // Both were used once above (authenticateToken): the first use is recorded.
    expect(list).toMatch(/\nalice-[0-9a-f]{8} +alice +\S+ +never +- +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/);
    expect(ok(["list_tokens", "--user", "alice"]).split("\n")).toHaveLength(3);
    const listed = JSON.parse(ok(["list_tokens", "--output-format", "json"])) as Record<string, unknown>[];
    expect(Object.keys(listed[0]!).sort()).toEqual(["created", "expires", "last_used", "name", "revoked", "user"]);

    expect(ok(["revoke_token", "ci-pipeline"])).toBe("ci-pipeline: revoked (user ci).\n");
    await expect(authenticateToken(ports, token, new Date())).rejects.toMatchObject({ code: "ERR_UNAUTHENTICATED" });
    expect(ok(["list_tokens", "--user", "ci"])).toMatch(/\nci-pipeline +ci +\S+ +\S+ +\d{4}-\d\d-\d\dT\S+Z +\S+\n/);
    expect(run(["revoke_token", "no-such-token"]).stderr).toBe("Error: no-such-token: No such API token.\n");
  });

  it("disable_user stops the user's tokens at once", async () => {
    const ports = databasePorts(db);
    expect((await authenticateToken(ports, tokens[1]!, new Date())).user).toBe("alice");
    expect(ok(["disable_user", "alice"])).toBe("alice: disabled; its API tokens no longer work.\n");
    await expect(authenticateToken(ports, tokens[1]!, new Date())).rejects.toMatchObject({ code: "ERR_UNAUTHENTICATED" });
    expect(ok(["list_users"])).toMatch(/\nalice +no +no +yes /);
    expect(run(["disable_user", "nobody"]).code).toBe(1);
  });

  it("every change is in the audit log, and no password or token appears in any output or in the log", async () => {
    const audit = ok(["audit", "--json"]);
    const actions = (JSON.parse(audit) as { action: string; object: string }[]).map((e) => `${e.action} ${e.object}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        "user.create user:alice",
        "user.create user:bob",
        "user.password user:alice",
        "grant.add user:alice",
        "grant.remove user:ci",
        "token.create token:ci-pipeline",
        "token.revoke token:ci-pipeline",
        "user.disable user:alice",
      ]),
    );
    const rows = await db.db.selectFrom("audit_event").selectAll().execute();
    const everything = [...outputs, audit, JSON.stringify(rows)].join("\n");
    for (const secret of [ALICE_PASSWORD, BOB_PASSWORD, NEW_PASSWORD, TTY_PASSWORD, "short-one", "zzzzzzzzzzzzzzzz", ...tokens])
      expect(everything).not.toContain(secret);
    expect(everything).not.toContain("$argon2id$");
    expect(tokens).toHaveLength(2);
  });
});
