/**
 * The API's contract, checked on every response a test sees: the OpenAPI 3.1 document the server serves
 * (GET /api/openapi.json, loaded once per document source) must declare the response's status for its
 * operation, with the response's content type, and the body must validate against that schema (ajv's
 * JSON Schema 2020-12 dialect, the one OpenAPI 3.1 uses). Problem answers are held to it as much as
 * successes. Independent of the server's own validator (TypeBox's compiler).
 */
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { ValidateFunction } from "ajv";
import { expect } from "vitest";

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
}

export interface ContractResponse {
  method: string;
  /** The request path, query string allowed (it is ignored). */
  path: string;
  status: number;
  contentType: string | undefined;
  /** The body as text. */
  body: string;
}

interface Operation {
  pattern: RegExp;
  template: string;
  method: string;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

export class ApiContract {
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv: InstanceType<typeof Ajv2020.default>;

  constructor(readonly document: OpenApiDocument) {
    expect(document.openapi).toBe("3.1.0");
    // OpenAPI adds keywords of its own (description, examples on schemas are fine; `example`, `xml` … are not JSON Schema).
    this.ajv = new Ajv2020.default({ strict: false, allErrors: true });
    addFormats.default(this.ajv);
    for (const [template, methods] of Object.entries(document.paths))
      for (const [method, op] of Object.entries(methods)) {
        const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`);
        this.operations.push({ pattern, template, method: method.toUpperCase(), responses: op.responses ?? {} });
      }
  }

  /** Loads the document a server serves. */
  static async load(base: string): Promise<ApiContract> {
    const res = await fetch(`${base}/api/openapi.json`);
    expect(res.status).toBe(200);
    return new ApiContract((await res.json()) as OpenApiDocument);
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let v = this.validators.get(key);
    if (!v) {
      v = this.ajv.compile(schema as object);
      this.validators.set(key, v);
    }
    return v;
  }

  /** Fails the test unless the response is one the document declares, body included. */
  check(r: ContractResponse): void {
    const raw = r.path.split("?")[0]!;
    // A path with a malformed percent escape (the fuzzer makes them) is matched as sent.
    let path = raw;
    try {
      path = decodeURI(raw);
    } catch {
      // URIError: keep the raw path.
    }
    const what = `${r.method} ${r.path} → ${r.status}`;
    const op = this.operations.find((o) => o.method === r.method.toUpperCase() && o.pattern.test(path));
    // Unknown routes are 404 problems from the application, outside the document.
    if (!op) {
      expect(r.status, `${what}: no operation in the OpenAPI document`).toBe(404);
      return;
    }
    const declared = op.responses[String(r.status)] ?? op.responses.default;
    expect(declared, `${what}: status not declared for ${op.method} ${op.template}`).toBeDefined();
    const type = (r.contentType ?? "").split(";")[0]!.trim().toLowerCase();
    const content = declared!.content ?? {};
    if (Object.keys(content).length === 0) {
      expect(r.body, `${what}: no body declared`).toBe("");
      return;
    }
    expect(Object.keys(content), `${what}: content type ${type} not declared`).toContain(type);
    const schema = content[type]!.schema;
    const body: unknown = type.endsWith("json") ? JSON.parse(r.body) : r.body;
    const validate = this.validator(`${op.method} ${op.template} ${r.status} ${type}`, schema);
    expect(validate(body) ? [] : validate.errors, `${what}: body does not match the schema`).toEqual([]);
  }
}
