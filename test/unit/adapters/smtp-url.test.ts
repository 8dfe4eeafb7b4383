/** TSCA_SMTP_URL as the SMTP mailer reads it, and the form messages show (never the password). */
import { describe, expect, it } from "vitest";
import { describeSmtpUrl, parseSmtpUrl } from "../../../src/adapters/mail/smtp-mailer.js";

describe("parseSmtpUrl", () => {
  it("smtp:// is port 25 with STARTTLS when offered; smtps:// is TLS on 465", () => {
    expect(parseSmtpUrl("smtp://mail.example.com")).toEqual({
      host: "mail.example.com",
      port: 25,
      secure: false,
      requireTLS: false,
      ignoreTLS: false,
    });
    expect(parseSmtpUrl("smtps://mail.example.com")).toMatchObject({ port: 465, secure: true });
    expect(parseSmtpUrl("smtp://mail.example.com:587?requireTLS=true")).toMatchObject({ port: 587, secure: false, requireTLS: true });
    expect(parseSmtpUrl("smtp://[::1]:2525")).toMatchObject({ host: "::1", port: 2525 });
  });
  it("percent-decodes user and password for SMTP AUTH", () => {
    expect(parseSmtpUrl("smtp://ca%40example.com:p%40ss%2Fw%20rd@mail.example.com").auth).toEqual({
      user: "ca@example.com",
      pass: "p@ss/w rd",
    });
  });
  it.each([
    ["http://user:s3cret@mail.example.com", /is not an smtp:\/\/ or smtps:\/\/ URL/],
    ["smtp://user:s3cret@mail.example.com?pool=true", /unknown parameter pool/],
    ["smtp://user:s3cret@mail.example.com?requireTLS=yes", /requireTLS must be true or false/],
    ["not a url s3cret", /is not a URL/],
  ])("refuses %s without showing the password", (url, message) => {
    let error: Error | undefined;
    try {
      parseSmtpUrl(url);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain("s3cret");
  });
});

describe("describeSmtpUrl", () => {
  it("replaces the password", () => {
    expect(describeSmtpUrl("smtps://ca:s3cret@mail.example.com:465")).toBe("smtps://ca:…@mail.example.com:465");
    expect(describeSmtpUrl("smtp://mail.example.com")).toBe("smtp://mail.example.com");
  });
});
