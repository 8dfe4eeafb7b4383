/**
 * The web admin's settings (README "Configuration", "Web admin"): session lifetimes, the login limit and
 * the trusted proxies, with their defaults and bad values refused at start with one sentence naming the
 * setting.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

describe("web admin settings", () => {
  it("default to 30 minutes idle, 12 hours at most, 10 login attempts a minute, and no trusted proxy", () => {
    expect(load()).toMatchObject({
      adminSessionIdleTimeout: 1800,
      adminSessionMaxAge: 43_200,
      adminLoginAttemptsPerMinute: 10,
      trustProxy: [],
    });
  });

  it("take addresses, CIDR ranges and proxy-addr's names as trusted proxies, from the environment or the config file", () => {
    expect(load({ TSCA_TRUST_PROXY: " 10.0.0.0/8, ::1,loopback, 192.0.2.7 " }).trustProxy).toEqual([
      "10.0.0.0/8",
      "::1",
      "loopback",
      "192.0.2.7",
    ]);
    const config = join(home, "proxy.json");
    writeFileSync(config, JSON.stringify({ trustProxy: ["127.0.0.1", "fd00::/8"] }));
    expect(load({ TSCA_CONFIG: config }).trustProxy).toEqual(["127.0.0.1", "fd00::/8"]);
  });

  it("refuse host names, bad ranges and non-positive lifetimes or limits", () => {
    expect(refused({ TSCA_TRUST_PROXY: "proxy.example.com" })).toContain('"proxy.example.com" is not an IP address');
    expect(refused({ TSCA_TRUST_PROXY: "10.0.0.0/33" })).toContain("TSCA_TRUST_PROXY");
    expect(refused({ TSCA_TRUST_PROXY: "10.0.0.1/8/8" })).toContain("TSCA_TRUST_PROXY");
    expect(refused({ TSCA_ADMIN_SESSION_IDLE_TIMEOUT: "0" })).toContain("adminSessionIdleTimeout");
    expect(refused({ TSCA_ADMIN_SESSION_MAX_AGE: "soon" })).toContain("TSCA_ADMIN_SESSION_MAX_AGE");
    expect(refused({ TSCA_ADMIN_LOGIN_ATTEMPTS_PER_MINUTE: "-3" })).toContain("adminLoginAttemptsPerMinute");
  });
});
