/**
 * Real faults for the real `tsca` process: system calls made to fail by strace's fault injection
 * (`-e inject=SYSCALL:error=EIO`), and file systems that are really read-only or really full (a read-only
 * bind mount, a small tmpfs). Both need privileges (ptrace, CAP_SYS_ADMIN) that CI has (root on a VM);
 * where they are missing, `*Unavailable()` says why so the test can skip with that reason printed.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, type RunResult, type TscaEnv } from "./cli.js";

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith("TSCA_")) delete base[k];
  return { ...base, ...env };
}

let straceProbe: string | undefined | null = null;

/** Why strace fault injection cannot be used here, or undefined when it can. */
export function straceUnavailable(): string | undefined {
  if (straceProbe === null) {
    const r = spawnSync("strace", ["-f", "-qq", "-o", "/dev/null", "-e", "trace=getpid", "-e", "inject=getpid:error=EIO", "true"]);
    straceProbe = r.error
      ? `strace is not installed (${r.error.message})`
      : r.status !== 0
        ? `strace cannot trace here: ${r.stderr}`
        : undefined;
  }
  return straceProbe;
}

/**
 * Run `tsca` under strace. `strace` holds the filter and injection options, e.g.
 * ["-e", "trace=rename", "-e", "inject=rename:error=EIO:when=1"]. The trace goes to `traceFile` (or nowhere).
 */
export function tscaUnderStrace(t: TscaEnv, args: string[], strace: string[], traceFile = "/dev/null"): RunResult {
  const r = spawnSync("strace", ["-f", "-qq", "-o", traceFile, ...strace, process.execPath, BIN, ...args], {
    env: childEnv(t.env),
    cwd: t.home,
    input: "",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8"), stdoutBytes: r.stdout };
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr?.toString() ?? r.error?.message}`);
}

let mountProbe: string | undefined | null = null;

/** Why mounts (tmpfs, read-only bind mounts) cannot be made here, or undefined when they can. */
export function mountUnavailable(): string | undefined {
  if (mountProbe === null) {
    const dir = mkdtempSync(join(tmpdir(), "fault-mount-probe-"));
    const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
    if (r.status === 0) {
      spawnSync("umount", [dir]);
      mountProbe = undefined;
    } else mountProbe = `cannot mount a tmpfs (needs root / CAP_SYS_ADMIN): ${r.stderr?.toString().trim() ?? r.error?.message}`;
    rmSync(dir, { recursive: true, force: true });
  }
  return mountProbe;
}

export interface Mount {
  path: string;
  release(): void;
}

/** `source` seen through a read-only bind mount: every write below it fails with EROFS, even for root. */
export function readOnlyView(source: string): Mount {
  const path = mkdtempSync(join(tmpdir(), "fault-ro-"));
  run("mount", ["--bind", source, path]);
  try {
    run("mount", ["-o", "remount,ro,bind", path]);
  } catch (e) {
    spawnSync("umount", [path]);
    throw e;
  }
  return {
    path,
    release: () => {
      run("umount", [path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** A fresh tmpfs of `sizeKiB`, for a file system that can really be full. */
export function smallFileSystem(sizeKiB: number): Mount {
  const path = mkdtempSync(join(tmpdir(), "fault-tmpfs-"));
  run("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k,mode=0700`, "tmpfs", path]);
  return {
    path,
    release: () => {
      run("umount", [path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Fill the file system of `dir` with a filler file until at most `leaveBytes` are free; returns the filler. */
export function fillUp(dir: string, leaveBytes = 0): string {
  const filler = join(dir, "filler");
  const fd = openSync(filler, "w");
  const chunk = Buffer.alloc(4096, 0x55);
  try {
    for (;;) {
      const { bavail, bsize } = statfsSync(dir);
      if (bavail * bsize <= leaveBytes) break;
      try {
        writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOSPC") break;
        throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}
