/** Text blocks shared by view_ca and view_cert: names, times, extensions, digests. */
import type { DescribedExtension } from "../../../core/x509/extensions/registry.js";
import { longName, shortName, type Name } from "../../../core/x509/name.js";

/** `2026-11-26 22:32:35 UTC`: always UTC, never the server's zone. */
export const formatTime = (d: Date): string =>
  d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, " UTC");

export function nameLines(label: string, name: Name): string[] {
  if (name.length === 0) return [`* ${label}: (empty)`];
  const lines = [`* ${label}:`];
  for (const rdn of name) for (const a of rdn) lines.push(`  * ${longName(a.oid)} (${shortName(a.oid)}): ${a.value}`);
  return lines;
}

export function extensionLines(extensions: DescribedExtension[]): string[] {
  const lines: string[] = [];
  for (const e of extensions) {
    lines.push(`* ${e.name}${e.critical ? " (critical)" : ""}:`);
    for (const l of e.lines) lines.push(`  ${l}`);
  }
  return lines;
}

export function digestLines(fingerprints: Record<string, string>): string[] {
  return ["Digest:", ...Object.entries(fingerprints).map(([alg, fp]) => `  ${alg}: ${fp}`)];
}

export const statusText = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
