/**
 * `npm install` on Node 20 prints no engine or peer-dependency warnings (issue 7): every package the lock
 * file installs must accept the running Node version, and `npm ls` must find no invalid or missing peer.
 * cookie@2 (through fastify's light-my-request 6.8) declares node >=22; package.json pins light-my-request
 * to 6.6.0, which uses cookie 1.x with the same behaviour for inject().
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

const require = createRequire(import.meta.url);
const semver = require("semver") as { satisfies(version: string, range: string): boolean };

interface LockPackage {
  version?: string;
  engines?: { node?: string } | string[];
  optional?: boolean;
  os?: string[];
  cpu?: string[];
}

describe("npm install on this Node version", () => {
  it("installs no package whose engines field excludes the running Node", () => {
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockPackage> };
    const refused = Object.entries(lock.packages)
      .filter(([path]) => path !== "")
      // Platform-specific optional packages (esbuild's, for example) are not installed here at all.
      .filter(([, p]) => !(p.optional && ((p.os && !p.os.includes(process.platform)) || (p.cpu && !p.cpu.includes(process.arch)))))
      .filter(([, p]) => !Array.isArray(p.engines) && p.engines?.node !== undefined)
      .filter(([, p]) => !semver.satisfies(process.version, (p.engines as { node: string }).node))
      .map(([path, p]) => `${path}@${p.version} (node ${(p.engines as { node: string }).node})`);
    expect(refused).toEqual([]);
  });

  it("has no invalid or missing (peer) dependencies", () => {
    const r = spawnSync("npm", ["ls", "--all", "--json"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const problems = (JSON.parse(r.stdout) as { problems?: string[] }).problems ?? [];
    expect(problems).toEqual([]);
    expect(r.status).toBe(0);
  });
});
