/**
 * Expiry mail settings (README "Configuration", docs/operations.md "Expiry mail"): TSCA_SMTP_URL,
 * TSCA_MAIL_FROM and TSCA_EXPIRY_NOTIFY_DAYS, their defaults, the config-file form, and bad values refused
 * at start naming the setting and never showing the SMTP password.
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

describe("expiry mail settings", () => {
  it("default to no SMTP server, no From address, and 14, 7, 3 and 1 days", () => {
    expect(load()).toMatchObject({ smtpUrl: undefined, mailFrom: undefined, expiryNotifyDays: [14, 7, 3, 1] });
  });

  it("read the environment", () => {
    expect(
      load({
        TSCA_SMTP_URL: "smtps://ca:s3cret@mail.example.com",
        TSCA_MAIL_FROM: "Example CA <ca@example.com>",
        TSCA_EXPIRY_NOTIFY_DAYS: "1,30, 7",
      }),
    ).toMatchObject({
      smtpUrl: "smtps://ca:s3cret@mail.example.com",
      mailFrom: "Example CA <ca@example.com>",
      expiryNotifyDays: [30, 7, 1],
    });
  });

  it("read the config file, where the days may be a list", () => {
    const config = join(home, "mail.json");
    writeFileSync(config, JSON.stringify({ smtpUrl: "smtp://mail.example.com:587?requireTLS=true", expiryNotifyDays: [2, 10] }));
    expect(load({ TSCA_CONFIG: config })).toMatchObject({
      smtpUrl: "smtp://mail.example.com:587?requireTLS=true",
      expiryNotifyDays: [10, 2],
    });
  });

  it("refuse bad values, naming the setting, without the password", () => {
    const url = refused({ TSCA_SMTP_URL: "https://ca:s3cret@mail.example.com" });
    expect(url).toMatch(/^Invalid setting smtpUrl \(from environment variable TSCA_SMTP_URL\): must be smtp:/);
    expect(url).not.toContain("s3cret");
    expect(refused({ TSCA_MAIL_FROM: "not an address" })).toMatch(/^Invalid setting mailFrom .*Not a valid e-mail address/);
    expect(refused({ TSCA_EXPIRY_NOTIFY_DAYS: "7,0" })).toMatch(/^Invalid setting expiryNotifyDays .*is not a list of days/);
  });
});
