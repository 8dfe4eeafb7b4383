/**
 * The web admin on a host without CA keys (issue 9, "Evidence"), in a real browser (Debian chromium through
 * playwright-core):
 *   - two hosts, one PostgreSQL: `tsca serve` on a web host with no CA_DIR at all (not in the served
 *     process's environment, no directory, no key file anywhere under its home), and `tsca worker` as a
 *     separate process on the key host. A CSR issued from the browser shows pending (the worker is not
 *     running yet), then issued once the worker runs (the page reloads itself), and the downloaded
 *     certificate passes `openssl verify`. Skipped with a printed reason without TSCA_TEST_POSTGRES_URL.
 *   - on every backend, `tsca serve` with no CA_DIR answers every admin page with 200 (the list `pages`: add a
 *     page there when it lands): the start page, the CA tree, a CA page, the certificate list and search, a
 *     certificate, the issue form, a signing request.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCsr } from "../../helpers/certs.js";
import { spawnTsca, tsca } from "../../helpers/cli.js";
import { leaf } from "../../helpers/crl.js";
import { BACKENDS, POSTGRES_URL } from "../../helpers/databases.js";
import {
  BROWSER_AVAILABLE,
  consoleErrors,
  loggedInPage,
  startAdminHost,
  type AdminHost,
  sharedBrowser,
  hexSerial,
} from "../../helpers/browser.js";
import { opensslVerify, ossl } from "../../helpers/oracles.js";
import { HANG_GUARD_MS } from "../../helpers/serve.js";

if (BROWSER_AVAILABLE && !POSTGRES_URL)
  console.warn("two-host admin test skipped: TSCA_TEST_POSTGRES_URL is not set (the split needs a shared PostgreSQL).");

/** Every file below `dir`. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** What shows the web host holds no CA key: no CA_DIR in the served process, no ca/ directory, no key file. */
function expectNoCaDir(host: AdminHost): void {
  expect(host.webHost.env.TSCA_CA_DIR).toBeUndefined();
  const environ = readFileSync(`/proc/${host.server.proc.pid}/environ`, "latin1").split("\0");
  expect(environ.some((e) => e.startsWith("TSCA_CA_DIR="))).toBe(false);
  expect(environ).toContain(`TSCA_HOME=${host.webHost.home}`);
  expect(existsSync(join(host.webHost.home, "ca"))).toBe(false);
  for (const file of filesUnder(host.webHost.home)) {
    expect(file).not.toMatch(/\.key$/);
    expect(readFileSync(file, "latin1")).not.toContain("PRIVATE KEY");
  }
}

describe.skipIf(!BROWSER_AVAILABLE)("the web admin without CA_DIR", () => {
  const browser = sharedBrowser();

  describe.skipIf(!POSTGRES_URL)("two hosts, one PostgreSQL: serve on the web host, tsca worker on the key host", () => {
    let host: AdminHost;
    let worker: ReturnType<typeof spawnTsca> | undefined;

    beforeAll(async () => {
      host = await startAdminHost("postgres");
    });

    afterAll(async () => {
      if (worker && worker.exitCode === null) {
        const exited = new Promise((resolve) => worker!.once("exit", resolve));
        worker.kill("SIGTERM");
        await exited;
      }
      await host?.close();
    });

    it("issues from the browser: pending until the key host's worker signs, then issued and verified", async () => {
      expectNoCaDir(host);
      const { context, page } = await loggedInPage(browser(), host.base, "admin", host.password);
      const errors = consoleErrors(page);
      const csr = makeCsr("ec", "/CN=split.example.test");
      // From the CA page's "Issue certificate" link, which preselects that CA.
      await page.goto(`${host.base}/admin/cas/${hexSerial(host.pki.inter)}`);
      await Promise.all([page.waitForURL(/\/admin\/issue\?ca=/), page.getByRole("link", { name: "Issue certificate" }).click()]);
      await page.getByLabel("CSR", { exact: true }).fill(csr.pem);
      expect(await page.getByLabel("Certificate authority").inputValue()).toBe(hexSerial(host.pki.inter));
      await page.getByLabel("Subject alternative names").fill("DNS:split.example.test");
      await Promise.all([page.waitForURL(/\/admin\/requests\/[0-9a-f]{32}$/), page.getByRole("button", { name: "Issue" }).click()]);
      // No worker anywhere yet: the request waits, and the page says so.
      expect(await page.locator(".status").textContent()).toBe("pending");
      expect(await page.getByRole("status").textContent()).toContain("Waiting for the signing worker on the key host");
      expect(await page.getByRole("link", { name: "Download PEM" }).count()).toBe(0);

      // The key host's worker, a separate process with the CA keys; the page reloads itself until issued.
      worker = spawnTsca(host.keyHost, ["worker"]);
      await page.locator(".status-request-issued").waitFor({ timeout: HANG_GUARD_MS });
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download PEM" }).click()]);
      const pem = readFileSync(await download.path(), "utf8");
      const verify = opensslVerify(host.pki.rootPem, [host.pki.interPem], pem);
      expect(verify.stdout, verify.stderr).toMatch(/: OK\n$/);
      expect(ossl(["x509", "-noout", "-ext", "subjectAltName"], pem)).toContain("DNS:split.example.test");
      // The request page links the certificate's page on the web host.
      const serial = ossl(["x509", "-noout", "-serial"], pem)
        .trim()
        .replace(/^serial=/, "");
      const [certPage] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${host.base}/admin/certificates/${serial}`),
        page.getByRole("link", { name: (serial.match(/../g) ?? []).join(":") }).click(),
      ]);
      expect(certPage.status()).toBe(200);
      // Signed on the key host, never on the web host: still no key there.
      expectNoCaDir(host);
      expect(errors).toEqual([]);
      await context.close();
    });
  });

  describe.each(BACKENDS)("every admin page on %s, served with no CA_DIR at all", (backend) => {
    let host: AdminHost;
    let pages: string[];

    beforeAll(async () => {
      host = await startAdminHost(backend);
      const cert = leaf(host.keyHost, "Inter", "walk.example.test");
      // A signing request to show (it stays pending: no worker runs here).
      const csr = makeCsr("ec", "/CN=walk-request.example.test");
      const id = tsca(host.keyHost, ["submit_request", "--ca", "Inter", "--csr", csr.path]).trim();
      const root = hexSerial(host.pki.root);
      const inter = hexSerial(host.pki.inter);
      /** The admin's pages, each with the data made above; add a page here when it lands. */
      pages = [
        "/admin/",
        "/admin/cas",
        `/admin/cas/${root}`,
        `/admin/cas/${inter}`,
        "/admin/issue",
        `/admin/issue?ca=${inter}`,
        `/admin/requests/${id}`,
        "/admin/certificates",
        "/admin/certificates?q=walk",
        `/admin/certificates/${cert.hex}`,
      ];
    });

    afterAll(async () => {
      await host?.close();
    });

    it("answers each with 200 and no console error", async () => {
      expectNoCaDir(host);
      const { context, page } = await loggedInPage(browser(), host.base, "admin", host.password);
      const errors = consoleErrors(page);
      const statuses: Record<string, number | undefined> = {};
      for (const path of pages) statuses[path] = (await page.goto(`${host.base}${path}`))?.status();
      expect(statuses).toEqual(Object.fromEntries(pages.map((p) => [p, 200])));
      expect(errors).toEqual([]);
      expectNoCaDir(host);
      await context.close();
    });
  });
});
