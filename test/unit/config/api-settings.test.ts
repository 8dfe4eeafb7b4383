/**
 * The REST API's limits (docs/api.md, "Rate limits"): their defaults, 0 turning the per-token limit off,
 * and bad values refused at start with one sentence naming the setting.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSettings } from "../../../src/config/settings.js";
import { isTscaError } from "../../../src/core/errors.js";

const home = mkdtempSync(join(tmpdir(), "tsca-settings-"));
const load = (env: Record<string, string> = {}) => loadSettings({ TSCA_HOME: home, ...env });

afterAll(() => rmSync(home, { recursive: true, force: true }));

function refused(env: Record<string, string>): string {
  try {
    load(env);
  } catch (e) {
    expect(isTscaError(e) && e.code).toBe("ERR_CONFIG");
    return (e as Error).message;
  }
  throw new Error("accepted");
}

describe("REST API limit settings", () => {
  it("default to 30 failed authentications per address and 6000 requests per token, a minute", () => {
    expect(load()).toMatchObject({ apiAuthFailuresPerMinute: 30, apiRateLimit: 6000 });
  });

  it("take 0 as no per-token limit, but never 0 failed authentications", () => {
    expect(load({ TSCA_API_RATE_LIMIT: "0", TSCA_API_AUTH_FAILURES_PER_MINUTE: "5" })).toMatchObject({
      apiRateLimit: 0,
      apiAuthFailuresPerMinute: 5,
    });
    expect(refused({ TSCA_API_AUTH_FAILURES_PER_MINUTE: "0" })).toContain("apiAuthFailuresPerMinute");
    expect(refused({ TSCA_API_RATE_LIMIT: "-1" })).toContain("TSCA_API_RATE_LIMIT");
    expect(refused({ TSCA_API_RATE_LIMIT: "lots" })).toContain("not a non-negative integer");
  });
});
