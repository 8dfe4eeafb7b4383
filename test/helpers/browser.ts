/**
 * Browser tests of the web admin: playwright-core driving Debian's chromium (/usr/bin/chromium; never a
 * downloaded browser), against a real `tsca serve` started as a web host without CA_DIR. One browser per
 * test file (`launchBrowser` in beforeAll), a fresh context (cookie jar) per user (`loggedInPage`).
 *
 * Without /usr/bin/chromium the browser tests skip with a printed reason; .ci/run installs it, so CI runs
 * them. `startAdminHost` makes the installation: a key host (CLI with CA_DIR: Root, Inter, users) and a
 * web host sharing only the database, whose environment has no CA_DIR at all.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { newHome, tsca, type TscaEnv } from "./cli.js";
import { makePki, type Pki } from "./crl.js";
import { freshDatabaseUrl, type Backend } from "./databases.js";
import { disposeInstallation } from "./dispose-installation.js";
import { startServe, type Server } from "./serve.js";

export const CHROMIUM = "/usr/bin/chromium";

/** Whether the browser tests can run here; otherwise they are skipped (and the reason printed once). */
export const BROWSER_AVAILABLE = existsSync(CHROMIUM);

if (!BROWSER_AVAILABLE && !process.env.TSCA_BROWSER_SKIP_NOTICE_SHOWN) {
  process.env.TSCA_BROWSER_SKIP_NOTICE_SHOWN = "1";
  console.warn(`Browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it).`);
}

/** The launch options proven with Debian's chromium (shared/reference/wave2-stack.md §1). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Where the browser tests write their screenshots (docs/screenshots), when asked to. */
export const SCREENSHOTS = process.env.TSCA_SCREENSHOT_DIR;

/** A serial as the admin's URLs carry it: hex without colons. */
export const hexSerial = (serial: string): string => serial.replace(/:/g, "");

/**
 * One browser for the calling test file (or describe block): launched in its beforeAll, closed in its
 * afterAll. The returned function gives the browser inside tests.
 */
export function sharedBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser!;
}

/**
 * Console errors of a page (CSP violations among them: Chromium reports each as a console error), so a
 * test can require none.
 */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

/** Logs in through the form in a fresh context; the page is then on /admin/. */
export async function loggedInPage(
  browser: Browser,
  base: string,
  user: string,
  password: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/admin/login`);
  await page.getByLabel("Username").fill(user);
  await page.getByLabel("Password").fill(password);
  await Promise.all([page.waitForURL(`${base}/admin/`), page.getByRole("button", { name: "Log in" }).click()]);
  return { context, page };
}

export interface AdminHost {
  keyHost: TscaEnv;
  webHost: TscaEnv;
  pki: Pki;
  server: Server;
  base: string;
  /** Password of every user made by startAdminHost. */
  password: string;
  close: () => Promise<void>;
}

export const ADMIN_PASSWORD = "correct horse battery staple for browsers";

/** How startAdminHost runs `tsca serve`: extra arguments, and on which host (the key host for `--worker`). */
export interface AdminServeOptions {
  serveArgs?: string[];
  /** "key": serve on the key host (its CA_DIR), e.g. `serve --worker` signing in-process; default "web". */
  serveOn?: "web" | "key";
}

/**
 * A key host with Root and Inter and the users `admin` (superuser) and `viewer` (view on Inter), made by the
 * CLI, and `tsca serve` on a web host that shares only the database (and the OCSP key directory) with it.
 */
export async function startAdminHost(
  backend: Backend,
  serveEnv: Record<string, string> = {},
  opts: AdminServeOptions = {},
): Promise<AdminHost> {
  const keyHome = newHome("tsca-keyhost-");
  const webHome = newHome("tsca-webhost-");
  const ocspDir = mkdtempSync(join(tmpdir(), "tsca-ocsp-shared-"));
  const dbUrl = (await freshDatabaseUrl(backend)) ?? join(keyHome, "tsca.sqlite3");
  const keyHost: TscaEnv = { home: keyHome, env: { TSCA_HOME: keyHome, TSCA_DATABASE_URL: dbUrl, TSCA_OCSP_KEY_DIR: ocspDir } };
  const webHost: TscaEnv = {
    home: webHome,
    env: { TSCA_HOME: webHome, TSCA_DATABASE_URL: dbUrl, TSCA_OCSP_KEY_DIR: ocspDir, ...serveEnv },
  };
  const pki = makePki(keyHost);
  const passwordFile = join(keyHome, "password.txt");
  writeFileSync(passwordFile, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
  tsca(keyHost, ["create_user", "admin", "--superuser", "--password-file", passwordFile]);
  tsca(keyHost, ["create_user", "viewer", "--password-file", passwordFile]);
  tsca(keyHost, ["grant", "viewer", "view", "--ca", "Inter"]);
  const serveHost = opts.serveOn === "key" ? { ...keyHost, env: { ...keyHost.env, ...serveEnv } } : webHost;
  const server = await startServe(serveHost, opts.serveArgs ?? []);
  return {
    keyHost,
    webHost,
    pki,
    server,
    base: server.base,
    password: ADMIN_PASSWORD,
    close: async () => {
      await server.stop();
      await disposeInstallation(keyHost);
      await disposeInstallation(webHost);
      rmSync(ocspDir, { recursive: true, force: true });
    },
  };
}
