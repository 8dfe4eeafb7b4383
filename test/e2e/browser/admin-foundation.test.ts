/**
 * The web admin's foundation in a real browser (Debian chromium through playwright-core), against a real
 * `tsca serve` on a web host whose environment has no CA_DIR: logging in by the labelled form, a wrong
 * password refused with a message, the CA tree with its links, logging out (a page asked for afterwards
 * goes to the login form), a cross-site form post (from another site, so SameSite=Strict keeps the cookie
 * off it) and a same-site post without the CSRF token both refused, a link from another site that keeps
 * the session (the page reloads itself same-site), and no console error or CSP violation
 * on the pages. With TSCA_SCREENSHOT_DIR set, it saves screenshots of the pages there (docs/screenshots).
 */
import { existsSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

describe.skipIf(!BROWSER_AVAILABLE)("web admin in a browser", () => {
  const browser = sharedBrowser();

  describe.each(BACKENDS)("on %s, served without CA_DIR", (backend) => {
    let host: AdminHost;

    beforeAll(async () => {
      host = await startAdminHost(backend);
    });

    afterAll(async () => {
      await host?.close();
    });

    it("runs tsca serve with no CA_DIR in its environment, and makes none", async () => {
      expect(host.webHost.env.TSCA_CA_DIR).toBeUndefined();
      const { readFileSync } = await import("node:fs");
      const environ = readFileSync(`/proc/${host.server.proc.pid}/environ`, "latin1").split("\0");
      expect(environ.some((e) => e.startsWith("TSCA_CA_DIR="))).toBe(false);
      expect(existsSync(join(host.webHost.home, "ca"))).toBe(false);
    });

    it("logs in through the labelled form and shows the main navigation", async () => {
      const context = await browser().newContext();
      const page = await context.newPage();
      const errors = consoleErrors(page);
      await page.goto(`${host.base}/admin/cas`);
      expect(page.url()).toBe(`${host.base}/admin/login`);
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "admin-login.png") });
      await page.getByLabel("Username").fill("admin");
      await page.getByLabel("Password").fill(host.password);
      await Promise.all([page.waitForURL(`${host.base}/admin/`), page.getByRole("button", { name: "Log in" }).click()]);
      const nav = page.getByRole("navigation", { name: "Main" });
      expect(await nav.getByRole("link", { name: "Certificate authorities" }).getAttribute("href")).toBe("/admin/cas");
      expect(await nav.getByRole("link", { name: "Certificates" }).getAttribute("href")).toBe("/admin/certificates");
      expect(await page.getByRole("button", { name: "Log out" }).isVisible()).toBe(true);
      expect(errors).toEqual([]);
      await context.close();
    });

    it("refuses a wrong password with a message and stays on the login form", async () => {
      const context = await browser().newContext();
      const page = await context.newPage();
      await page.goto(`${host.base}/admin/login`);
      await page.getByLabel("Username").fill("admin");
      await page.getByLabel("Password").fill("not the password at all");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByRole("alert").waitFor();
      expect(await page.getByRole("alert").textContent()).toBe("The user name or password is wrong, or the user is disabled.");
      expect(page.url()).toBe(`${host.base}/admin/login`);
      await page.goto(`${host.base}/admin/cas`);
      expect(page.url()).toBe(`${host.base}/admin/login`);
      await context.close();
    });

    it("shows the CA tree with each CA linked to its page by name, and only what the user may view", async () => {
      const { context, page } = await loggedInPage(browser(), host.base, "admin", host.password);
      const errors = consoleErrors(page);
      await Promise.all([
        page.waitForURL(`${host.base}/admin/cas`),
        page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Certificate authorities" }).click(),
      ]);
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Certificate authorities");
      expect(await page.getByRole("link", { name: "Root", exact: true }).getAttribute("href")).toBe(
        `/admin/cas/${hexSerial(host.pki.root)}`,
      );
      expect(await page.getByRole("link", { name: "Inter", exact: true }).getAttribute("href")).toBe(
        `/admin/cas/${hexSerial(host.pki.inter)}`,
      );
      // Inter is listed inside Root's item, as list_cas --tree draws it.
      expect(
        await page
          .getByRole("listitem")
          .filter({ has: page.getByRole("link", { name: "Root", exact: true }) })
          .getByRole("link", { name: "Inter" })
          .count(),
      ).toBe(1);
      expect(await page.locator(".status").allTextContents()).toEqual(["valid", "valid"]);
      // The stylesheet was applied (served locally; CSP style-src 'self').
      expect(await page.locator("header.top").evaluate((e) => getComputedStyle(e).display)).toBe("flex");
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "admin-cas.png"), fullPage: true });
      expect(errors).toEqual([]);
      await context.close();

      const viewer = await loggedInPage(browser(), host.base, "viewer", host.password);
      await viewer.page.goto(`${host.base}/admin/cas`);
      expect(await viewer.page.getByRole("link", { name: "Inter", exact: true }).count()).toBe(1);
      expect(await viewer.page.getByRole("link", { name: "Root", exact: true }).count()).toBe(0);
      await viewer.context.close();
    });

    it("logs out: the next page asked for goes to the login form", async () => {
      const { context, page } = await loggedInPage(browser(), host.base, "admin", host.password);
      await page.goto(`${host.base}/admin/cas`);
      await Promise.all([page.waitForURL(`${host.base}/admin/login`), page.getByRole("button", { name: "Log out" }).click()]);
      await page.goto(`${host.base}/admin/cas`);
      expect(page.url()).toBe(`${host.base}/admin/login`);
      // Back in history to the CA page: it is not served from the cache (no-store), and the server sends the browser to login.
      await page.goBack();
      await page.reload();
      expect(page.url()).toBe(`${host.base}/admin/login`);
      await context.close();
    });

    it("refuses a cross-site form post and a same-site post without the CSRF token", async () => {
      const { context, page } = await loggedInPage(browser(), host.base, "admin", host.password);
      // Another site (localhost is not the same site as 127.0.0.1) with a form that posts to the admin's logout.
      const attacker: HttpServer = createServer((_req, res) => {
        res.setHeader("content-type", "text/html; charset=utf-8");
        res.end(
          `<!doctype html><form method="post" action="${host.base}/admin/logout"><button>Win a prize</button></form>` +
            `<a href="${host.base}/admin/cas">Open the admin</a>`,
        );
      });
      await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
      try {
        const port = (attacker.address() as AddressInfo).port;
        await page.goto(`http://localhost:${port}/`);
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url() === `${host.base}/admin/logout`),
          page.getByRole("button", { name: "Win a prize" }).click(),
        ]);
        expect(response.status()).toBe(401);
        // A plain link from that site to the admin keeps the session: the page reloads itself same-site.
        await page.goto(`http://localhost:${port}/`);
        await Promise.all([page.waitForURL(`${host.base}/admin/cas`), page.getByRole("link", { name: "Open the admin" }).click()]);
        await page.getByRole("heading", { name: "Certificate authorities" }).waitFor();
      } finally {
        await new Promise((resolve) => attacker.close(resolve));
      }
      // Still signed in: the forged logout did nothing.
      await page.goto(`${host.base}/admin/cas`);
      expect(page.url()).toBe(`${host.base}/admin/cas`);
      // Same site, with the session cookie (the context's cookie jar) but without the token: 403.
      const forged = await context.request.post(`${host.base}/admin/logout`, { form: { nothing: "here" }, maxRedirects: 0 });
      expect(forged.status()).toBe(403);
      expect(await forged.text()).toContain("ERR_CSRF");
      await page.goto(`${host.base}/admin/cas`);
      expect(page.url()).toBe(`${host.base}/admin/cas`);
      await context.close();
    });
  });
});
