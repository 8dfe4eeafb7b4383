/**
 * The settings that bound what clients can make `tsca serve` hold (issue 14): their safe defaults, the
 * header timeout following a shorter request timeout down, and the one combination Node refuses (a
 * header timeout longer than the request timeout) refused at start with one sentence naming the setting.
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

describe("connection and OCSP memory limit settings", () => {
  it("have safe defaults", () => {
    expect(load()).toMatchObject({
      ocspCacheBytes: 64 * 1024 * 1024,
      httpHeadersTimeout: 5_000,
      httpRequestTimeout: 10_000,
      httpIdleTimeout: 65_000,
      httpMaxConnections: 10_000,
    });
  });

  it("are read from the environment", () => {
    const s = load({
      TSCA_OCSP_CACHE_BYTES: "1048576",
      TSCA_HTTP_HEADERS_TIMEOUT: "2000",
      TSCA_HTTP_REQUEST_TIMEOUT: "3000",
      TSCA_HTTP_IDLE_TIMEOUT: "4000",
      TSCA_HTTP_MAX_CONNECTIONS: "50",
    });
    expect(s).toMatchObject({
      ocspCacheBytes: 1_048_576,
      httpHeadersTimeout: 2_000,
      httpRequestTimeout: 3_000,
      httpIdleTimeout: 4_000,
      httpMaxConnections: 50,
    });
  });

  it("let a shorter request timeout alone pull the header timeout down with it", () => {
    expect(load({ TSCA_HTTP_REQUEST_TIMEOUT: "1000" })).toMatchObject({ httpHeadersTimeout: 1_000, httpRequestTimeout: 1_000 });
  });

  it("refuse a header timeout longer than the request timeout, and values that are not positive integers", () => {
    expect(refused({ TSCA_HTTP_HEADERS_TIMEOUT: "20000" })).toMatch(
      /^Invalid setting httpHeadersTimeout .*20000 ms must not exceed httpRequestTimeout \(10000 ms\)\.$/,
    );
    expect(refused({ TSCA_HTTP_MAX_CONNECTIONS: "0" })).toMatch(/TSCA_HTTP_MAX_CONNECTIONS/);
    expect(refused({ TSCA_OCSP_CACHE_BYTES: "64MiB" })).toMatch(/TSCA_OCSP_CACHE_BYTES/);
    expect(refused({ TSCA_HTTP_IDLE_TIMEOUT: "-1" })).toMatch(/TSCA_HTTP_IDLE_TIMEOUT/);
  });
});
