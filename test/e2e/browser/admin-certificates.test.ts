/**
 * The certificate pages in a real browser (Debian chromium through playwright-core) against `tsca serve` on a
 * web host without CA_DIR, sharing the database and the OCSP key directory with the key host: the admin
 * finds a certificate that `tsca sign_cert` made on the key host by searching the list, opens it by its
 * common name, revokes it choosing "Reason" key_compromise (keyCompromise) and a "Compromised" time, and
 * `openssl ocsp` against the web host's /ocsp then reports it revoked with that reason; the viewer (view
 * only) sees no "Revoke" button and gets 403 posting the revoke form with its own valid CSRF token. No
 * console error or CSP violation on the pages. With TSCA_SCREENSHOT_DIR set, it saves admin-certificates.png
 * and admin-certificate.png there (docs/screenshots).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tsca } from "../../helpers/cli.js";
import { leaf } from "../../helpers/crl.js";
import { BACKENDS } from "../../helpers/databases.js";
import { scratch } from "../../helpers/oracles.js";
import { ocspStatus, waitFor } from "../../helpers/serve.js";
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

describe.skipIf(!BROWSER_AVAILABLE)("web admin certificates in a browser", () => {
  const browser = sharedBrowser();

  describe.each(BACKENDS)("on %s, served without CA_DIR", (backend) => {
    let host: AdminHost;
    let victim: { pem: string; serial: string; hex: string };
    let other: { pem: string; serial: string; hex: string };
    let rootFile: string;
    let interFile: string;
    /** openssl ocsp against the web host's responder for Inter's end-entity certificates. */
    const ask = (file: string) =>
      ocspStatus(`${host.base}/ocsp/${hexSerial(host.pki.inter)}/cert/`, interFile, [file], rootFile, ["-verify_other", interFile]);

    beforeAll(async () => {
      host = await startAdminHost(backend, { TSCA_OCSP_POLL_INTERVAL: "100" });
      victim = leaf(host.keyHost, "Inter", "victim.example.test", ["--server", "--alt", "DNS:victim.example.test"]);
      other = leaf(host.keyHost, "Inter", "bystander.example.test", ["--client"]);
      leaf(host.keyHost, "Root", "rootleaf.example.test", ["--enduser", "--expires", "30"]);
      expect(tsca(host.keyHost, ["generate_ocsp_keys"])).toMatch(/"Inter" .* is current/);
      rootFile = scratch("root.pem", host.pki.rootPem);
      interFile = scratch("inter.pem", host.pki.interPem);
    });

    afterAll(async () => {
      await host?.close();
    });

    it("the admin finds the certificate, revokes it as keyCompromise with a compromise time, and OCSP says so", async () => {
      const victimFile = scratch("victim.pem", victim.pem);
      // The web host's responder picks up the key host's new OCSP keys; until then it cannot answer.
      await waitFor(async () => (await ask(victimFile)).out.includes(`${victimFile}: good`), 120_000, 250);

      const { context, page } = await loggedInPage(browser(), host.base, "admin", host.password);
      const errors = consoleErrors(page);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Certificates" }).click();
      await page.waitForURL(`${host.base}/admin/certificates`);
      expect(await page.getByRole("link", { name: "Issue certificate" }).getAttribute("href")).toBe("/admin/issue");
      for (const name of ["victim.example.test", "bystander.example.test", "rootleaf.example.test"])
        expect(await page.getByRole("link", { name }).count()).toBe(1);
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "admin-certificates.png"), fullPage: true });

      // Search, with a filter, through the labelled form.
      await page.getByLabel("Search").fill("vict");
      await page.getByLabel("Certificate authority").selectOption({ label: "Inter" });
      await page.getByLabel("Status").selectOption("valid");
      await Promise.all([
        page.waitForURL(/\/admin\/certificates\?q=vict&ca=[0-9A-F]+&status=valid/),
        page.getByRole("button", { name: "Search" }).click(),
      ]);
      expect(await page.getByRole("link", { name: "victim.example.test" }).count()).toBe(1);
      expect(await page.getByRole("link", { name: "bystander.example.test" }).count()).toBe(0);

      await Promise.all([
        page.waitForURL(`${host.base}/admin/certificates/${victim.hex}`),
        page.getByRole("link", { name: "victim.example.test" }).click(),
      ]);
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("victim.example.test");
      expect(await page.getByRole("link", { name: "Certificate and chain (PEM bundle)" }).getAttribute("href")).toBe(
        `/admin/certificates/${victim.hex}-bundle.pem`,
      );
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "admin-certificate.png"), fullPage: true });

      await page.getByLabel("Reason").selectOption("key_compromise");
      await page.getByLabel("Compromised").fill("2026-01-02T03:04:05Z");
      await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Revoke" }).click()]);
      await page.getByText("reason key_compromise").waitFor();
      expect(page.url()).toBe(`${host.base}/admin/certificates/${victim.hex}`);
      expect(await page.getByRole("button", { name: "Revoke" }).count()).toBe(0);
      expect(errors).toEqual([]);
      await context.close();

      // The web host's own OCSP responder (changes reach it through the database) reports the revocation.
      let out = "";
      await waitFor(
        async () => {
          out = (await ask(victimFile)).out;
          return out.includes(`${victimFile}: revoked`);
        },
        120_000,
        100,
      );
      expect(out).toContain("Response verify OK");
      expect(out).toMatch(/Reason: keyCompromise/);
      // And the key host's CLI sees the same revocation, with the compromise time.
      const view = JSON.parse(tsca(host.keyHost, ["view_cert", victim.serial, "--output-format", "json"])) as Record<string, unknown>;
      expect(view.revoked_reason).toBe("key_compromise");
      expect(view.compromised_at).toBe("2026-01-02T03:04:05.000Z");
      const audit = JSON.parse(tsca(host.keyHost, ["audit", "--action", "cert.revoke", "--json"])) as { actor: string; object: string }[];
      expect(audit.map((e) => [e.actor, e.object])).toContainEqual(["web:admin", `cert:${victim.hex}`]);
    });

    it("the viewer sees no Revoke button and gets 403 posting the form with its own valid CSRF token", async () => {
      const { context, page } = await loggedInPage(browser(), host.base, "viewer", host.password);
      const errors = consoleErrors(page);
      await page.goto(`${host.base}/admin/certificates`);
      expect(await page.getByRole("link", { name: "Issue certificate" }).count()).toBe(0);
      expect(await page.getByRole("link", { name: "rootleaf.example.test" }).count()).toBe(0);
      await Promise.all([
        page.waitForURL(`${host.base}/admin/certificates/${other.hex}`),
        page.getByRole("link", { name: "bystander.example.test" }).click(),
      ]);
      expect(await page.getByRole("button", { name: "Revoke" }).count()).toBe(0);
      expect(await page.getByLabel("Reason").count()).toBe(0);
      // The forged form: the viewer's own page token, posted from the page itself (same site, cookie sent).
      const token = await page.locator('input[name="_csrf"]').first().getAttribute("value");
      expect(token).toBeTruthy();
      const forged = await context.request.post(`${host.base}/admin/certificates/${other.hex}/revoke`, {
        form: { _csrf: token!, reason: "key_compromise" },
        maxRedirects: 0,
      });
      const status = forged.status();
      expect(await forged.text()).toContain("web:viewer has no revoke permission");
      expect(status).toBe(403);
      const view = JSON.parse(tsca(host.keyHost, ["view_cert", other.serial, "--output-format", "json"])) as Record<string, unknown>;
      expect(view.status).toBe("valid");
      expect(errors).toEqual([]);
      await context.close();
    });
  });
});
