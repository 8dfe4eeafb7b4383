/**
 * Which process staged a pending key, precisely enough to survive PID reuse. A PID alone is not: after a
 * killed init_ca, its PID can go to an unrelated long-lived process, and recovery would then wait for that
 * process to end while the CA has no key. On Linux the stamp therefore adds the process start time
 * (field 22 of /proc/<pid>/stat, clock ticks since boot, see proc(5)) and the boot id: a live process
 * with the same PID but another start time or another boot is not the one that staged the key. Where
 * /proc is missing (other systems) the stamp is the PID alone and only a PID that is gone counts as dead.
 */
import { readFileSync } from "node:fs";

export interface ProcessStamp {
  pid: number;
  /** Start time in clock ticks since boot (Linux). */
  startTicks?: number;
  /** First hex digits of /proc/sys/kernel/random/boot_id (Linux). */
  boot?: string;
}

/** USER_HZ, the unit of /proc/<pid>/stat start times: 100 on every mainstream Linux architecture. */
const USER_HZ = 100;

interface ProcStat {
  state: string;
  startTicks: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (the command) is in parentheses and may hold spaces or ')': count from after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const startTicks = Number(fields[19]); // fields[0] is field 3 (state), so field 22 is fields[19]
    return Number.isSafeInteger(startTicks) ? { state: fields[0]!, startTicks } : undefined;
  } catch {
    return undefined;
  }
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

const bootId = (): string | undefined => readProc("/proc/sys/kernel/random/boot_id")?.trim().replace(/-/g, "").slice(0, 12);

/** Seconds since the epoch at boot (the `btime` line of /proc/stat). */
function bootTime(): number | undefined {
  const m = /^btime (\d+)$/m.exec(readProc("/proc/stat") ?? "");
  return m ? Number(m[1]) : undefined;
}

let own: string | undefined;

/** The stamp of this process, as it goes into a file name: `<pid>` or `<pid>-<startTicks>-<boot>`. */
export function ownStamp(): string {
  if (own === undefined) {
    const stat = procStat(process.pid);
    const boot = bootId();
    own = stat && boot ? `${process.pid}-${stat.startTicks}-${boot}` : String(process.pid);
  }
  return own;
}

export const STAMP_PATTERN = "\\d+(?:-\\d+-[0-9a-f]+)?";

export function parseStamp(text: string): ProcessStamp | undefined {
  const m = /^(\d+)(?:-(\d+)-([0-9a-f]+))?$/.exec(text);
  if (!m) return undefined;
  return { pid: Number(m[1]), ...(m[2] !== undefined ? { startTicks: Number(m[2]), boot: m[3]! } : {}) };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether the process that wrote a stamp may still be running. `writtenAtMs` (the file's mtime) answers
 * for stamps without a start time, written by older versions: a process that started after the file was
 * written did not write it. Errs on the side of "alive": a live creator's key must never be touched.
 */
export function stampedProcessMayBeAlive(stamp: ProcessStamp, writtenAtMs: number): boolean {
  if (stamp.pid === process.pid) {
    // This process knows its own stamp exactly; another stamp with its PID is from an earlier process.
    const mine = ownStamp();
    return stamp.startTicks === undefined ? mine === String(process.pid) : mine === `${stamp.pid}-${stamp.startTicks}-${stamp.boot}`;
  }
  if (!pidExists(stamp.pid)) return false;
  const stat = procStat(stamp.pid);
  if (!stat) return true; // no /proc: the PID is all there is
  if (stat.state === "Z") return false; // a zombie has exited; only its parent has not reaped it yet
  if (stamp.startTicks !== undefined) {
    const boot = bootId();
    if (boot !== undefined && stamp.boot !== undefined && boot !== stamp.boot) return false;
    return stat.startTicks === stamp.startTicks;
  }
  const booted = bootTime();
  if (booted === undefined) return true;
  // btime is whole seconds (up to 1 s early), so allow 1 s before calling the process younger than the file.
  const startedAtMs = (booted + stat.startTicks / USER_HZ) * 1000;
  return startedAtMs <= writtenAtMs + 1000;
}
