/**
 * Schema failures as one TscaError naming the field: `body.sign.ocsp_urls[0]`, `querystring.limit`,
 * `params.ca`. The problem answer (problem.ts) then carries the same path in its `field` member, so a
 * script can point at what it sent wrong. The sentence says what the schema wanted, never echoes the value.
 */
import { TscaError } from "../../../core/errors.js";

/** The parts of an ajv-style error (TypeBox's Errors and Fastify both use this shape). */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `/sign/ocsp_urls/0` under `body` → `body.sign.ocsp_urls[0]` (JSON Pointer, RFC 6901 §4, unescaped). */
export function fieldPath(part: string, pointer: string): string {
  let out = part;
  for (const raw of pointer.split("/").slice(1)) {
    const token = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(token) ? `[${token}]` : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(token) ? `.${token}` : `[${JSON.stringify(token)}]`;
  }
  return out;
}

/** The most useful error first: an unknown field, then a missing one, then whatever the schema said. */
function pick(errors: readonly SchemaError[]): SchemaError | undefined {
  return (
    errors.find((e) => e.keyword === "additionalProperties") ??
    errors.find((e) => e.keyword === "required") ??
    errors.find((e) => e.keyword !== "boolean" && e.keyword !== "anyOf") ??
    errors[0]
  );
}

const listed = (v: unknown): string => (Array.isArray(v) ? String(v[0]) : String(v));

/** Fastify's schemaErrorFormatter for the API: `part` is body, querystring, params or headers. */
export function schemaError(errors: readonly SchemaError[], part: string): TscaError {
  const e = pick(errors);
  if (!e) return new TscaError("ERR_BAD_REQUEST", `The request's ${part} is invalid.`, { fields: { field: part } });
  let field = fieldPath(part, e.instancePath);
  let why: string;
  if (e.keyword === "additionalProperties") {
    field = `${field}.${listed(e.params.additionalProperties)}`;
    why = "is not a field of this request";
  } else if (e.keyword === "required") {
    field = `${field}.${listed(e.params.requiredProperties ?? e.params.missingProperty)}`;
    why = "is required";
  } else why = (e.message ?? "is invalid").slice(0, 200);
  return new TscaError("ERR_BAD_REQUEST", `${field}: ${why}.`, { fields: { field } });
}
