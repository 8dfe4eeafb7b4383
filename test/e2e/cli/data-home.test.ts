/**
 * TSCA_HOME holds the database, the keys and the config file (issue 14): a home that other users can
 * write is made private (0700) when this user owns it, saying so once on stderr, and refused with one
 * sentence when it is shared (sticky bit) or someone else's; a TSCA_HOME that is a regular file is one
 * sentence, not a raw EEXIST/ENOTDIR.
 */
import { chmodSync, chownSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { newHome, runTsca, tsca, type TscaEnv } from "../../helpers/cli.js";
import { expectOneSentence } from "../../helpers/oracles.js";
import { startServe, type Server } from "../../helpers/serve.js";

const mode = (p: string): number => statSync(p).mode & 0o7777;
const installation = (home: string): TscaEnv => ({ home, env: { TSCA_HOME: home } });
const isRoot = process.getuid?.() === 0;

describe("TSCA_HOME", () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) expect(await server.stop()).toBe(0);
    server = undefined;
  });

  it("writable by everyone (0777) and ours: made 0700, said once on stderr, and the command runs", () => {
    const home = newHome();
    chmodSync(home, 0o777);
    const t = installation(home);
    const r = runTsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=root.example.com"]);
    expect(r.code, r.stderr).toBe(0);
    expect(mode(home)).toBe(0o700);
    expect(r.stderr).toBe(`tsca: ${home} was writable by other users (mode 0777); its mode is now 0700.\n`);
    // Said once: the next command finds the home private and says nothing.
    const again = runTsca(t, ["list_cas"]);
    expect(again).toMatchObject({ code: 0, stderr: "" });
    expect(again.stdout).toMatch(/ - Root\n$/);
  });

  it("group-writable (0770) is tightened as well; a merely readable home (0755) is left alone", () => {
    const writable = newHome();
    chmodSync(writable, 0o770);
    expect(runTsca(installation(writable), ["list_cas"]).stderr).toContain("(mode 0770); its mode is now 0700.");
    expect(mode(writable)).toBe(0o700);
    const readable = newHome();
    chmodSync(readable, 0o755);
    expect(runTsca(installation(readable), ["list_cas"])).toMatchObject({ code: 0, stderr: "" });
    expect(mode(readable)).toBe(0o755);
  });

  it("tsca serve tightens it too before serving", async () => {
    const home = newHome();
    tsca(installation(home), ["list_cas"]);
    chmodSync(home, 0o777);
    server = await startServe(installation(home));
    expect(mode(home)).toBe(0o700);
    expect(server.stderr()).toContain(`tsca: ${home} was writable by other users (mode 0777); its mode is now 0700.\n`);
  });

  it("a shared directory (sticky bit, like /tmp) is refused with one sentence and left as it is", () => {
    const home = newHome();
    chmodSync(home, 0o1777);
    const r = runTsca(installation(home), ["list_cas"]);
    expectOneSentence(r, 1, /TSCA_HOME is writable by other users \(mode 1777\) and is a shared directory; .*chmod 700/);
    expect(mode(home)).toBe(0o1777);
  });

  it.skipIf(!isRoot)("someone else's writable home is refused with one sentence and left as it is", () => {
    const home = newHome();
    chmodSync(home, 0o777);
    chownSync(home, 65534, 65534);
    const r = runTsca(installation(home), ["list_cas"]);
    expectOneSentence(r, 1, /TSCA_HOME is writable by other users \(mode 0777\) and belongs to another user; /);
    expect(mode(home)).toBe(0o777);
    expect(statSync(home).uid).toBe(65534);
  });

  it("a regular file is one sentence, exit 1, and stays as it was", () => {
    const dir = newHome();
    const file = join(dir, "not-a-directory");
    writeFileSync(file, "data\n");
    for (const args of [["list_cas"], ["init_ca", "--key-type", "EC", "Root", "/CN=root.example.com"]]) {
      const r = runTsca(installation(file), args, { cwd: dir });
      expectOneSentence(r, 1, new RegExp(`^Error: ${file}: TSCA_HOME is not a directory\\.\\n$`));
    }
    expect(readFileSync(file, "utf8")).toBe("data\n");
  });
});
