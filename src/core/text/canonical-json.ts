/**
 * Canonical JSON (RFC 8785 §3.2: object members sorted by their UTF-16 code units, numbers and strings as
 * ECMAScript serializes them, no whitespace). Values without a JSON form (undefined, functions) are
 * dropped as JSON.stringify drops them, and toJSON is honoured (a Date becomes its ISO text), so what is
 * stored and what is hashed are the same value. Used for the audit chain's hashes and for the keys under
 * which key stores are kept per backend options.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(JSON.parse(JSON.stringify(value ?? null)) as unknown));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== "object") return v;
  // fromEntries defines own properties, so a "__proto__" key stays a key instead of setting the prototype.
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}
