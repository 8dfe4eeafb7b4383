/**
 * deploy/container (issue 13): no image can be built on this machine (no container engine), so the test runs
 * the recipe's commands as written, here:
 *   - the build stage's RUN lines in a copy of the checkout (git ls-files): `npm ci`, then `npm run build &&
 *     npm prune --omit=dev` — which also proves the production install lacks nothing the server needs;
 *   - from that copy, with /opt/tsca meaning the copy and TSCA_HOME a fresh directory (the volume): the
 *     compose file's key-host steps (init_ca, generate_crls, generate_ocsp_keys, its `worker` command), the web
 *     host's `serve` command (port 8080 swapped for a free one) and the HEALTHCHECK (`tsca check`) on both;
 *     with PostgreSQL when TSCA_TEST_POSTGRES_URL is set (the compose set-up), else SQLite for one host.
 * The runtime stage's `useradd`/`install` line needs root and would change this machine: it is checked by
 * reading (a non-root USER, a 0700 data directory), not run.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { newHome, runTsca, spawnTsca, type TscaEnv } from "../../helpers/cli.js";
import { freshDatabaseUrl, POSTGRES_URL } from "../../helpers/databases.js";
import { startServe, type Server } from "../../helpers/serve.js";

const ROOT = resolve(__dirname, "../../..");
const RECIPE = join(ROOT, "deploy/container/Containerfile");
const COMPOSE = join(ROOT, "deploy/container/compose.yaml");

interface Stage {
  from: string;
  run: string[];
  env: Record<string, string>;
  user?: string;
  volume: string[];
  healthcheck?: string[];
  entrypoint?: string[];
  cmd?: string[];
}

/** The Containerfile's stages: FROM, RUN (continuation lines joined), ENV, USER, VOLUME and the exec forms. */
function readRecipe(text: string): Stage[] {
  const stages: Stage[] = [];
  const logical = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  for (const line of logical) {
    const [word, ...rest] = line.split(/\s+/);
    const arg = rest.join(" ");
    if (word === "FROM") {
      stages.push({ from: rest[0]!, run: [], env: {}, volume: [] });
      continue;
    }
    const stage = stages.at(-1)!;
    if (word === "RUN") stage.run.push(arg);
    if (word === "ENV") for (const m of arg.matchAll(/(\w+)=(\S+)/g)) stage.env[m[1]!] = m[2]!;
    if (word === "USER") stage.user = arg;
    if (word === "VOLUME") stage.volume = JSON.parse(arg) as string[];
    if (word === "ENTRYPOINT") stage.entrypoint = JSON.parse(arg) as string[];
    if (word === "CMD") stage.cmd = JSON.parse(arg) as string[];
    if (word === "HEALTHCHECK") stage.healthcheck = JSON.parse(arg.slice(arg.indexOf("CMD ") + 4)) as string[];
  }
  return stages;
}

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}
const compose = parse(readFileSync(COMPOSE, "utf8")) as { services: Record<string, Service> };
const [build, runtime] = readRecipe(readFileSync(RECIPE, "utf8"));

describe("deploy/container recipe, read", () => {
  it("builds on Node 20 slim and runs as a non-root user with the data directory as a volume", () => {
    expect(build!.from).toBe("node:20-slim");
    expect(runtime!.from).toBe("node:20-slim");
    expect(runtime!.user).toBe("tsca");
    expect(runtime!.run.join(" ")).toMatch(/install -d -m 700 -o tsca -g tsca \/var\/lib\/tsca/);
    expect(runtime!.env.TSCA_HOME).toBe("/var/lib/tsca");
    expect(runtime!.volume).toEqual(["/var/lib/tsca"]);
    expect(runtime!.healthcheck).toEqual(["/opt/tsca/bin/tsca.js", "check"]);
  });

  it("compose: PostgreSQL, a key host and a web host; the CA keys' volume is the key host's alone", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["keyhost", "postgres", "web"]);
    const mounts = (s: string): string[] => (compose.services[s]!.volumes ?? []).map((v) => v.split(":")[0]!);
    expect(mounts("keyhost")).toContain("keys");
    expect(mounts("web")).not.toContain("keys");
    expect(mounts("web")).toContain("ocsp");
    expect(mounts("keyhost")).toContain("ocsp");
    expect(compose.services.keyhost!.command).toEqual(["worker"]);
  });
});

describe("deploy/container recipe, run as written", () => {
  const copy = mkdtempSync(join(tmpdir(), "tsca-image-"));
  const bin = join(copy, "bin/tsca.js");
  const stopping: (() => Promise<unknown>)[] = [];

  beforeAll(() => {
    // COPY . . — what the repository holds, not this checkout's node_modules or dist.
    const files = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
    for (const f of files) {
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      cpSync(join(ROOT, f), join(copy, f));
    }
    for (const run of build!.run) {
      const r = spawnSync("sh", ["-c", run], { cwd: copy, encoding: "utf8", env: { ...process.env, NODE_ENV: "" } });
      expect(r.status, `${run}: ${r.stderr}`).toBe(0);
    }
  });

  afterAll(async () => {
    for (const stop of stopping) await stop();
    rmSync(copy, { recursive: true, force: true });
  });

  it("key host and web host from the image's files: CAs, renewal jobs, worker, serve, and a healthy check on both", async () => {
    expect(runtime!.entrypoint).toEqual(["/opt/tsca/bin/tsca.js"]);
    const dbUrl = POSTGRES_URL ? await freshDatabaseUrl("postgres") : undefined;
    const ocsp = mkdtempSync(join(tmpdir(), "tsca-ocsp-volume-"));
    const host = (service: string): TscaEnv => {
      const home = newHome(`tsca-${service}-volume-`);
      const env: Record<string, string> = {
        ...runtime!.env,
        ...compose.services[service]!.environment,
        TSCA_HOME: home,
        TSCA_OCSP_KEY_DIR: ocsp,
        ...(dbUrl ? { TSCA_DATABASE_URL: dbUrl } : {}),
      };
      return { home, env };
    };
    const keyhost = host("keyhost");
    // One host (SQLite) shares the key host's volume; two hosts (PostgreSQL) have their own.
    const web = dbUrl ? host("web") : keyhost;
    const run = (t: TscaEnv, args: string[]): string => {
      const r = runTsca(t, args, { bin });
      expect(r.code, `tsca ${args.join(" ")}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    run(keyhost, ["init_ca", "--key-type", "EC", "Root", "/CN=Container Root"]);
    run(keyhost, ["generate_crls"]);
    run(keyhost, ["generate_ocsp_keys"]);

    const worker = spawnTsca(keyhost, compose.services.keyhost!.command!, bin);
    stopping.push(async () => {
      if (worker.exitCode === null) {
        const exited = new Promise((r) => worker.once("exit", r));
        worker.kill("SIGTERM");
        await exited;
      }
    });
    const serveArgs = compose.services.web!.command!.slice(1).map((a) => (a === "8080" ? "0" : a));
    const server: Server = await startServe(web, serveArgs, undefined, bin);
    stopping.push(() => server.stop());
    const res = await fetch(`${server.base}/admin/login`);
    expect(res.status).toBe(200);

    const [cmd, ...args] = runtime!.healthcheck!;
    expect(cmd).toBe("/opt/tsca/bin/tsca.js");
    const keyCheck = runTsca(keyhost, args, { bin });
    expect(keyCheck.code, keyCheck.stdout + keyCheck.stderr).toBe(0);
    const webCheck = runTsca(web, args, { bin });
    expect(webCheck.code, webCheck.stdout + webCheck.stderr).toBe(0);
    expect(await server.stop()).toBe(0);
  });
});
