/**
 * Issuing from a CSR in a real browser (Debian chromium through playwright-core) against `tsca serve
 * --worker` (a single host: the worker in the server signs with the CA keys of its CA_DIR), on SQLite and
 * PostgreSQL: a CSR made by `openssl req` is pasted, "Read CSR" fills the subject and names, "Issue" goes
 * to the request's page, which reloads itself (Refresh, no script) until it shows the certificate issued;
 * the PEM downloaded from it passes `openssl verify` with Root as the trust anchor and Inter untrusted. A
 * DER file uploaded through "CSR file" (a multipart form, no script) is issued the same way. No console
 * error or CSP violation on the pages. With TSCA_SCREENSHOT_DIR, screenshots admin-issue.png and
 * admin-request.png.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCsr } from "../../helpers/certs.js";
import { BACKENDS } from "../../helpers/databases.js";
import {
  BROWSER_AVAILABLE,
  consoleErrors,
  loggedInPage,
  startAdminHost,
  type AdminHost,
  sharedBrowser,
  SCREENSHOTS,
} from "../../helpers/browser.js";
import { opensslVerify, ossl, scratch } from "../../helpers/oracles.js";
import { HANG_GUARD_MS } from "../../helpers/serve.js";

/** Waits (through the page's own reloads) until the request shows issued; returns the downloaded PEM. */
async function waitIssuedAndDownload(page: Page): Promise<string> {
  await page.locator(".status-request-issued").waitFor({ timeout: HANG_GUARD_MS });
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download PEM" }).click()]);
  return readFileSync(await download.path(), "utf8");
}

describe.skipIf(!BROWSER_AVAILABLE)("issuing from a CSR in a browser", () => {
  const browser = sharedBrowser();

  describe.each(BACKENDS)("on %s, tsca serve --worker", (backend) => {
    let host: AdminHost;

    beforeAll(async () => {
      host = await startAdminHost(backend, {}, { serveArgs: ["--worker"], serveOn: "key" });
    });

    afterAll(async () => {
      await host?.close();
    });

    it("issues a pasted CSR read into the form, and the downloaded certificate verifies", async () => {
      const { context, page } = await loggedInPage(browser(), host.base, "admin", host.password);
      const errors = consoleErrors(page);
      const csr = makeCsr("ec", "/C=AT/O=Example/CN=browser.example.test", {
        addext: ["subjectAltName=DNS:browser.example.test,DNS:www.browser.example.test"],
      });
      await page.goto(`${host.base}/admin/issue`);
      await page.getByLabel("CSR", { exact: true }).fill(csr.pem);
      await page.getByRole("button", { name: "Read CSR" }).click();
      await page.getByRole("status").waitFor();
      expect(await page.getByLabel("Subject", { exact: true }).inputValue()).toBe("C=AT,O=Example,CN=browser.example.test");
      expect(await page.getByLabel("Subject alternative names").inputValue()).toBe(
        "DNS:browser.example.test\nDNS:www.browser.example.test",
      );
      await page.getByLabel("Certificate authority").selectOption({ label: "Inter" });
      await page.getByLabel("Profile").selectOption("webserver");
      await page.getByLabel("Validity (days)").fill("30");
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "admin-issue.png"), fullPage: true });
      await Promise.all([page.waitForURL(/\/admin\/requests\/[0-9a-f]{32}$/), page.getByRole("button", { name: "Issue" }).click()]);
      const pem = await waitIssuedAndDownload(page);
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "admin-request.png"), fullPage: true });
      const verify = opensslVerify(host.pki.rootPem, [host.pki.interPem], pem);
      expect(verify.stdout, verify.stderr).toMatch(/: OK\n$/);
      const text = ossl(["x509", "-noout", "-subject", "-ext", "subjectAltName", "-dates"], pem);
      expect(text).toContain("subject=C = AT, O = Example, CN = browser.example.test");
      expect(text).toContain("DNS:browser.example.test, DNS:www.browser.example.test");
      const notBefore = Date.parse(/notBefore=(.*)/.exec(text)![1]!);
      const notAfter = Date.parse(/notAfter=(.*)/.exec(text)![1]!);
      expect(Math.round((notAfter - notBefore) / 86_400_000)).toBe(30);
      // The request page links the certificate's page.
      const serial = ossl(["x509", "-noout", "-serial"], pem)
        .trim()
        .replace(/^serial=/, "");
      expect(await page.getByRole("link", { name: (serial.match(/../g) ?? []).join(":") }).getAttribute("href")).toBe(
        `/admin/certificates/${serial}`,
      );
      expect(errors).toEqual([]);
      await context.close();
    });

    it("issues a DER CSR uploaded as a file, without script", async () => {
      const { context, page } = await loggedInPage(browser(), host.base, "admin", host.password);
      const errors = consoleErrors(page);
      const csr = makeCsr("rsa", "/CN=upload.example.test");
      const der = scratch("upload.der");
      writeFileSync(der, Buffer.from(csr.pem.replace(/-----[^-]+-----|\s/g, ""), "base64"));
      await page.goto(`${host.base}/admin/issue`);
      await page.getByLabel("CSR file").setInputFiles(der);
      await page.getByLabel("Certificate authority").selectOption({ label: "Inter" });
      await page.getByLabel("Subject alternative names").fill("DNS:upload.example.test");
      await Promise.all([page.waitForURL(/\/admin\/requests\/[0-9a-f]{32}$/), page.getByRole("button", { name: "Issue" }).click()]);
      const pem = await waitIssuedAndDownload(page);
      const verify = opensslVerify(host.pki.rootPem, [host.pki.interPem], pem);
      expect(verify.stdout, verify.stderr).toMatch(/: OK\n$/);
      expect(ossl(["x509", "-noout", "-subject"], pem)).toBe("subject=CN = upload.example.test\n");
      expect(errors).toEqual([]);
      await context.close();
    });

    it("shows a bad CSR's sentence on the form, with what was typed kept", async () => {
      const { context, page } = await loggedInPage(browser(), host.base, "admin", host.password);
      const errors = consoleErrors(page);
      await page.goto(`${host.base}/admin/issue`);
      await page.getByLabel("CSR", { exact: true }).fill("this is not a CSR");
      await page.getByLabel("Subject alternative names").fill("DNS:kept.example.test");
      await page.getByRole("button", { name: "Issue" }).click();
      await page.getByRole("alert").waitFor();
      expect(await page.getByRole("alert").textContent()).toBe("CSR: no PEM block labelled CERTIFICATE REQUEST.");
      expect(await page.getByLabel("CSR", { exact: true }).inputValue()).toBe("this is not a CSR");
      expect(await page.getByLabel("Subject alternative names").inputValue()).toBe("DNS:kept.example.test");
      // The 400 page's only console message is the failed load itself, not a CSP violation.
      expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
      await context.close();
    });
  });
});
