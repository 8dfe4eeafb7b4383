/**
 * The HTTP status each error kind must get (docs/errors.md, Kinds), written out here rather than read from
 * the table under test (src/adapters/web/problem.ts), so that the tests check the table against the doc.
 */
import type { ErrorKind } from "../../src/core/errors.js";

export const EXPECTED_HTTP_STATUS: Record<ErrorKind, number> = {
  usage: 400,
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "too-large": 413,
  "unsupported-media-type": 415,
  "rate-limited": 429,
  unavailable: 503,
  internal: 500,
};
