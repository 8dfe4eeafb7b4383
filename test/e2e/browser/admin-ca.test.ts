/**
 * The CA page and its settings form in a real browser (Debian chromium through playwright-core) against
 * `tsca serve` on a web host without CA_DIR: the admin opens Inter from the tree by its name, follows
 * "Edit", puts a new OCSP URL into "OCSP URLs" and saves; then `tsca sign_cert --ca Inter` on the KEY HOST
 * signs a certificate whose AIA carries that URL (read by `openssl x509 -text`). The viewer (view on Inter
 * only) is offered no "Edit" and gets 403 when posting the form anyway with a valid CSRF token of its own
 * page. No console errors (CSP violations among them) on the pages. With TSCA_SCREENSHOT_DIR set, it saves
 * admin-ca.png and admin-ca-edit.png there (docs/screenshots).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaf } from "../../helpers/crl.js";
import { BACKENDS } from "../../helpers/databases.js";
import {
  BROWSER_AVAILABLE,
  consoleErrors,
  loggedInPage,
  startAdminHost,
  type AdminHost,
  sharedBrowser,
  SCREENSHOTS,
  hexSerial,
} from "../../helpers/browser.js";
import { tsca } from "../../helpers/cli.js";
import { x509Text } from "../../helpers/oracles.js";

describe.skipIf(!BROWSER_AVAILABLE)("web admin CA page in a browser", () => {
  const browser = sharedBrowser();

  describe.each(BACKENDS)("on %s, served without CA_DIR", (backend) => {
    let host: AdminHost;

    beforeAll(async () => {
      host = await startAdminHost(backend);
      // CRLs and the OCSP responder, so the page shows them (made on the key host, as in production).
      tsca(host.keyHost, ["generate_crls"]);
      tsca(host.keyHost, ["generate_ocsp_keys"]);
    });

    afterAll(async () => {
      await host?.close();
    });

    it("edits Inter's OCSP URLs in the form, and the next certificate sign_cert makes on the key host carries the URL", async () => {
      const { context, page } = await loggedInPage(browser(), host.base, "admin", host.password);
      const errors = consoleErrors(page);
      await page.goto(`${host.base}/admin/cas`);
      await Promise.all([
        page.waitForURL(`${host.base}/admin/cas/${hexSerial(host.pki.inter)}`),
        page.getByRole("link", { name: "Inter" }).click(),
      ]);
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Inter");
      expect(await page.getByRole("link", { name: "Root" }).getAttribute("href")).toBe(`/admin/cas/${hexSerial(host.pki.root)}`);
      expect(await page.getByRole("link", { name: "Issue certificate" }).getAttribute("href")).toBe(
        `/admin/issue?ca=${hexSerial(host.pki.inter)}`,
      );
      expect(await page.getByRole("table").getByRole("row").count()).toBeGreaterThan(1);
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "admin-ca.png"), fullPage: true });
      await Promise.all([page.waitForURL(/\/edit$/), page.getByRole("link", { name: "Edit" }).click()]);
      await page.getByLabel("OCSP URLs").fill("http://ocsp.changed.example/");
      expect(await page.getByLabel("Enabled").isChecked()).toBe(true);
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "admin-ca-edit.png"), fullPage: true });
      await Promise.all([
        page.waitForURL(`${host.base}/admin/cas/${hexSerial(host.pki.inter)}`),
        page.getByRole("button", { name: "Save" }).click(),
      ]);
      expect(await page.locator("main").textContent()).toContain("http://ocsp.changed.example/");
      expect(errors).toEqual([]);
      await context.close();

      const cert = leaf(host.keyHost, "Inter", "after-edit.example.test");
      const text = x509Text(cert.pem);
      expect(text).toMatch(/Authority Information Access:\s*\n\s*OCSP - URI:http:\/\/ocsp\.changed\.example\/\n/);
    });

    it("offers the viewer no Edit link, and refuses its form post with a valid CSRF token (403)", async () => {
      const { context, page } = await loggedInPage(browser(), host.base, "viewer", host.password);
      const errors = consoleErrors(page);
      await page.goto(`${host.base}/admin/cas`);
      await Promise.all([
        page.waitForURL(`${host.base}/admin/cas/${hexSerial(host.pki.inter)}`),
        page.getByRole("link", { name: "Inter" }).click(),
      ]);
      expect(await page.getByRole("link", { name: "Edit" }).count()).toBe(0);
      expect(await page.getByRole("link", { name: "Issue certificate" }).count()).toBe(0);
      const token = await page.locator('input[name="_csrf"]').first().getAttribute("value");
      expect(token).toBeTruthy();
      // Before the refusals below: the browser reports a 403 page load as a console error.
      expect(errors).toEqual([]);
      // The browser's own cookie jar, so the session and the token are the viewer's.
      const res = await context.request.post(`${host.base}/admin/cas/${hexSerial(host.pki.inter)}/edit`, {
        form: { _csrf: token!, ocsp_urls: "http://forged.example/", enabled: "on" },
        maxRedirects: 0,
      });
      expect(res.status()).toBe(403);
      expect(await res.text()).toContain("has no edit permission on CA Inter");
      const direct = await page.goto(`${host.base}/admin/cas/${hexSerial(host.pki.inter)}/edit`);
      expect(direct?.status()).toBe(403);
      expect(tsca(host.keyHost, ["view_ca", "Inter"])).not.toContain("forged.example");
      await context.close();
    });
  });
});
