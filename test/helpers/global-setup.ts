/**
 * Once per test run: build the CLI bundle, so end-to-end tests run exactly what users run, and give the
 * run its own temporary directory that is removed at the end.
 *
 * Every temporary directory the tests make (newHome(), mkdtemp in helpers and tests, and whatever the
 * tsca processes they start write to os.tmpdir()) goes below TMPDIR, which is set here for the workers
 * and inherited by their children. The teardown removes that one directory, so a run leaves nothing in
 * /tmp, whether a test cleaned up after itself, failed halfway or was killed with its worker.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Mount points at or below `dir` (tmpfs and bind mounts of the fault tests), deepest first. */
function mountsBelow(dir: string): string[] {
  if (!existsSync("/proc/self/mounts")) return [];
  return readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => (l.split(" ")[1] ?? "").replace(/\\040/g, " "))
    .filter((m) => m === dir || m.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
}

/** Make every directory below `dir` writable, so a test that left a read-only directory cannot block removal. */
function makeWritable(dir: string): void {
  try {
    chmodSync(dir, 0o700);
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (lstatSync(p).isDirectory()) makeWritable(p);
    }
  } catch {
    // Best effort; rmSync reports what is still in the way.
  }
}

export function removeRunDirectory(dir: string): void {
  // Never follow a mount out of the run directory: a bind mount shows another directory's files.
  for (const m of mountsBelow(dir)) spawnSync("umount", ["-l", m]);
  makeWritable(dir);
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

export default function setup(): () => void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  const runDir = mkdtempSync(join(tmpdir(), "tsca-run-"));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = runDir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    removeRunDirectory(runDir);
  };
}
