/**
 * Schema failures as 400 problems naming the field (adapters/web/api/validation-errors.ts): JSON Pointers
 * (RFC 6901) turned into `body.sign.ocsp_urls[0]`, unknown and missing members named by their own path.
 */
import { describe, expect, it } from "vitest";
import { fieldPath, schemaError } from "../../../src/adapters/web/api/validation-errors.js";

describe("schema errors", () => {
  it("turn JSON Pointers into field paths", () => {
    expect(fieldPath("body", "")).toBe("body");
    expect(fieldPath("body", "/sign/ocsp_urls/0")).toBe("body.sign.ocsp_urls[0]");
    expect(fieldPath("querystring", "/limit")).toBe("querystring.limit");
    expect(fieldPath("body", "/a~1b/c~0d")).toBe('body["a/b"]["c~d"]');
  });

  it("name an unknown member, a missing one, or the failing value's field", () => {
    const unknown = schemaError(
      [
        { keyword: "boolean", instancePath: "/sign/x", params: {}, message: "schema is false" },
        { keyword: "additionalProperties", instancePath: "/sign", params: { additionalProperties: ["x"] } },
      ],
      "body",
    );
    expect(unknown).toMatchObject({ code: "ERR_BAD_REQUEST", fields: { field: "body.sign.x" } });
    expect(unknown.message).toBe("body.sign.x: is not a field of this request.");
    const missing = schemaError([{ keyword: "required", instancePath: "", params: { requiredProperties: ["csr"] } }], "body");
    expect(missing.fields.field).toBe("body.csr");
    const range = schemaError(
      [{ keyword: "maximum", instancePath: "/limit", params: { limit: 500 }, message: "must be <= 500" }],
      "querystring",
    );
    expect(range.message).toBe("querystring.limit: must be <= 500.");
  });
});
