/**
 * The CRL history of an installation, read straight from the database (not through tsca) and parsed by
 * `openssl crl -inform DER -text`, and the monotonicity rules every CA and scope must obey (issue 14):
 *
 * - CRL numbers strictly increase (RFC 5280 §5.2.3) and openssl reads the number the row was stored with;
 * - a higher number never has an earlier thisUpdate (§5.1.2.4);
 * - every serial a lower-numbered CRL lists that is still revoked and not expired is on every
 *   higher-numbered one; a delta CRL (§5.2.4) counts as its base plus its entries minus its
 *   removeFromCRL entries (§5.3.1), and its base is the newest complete CRL numbered below it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "vitest";
import { openssl, type TscaEnv } from "./cli.js";
import { pgQuery } from "./oracles.js";

export interface CrlSeen {
  /** CA serial, scope and reasons: one number sequence. */
  sequence: string;
  number: number;
  thisUpdate: Date;
  /** BaseCRLNumber of a delta CRL, as openssl shows it; null for a complete CRL. */
  base: number | null;
  /** Serials listed (upper-case hex without leading zeros), and those listed with removeFromCRL. */
  listed: Set<string>;
  removed: Set<string>;
}

type CrlRow = {
  ca_serial: string;
  scope: string;
  only_some_reasons: string;
  number: number | string;
  der: Buffer;
};

const isPostgres = (t: TscaEnv): boolean => /^postgres(ql)?:/.test(t.env.TSCA_DATABASE_URL ?? "");

/** Serials compared as openssl prints them: upper-case hex, no leading zeros. */
export const normalSerial = (hex: string): string =>
  hex
    .toUpperCase()
    .replace(/:/g, "")
    .replace(/^0+(?=.)/, "");

async function rows<T extends object>(t: TscaEnv, query: string): Promise<T[]> {
  if (isPostgres(t)) return pgQuery<T>(t.env.TSCA_DATABASE_URL!, query);
  const path = join(t.home, "tsca.sqlite3");
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).all() as T[];
  } finally {
    db.close();
  }
}

/** One stored CRL as openssl reads it. */
export function parseCrlText(sequence: string, der: Buffer): CrlSeen {
  const r = openssl(["crl", "-inform", "DER", "-noout", "-text"], der);
  expect(r.code, r.stderr).toBe(0);
  const text = r.stdout;
  const number = Number(/X509v3 CRL Number: *\n\s+(\d+)/.exec(text)?.[1]);
  const base = /X509v3 Delta CRL Indicator: critical\n\s+(\d+)/.exec(text)?.[1];
  const listed = new Set<string>();
  const removed = new Set<string>();
  for (const entry of text.split(/\n\s+Serial Number: /).slice(1)) {
    const serial = normalSerial(/^([0-9A-Fa-f]+)/.exec(entry)![1]!);
    if (/Remove From CRL/.test(entry)) removed.add(serial);
    else listed.add(serial);
  }
  return {
    sequence,
    number,
    thisUpdate: new Date(/Last Update: (.*)\n/.exec(text)![1]!),
    base: base === undefined ? null : Number(base),
    listed,
    removed,
  };
}

/** Every stored CRL, grouped by CA and scope, each group in number order. */
export async function storedCrls(t: TscaEnv): Promise<Map<string, CrlSeen[]>> {
  const all = await rows<CrlRow>(t, "SELECT ca_serial, scope, only_some_reasons, number, der FROM crl ORDER BY number");
  const groups = new Map<string, CrlSeen[]>();
  for (const row of all) {
    const sequence = `${row.ca_serial}/${row.scope}/${row.only_some_reasons}`;
    const seen = parseCrlText(sequence, Buffer.from(row.der));
    expect(seen.number, `${sequence}: the number openssl reads is the stored one`).toBe(Number(row.number));
    groups.set(sequence, [...(groups.get(sequence) ?? []), seen]);
  }
  return groups;
}

/** Serials of certificates and CAs revoked now and not expired (what a newer CRL must still list). */
export async function stillRevoked(t: TscaEnv, now = new Date()): Promise<Set<string>> {
  const at = now.toISOString();
  const out = new Set<string>();
  for (const table of ["certificate", "certificate_authority"])
    for (const r of await rows<{ serial: string }>(t, `SELECT serial FROM ${table} WHERE revoked_at IS NOT NULL AND not_after > '${at}'`))
      out.add(normalSerial(r.serial));
  return out;
}

/** What a CRL says is revoked: a complete CRL's entries; a delta's base plus its entries minus removeFromCRL. */
function effective(crl: CrlSeen, group: CrlSeen[], violations: string[]): Set<string> {
  if (crl.base === null) return crl.listed;
  const base = group.find((c) => c.number === crl.base && c.base === null);
  if (!base) violations.push(`${crl.sequence}: the base #${crl.base} of delta CRL #${crl.number} is not stored`);
  const out = new Set([...(base?.listed ?? []), ...crl.listed]);
  for (const s of crl.removed) out.delete(s);
  return out;
}

/**
 * The monotonicity rules over every pair of CRLs of one CA and scope: returns every violation, one line
 * each (naming the sequence, both numbers and what went wrong), so that a test can expect none.
 */
export function monotonicityViolations(groups: Map<string, CrlSeen[]>, revoked: Set<string>): string[] {
  const out: string[] = [];
  for (const [sequence, group] of groups) {
    const sets = group.map((c) => effective(c, group, out));
    for (let j = 0; j < group.length; j++) {
      const later = group[j]!;
      if (later.base !== null) {
        const newestComplete = group.filter((c) => c.base === null && c.number < later.number).at(-1);
        if (later.base !== newestComplete?.number)
          out.push(
            `${sequence}: delta CRL #${later.number} is based on #${later.base}, not on the newest complete CRL #${newestComplete?.number}`,
          );
      }
      for (let i = 0; i < j; i++) {
        const earlier = group[i]!;
        if (later.number <= earlier.number) out.push(`${sequence}: CRL #${later.number} is stored after #${earlier.number}`);
        if (later.thisUpdate < earlier.thisUpdate)
          out.push(
            `${sequence}: CRL #${later.number} has thisUpdate ${later.thisUpdate.toISOString()}, earlier than #${earlier.number} (${earlier.thisUpdate.toISOString()})`,
          );
        const missing = [...sets[i]!].filter((s) => revoked.has(s) && !sets[j]!.has(s));
        if (missing.length)
          out.push(`${sequence}: CRL #${later.number} omits ${missing.join(", ")}, listed on #${earlier.number} and still revoked`);
      }
    }
  }
  return out;
}
