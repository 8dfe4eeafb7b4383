/**
 * The web admin's foundation (issue 9) through the real application (buildApp with the API and the admin
 * as `tsca serve` wires them) over a real installation (Root and Inter made by the CLI), on SQLite and
 * PostgreSQL: the session cookie's attributes, a new session id at login, idle and absolute expiry on a
 * clock the test moves, CSRF refusals, the security headers (and that OCSP, CRL and API routes have none
 * of them), login rate limits per address and per user name, a disabled user's session, the audit log,
 * and the REST API with a session and its CSRF token.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disableUser } from "../../../src/core/usecases/users.js";
import { BACKENDS } from "../../helpers/databases.js";
import { AdminAgent, TestClock, addUser, buildAdminApp, csrfIn, sessionSetCookie } from "../../helpers/admin-app.js";
import { closePkiInstallation, keyHostCaller, openPkiInstallation, type PkiInstallation } from "../../helpers/use-case-context.js";

const PASSWORD = "correct horse battery staple";
const IDLE_S = 600;
const MAX_AGE_S = 3_600;
const ATTEMPTS = 4;

describe.each(BACKENDS)("web admin foundation (%s)", (backend) => {
  let inst: PkiInstallation;
  let app: FastifyInstance;
  let clock: TestClock;
  const errors: unknown[] = [];

  const sessionRows = async () => inst.db.db.selectFrom("admin_session").selectAll().execute();
  const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
  const auditEvents = async (action: string) =>
    inst.db.db.selectFrom("audit_event").selectAll().where("action", "=", action).orderBy("seq").execute();

  beforeAll(async () => {
    inst = await openPkiInstallation(backend);
    await addUser(inst, "admin", PASSWORD, "superuser");
    await addUser(inst, "viewer", PASSWORD, [{ permission: "view", caSerial: inst.pki.inter.replace(/:/g, "") }]);
    await addUser(inst, "temp", PASSWORD, "superuser");
    await addUser(inst, "nopass", null, "superuser");
    // Starts now, after the CAs were made (they would be "not yet valid" on an earlier clock).
    clock = new TestClock();
    app = await buildAdminApp(inst, (e) => errors.push(e), {
      clock,
      env: {
        TSCA_ADMIN_SESSION_IDLE_TIMEOUT: String(IDLE_S),
        TSCA_ADMIN_SESSION_MAX_AGE: String(MAX_AGE_S),
        TSCA_ADMIN_LOGIN_ATTEMPTS_PER_MINUTE: String(ATTEMPTS),
        TSCA_TRUST_PROXY: "127.0.0.1",
      },
    });
  });

  afterAll(async () => {
    await app?.close();
    await closePkiInstallation(inst);
    expect(errors).toEqual([]);
  });

  // Each test gets its own client address (through the trusted proxy), so the per-address limit is per test.
  let n = 0;
  const agent = () => new AdminAgent(app, { "x-forwarded-for": `198.51.100.${++n}` });

  it("sends a page without a session to the login form, whose cookie is HttpOnly, SameSite=Strict, not Secure over http", async () => {
    const a = agent();
    const page = await a.get("/admin/cas");
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe("/admin/login");
    const form = await a.get("/admin/login");
    expect(form.statusCode).toBe(200);
    expect(form.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(form.body).toContain('<label for="username">Username</label>');
    expect(form.body).toContain('<label for="password">Password</label>');
    expect(form.body).toContain('autocomplete="current-password"');
    expect(form.body).toContain(">Log in</button>");
    expect(csrfIn(form.body).length).toBeGreaterThan(20);
    const cookie = sessionSetCookie(form)!;
    expect(cookie).toMatch(/^tsca_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    expect(cookie).not.toMatch(/Expires|Max-Age/);
    // The table holds the SHA-256 of the id, never the id.
    const rows = await sessionRows();
    expect(rows.map((r) => r.id_hash)).toContain(sha256(a.cookie!));
    expect(rows.map((r) => r.id_hash)).not.toContain(a.cookie);
    expect(JSON.stringify(rows)).not.toContain(a.cookie);
    // Nobody is signed in to it yet: it lives at most 15 minutes (a login form's time), here the shorter idle timeout.
    const row = rows.find((r) => r.id_hash === sha256(a.cookie!))!;
    expect(row.user_name).toBeNull();
    expect(Date.parse(row.expires_at) - Date.parse(row.created_at)).toBe(IDLE_S * 1000);
  });

  it("marks the cookie Secure when a trusted proxy says https, and not when an untrusted client says so", async () => {
    const viaProxy = await app.inject({ url: "/admin/login", headers: { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9" } });
    expect(sessionSetCookie(viaProxy)).toMatch(/; Secure/);
    expect(sessionSetCookie(viaProxy)).toMatch(/; SameSite=Strict/);
    const untrusted = await app.inject({ url: "/admin/login", remoteAddress: "192.0.2.7", headers: { "x-forwarded-proto": "https" } });
    expect(sessionSetCookie(untrusted)).toBeDefined();
    expect(sessionSetCookie(untrusted)).not.toMatch(/Secure/);
  });

  it("logs in with a new session id, kills the pre-login id and its CSRF token, and shows the navigation", async () => {
    const a = agent();
    const form = await a.get("/admin/login");
    const before = a.cookie!;
    const preLoginToken = csrfIn(form.body);
    const res = await a.post("/admin/login", { _csrf: preLoginToken, username: "admin", password: PASSWORD });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/admin/");
    expect(a.cookie).toBeDefined();
    expect(a.cookie).not.toBe(before);
    const hashes = (await sessionRows()).map((r) => r.id_hash);
    expect(hashes).not.toContain(sha256(before));
    const row = (await sessionRows()).find((r) => r.id_hash === sha256(a.cookie!))!;
    expect(row.user_name).toBe("admin");
    const home = await a.get("/admin/");
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('<a href="/admin/cas">Certificate authorities</a>');
    expect(home.body).toContain('<a href="/admin/certificates">Certificates</a>');
    expect(home.body).toContain(">Log out</button>");
    // The token of the pre-login session is worthless now.
    const stale = await a.post("/admin/logout", { _csrf: preLoginToken });
    expect(stale.statusCode).toBe(403);
    expect(stale.body).toContain("ERR_CSRF");
    expect((await a.get("/admin/cas")).statusCode).toBe(200);
    // The old cookie presented again is no session at all.
    const old = new AdminAgent(app, { "x-forwarded-for": "198.51.100.250" });
    old.cookie = before;
    expect((await old.get("/admin/cas")).statusCode).toBe(303);
    const logins = await auditEvents("session.login");
    expect(logins.some((e) => e.actor === "web:admin" && e.outcome === "success")).toBe(true);
  });

  it("refuses a wrong password, an unknown user and a user without a password with one sentence, and audits them", async () => {
    const sentences = new Set<string>();
    for (const [user, password] of [
      ["admin", "wrong password, long enough"],
      ["nobody", PASSWORD],
      ["nopass", PASSWORD],
    ] as const) {
      const a = agent();
      const res = await a.login(user, password);
      expect(res.statusCode).toBe(401);
      expect(res.body).toContain('role="alert"');
      sentences.add(/<p class="error" role="alert">([^<]*)<\/p>/.exec(res.body)![1]!);
      expect(res.body).not.toContain(password);
      expect((await a.get("/admin/cas")).statusCode).toBe(303);
    }
    expect([...sentences]).toEqual(["The user name or password is wrong, or the user is disabled."]);
    const failures = (await auditEvents("session.login")).filter((e) => e.outcome === "failure");
    expect(failures.map((e) => e.actor)).toEqual(expect.arrayContaining(["web:admin", "web:nobody", "web:nopass"]));
    expect(failures.map((e) => JSON.parse(e.detail).reason)).toEqual(
      expect.arrayContaining(["wrong password", "unknown user", "no password"]),
    );
    expect(JSON.stringify(failures)).not.toContain(PASSWORD);
  });

  it("refuses a form post without a valid CSRF token with 403, and a post without a session with 401", async () => {
    const a = agent();
    const form = await a.get("/admin/login");
    const noToken = await a.post("/admin/login", { username: "admin", password: PASSWORD });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(noToken.body).toContain("ERR_CSRF");
    const forged = await a.post("/admin/login", { _csrf: `${csrfIn(form.body)}x`, username: "admin", password: PASSWORD });
    expect(forged.statusCode).toBe(403);
    expect(a.cookie).toBeDefined();
    expect((await a.get("/admin/cas")).statusCode).toBe(303);
    // A cross-site form post arrives without the cookie (SameSite=Strict): not signed in.
    const anonymous = await app.inject({
      method: "POST",
      url: "/admin/logout",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "_csrf=x",
    });
    expect(anonymous.statusCode).toBe(401);
    // ... and stores no session: its cookie would replace the browser's signed-in one.
    expect(sessionSetCookie(anonymous)).toBeUndefined();
  });

  it("answers a cross-site navigation without the cookie with a same-site reload, not a new session", async () => {
    const res = await app.inject({ url: "/admin/cas", headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<meta http-equiv="refresh" content="0">');
    expect(res.body).not.toMatch(/<script/i);
    expect(sessionSetCookie(res)).toBeUndefined();
    // The reload comes same-site; without a session it then goes to the login form as usual.
    const again = await app.inject({ url: "/admin/cas", headers: { "sec-fetch-site": "same-origin" } });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe("/admin/login");
  });

  it("sends a strict CSP, frame-ancestors 'none', nosniff and no-referrer on admin pages only", async () => {
    const res = await agent().get("/admin/login");
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toMatch(/https?:/);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    expect(res.headers["cache-control"]).toBe("no-store");
    // No script and no inline style anywhere in the page.
    expect(res.body).not.toMatch(/<script|style=/i);
    const css = await app.inject({ url: "/admin/static/admin.css" });
    expect(css.statusCode).toBe(200);
    expect(css.headers["content-type"]).toMatch(/^text\/css/);
    // The other surfaces are untouched by the admin's plugins.
    for (const url of ["/healthz", "/api/v1/cas", `/crl/${inst.pki.root.replace(/:/g, "")}.crl`]) {
      const other = await app.inject({ url });
      expect(other.headers["content-security-policy"], url).toBeUndefined();
      expect(other.headers["x-frame-options"], url).toBeUndefined();
      expect(other.headers["set-cookie"], url).toBeUndefined();
    }
  });

  it("shows only the CAs the user may view, each linked to its page by name, with status, expiry and key type", async () => {
    const admin = agent();
    await admin.login("admin", PASSWORD);
    const all = await admin.get("/admin/cas");
    expect(all.statusCode).toBe(200);
    const root = inst.pki.root.replace(/:/g, "");
    const inter = inst.pki.inter.replace(/:/g, "");
    expect(all.body).toContain(`<a href="/admin/cas/${root}">Root</a>`);
    expect(all.body).toContain(`<a href="/admin/cas/${inter}">Inter</a>`);
    expect(all.body).toMatch(/status-valid">valid</);
    expect(all.body).toContain("EC");
    // Inter is nested under Root, as in list_cas --tree.
    expect(all.body.indexOf(`/admin/cas/${inter}`)).toBeGreaterThan(all.body.indexOf(`/admin/cas/${root}`));
    expect(all.body).toMatch(new RegExp(`${root}">Root</a>.*?<ul>.*?${inter}">Inter</a>`, "s"));
    const viewer = agent();
    await viewer.login("viewer", PASSWORD);
    const some = await viewer.get("/admin/cas");
    expect(some.body).toContain(`<a href="/admin/cas/${inter}">Inter</a>`);
    expect(some.body).not.toContain(`/admin/cas/${root}`);
  });

  it("ends a session after the idle timeout and after the maximum age, on the injected clock", async () => {
    const a = agent();
    await a.login("admin", PASSWORD);
    clock.advance((IDLE_S - 60) * 1000);
    expect((await a.get("/admin/cas")).statusCode).toBe(200);
    clock.advance((IDLE_S - 60) * 1000);
    // Used within the idle timeout each time: still alive, though more than one idle timeout since login.
    expect((await a.get("/admin/cas")).statusCode).toBe(200);
    const hash = sha256(a.cookie!);
    clock.advance((IDLE_S + 1) * 1000);
    expect((await a.get("/admin/cas")).statusCode).toBe(303);
    expect((await sessionRows()).map((r) => r.id_hash)).not.toContain(hash);

    const b = agent();
    await b.login("admin", PASSWORD);
    for (let used = 0; used < MAX_AGE_S - IDLE_S; used += IDLE_S - 60) {
      clock.advance((IDLE_S - 60) * 1000);
      expect((await b.get("/admin/")).statusCode).toBe(200);
    }
    clock.advance((IDLE_S - 60) * 1000);
    // Busy all along, but past the maximum age.
    expect((await b.get("/admin/")).statusCode).toBe(303);
  });

  it("deletes expired sessions nobody presents again", async () => {
    const a = agent();
    await a.login("admin", PASSWORD);
    const hash = sha256(a.cookie!);
    clock.advance((MAX_AGE_S + 1) * 1000);
    // Any request runs the sweep (at most every five minutes); then the row is gone without being presented.
    await agent().get("/admin/login");
    await expect.poll(async () => (await sessionRows()).map((r) => r.id_hash)).not.toContain(hash);
  });

  it("limits login attempts per address and failed ones per user name, with 429 and Retry-After", async () => {
    // Per address: every attempt counts, whatever the name.
    const a = agent();
    for (let i = 0; i < ATTEMPTS; i++) expect((await a.login(`guess${i}`, "wrong password, long enough")).statusCode).toBe(401);
    const limited = await a.login("admin", PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.body).toContain("Too many login attempts");
    expect((await a.get("/admin/cas")).statusCode).toBe(303);
    // Per user name: failures from many addresses lock the name, not other users.
    for (let i = 0; i < ATTEMPTS; i++) expect((await agent().login("viewer", "wrong password, long enough")).statusCode).toBe(401);
    expect((await agent().login("viewer", PASSWORD)).statusCode).toBe(429);
    expect((await agent().login("admin", PASSWORD)).statusCode).toBe(303);
    // After the minute, the name and the address may try again.
    clock.advance(61_000);
    expect((await agent().login("viewer", PASSWORD)).statusCode).toBe(303);
    expect((await a.login("admin", PASSWORD)).statusCode).toBe(303);
  });

  it("stops a disabled user's session at the next request", async () => {
    const a = agent();
    expect((await a.login("temp", PASSWORD)).statusCode).toBe(303);
    expect((await a.get("/admin/cas")).statusCode).toBe(200);
    const hash = sha256(a.cookie!);
    await disableUser(keyHostCaller(inst.db.db), inst.deps, { name: "temp" });
    expect((await a.get("/admin/cas")).statusCode).toBe(303);
    expect((await sessionRows()).map((r) => r.id_hash)).not.toContain(hash);
    expect((await a.login("temp", PASSWORD)).statusCode).toBe(401);
  });

  it("logs out: the row is deleted, the cookie cleared, the next page goes to login, and it is audited", async () => {
    const a = agent();
    await a.login("admin", PASSWORD);
    const page = await a.get("/admin/");
    const cookie = a.cookie!;
    const res = await a.post("/admin/logout", { _csrf: csrfIn(page.body) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/admin/login");
    expect(sessionSetCookie(res)).toMatch(/^tsca_session=;/);
    expect((await sessionRows()).map((r) => r.id_hash)).not.toContain(sha256(cookie));
    a.cookie = cookie;
    expect((await a.get("/admin/cas")).statusCode).toBe(303);
    const out = await auditEvents("session.logout");
    expect(out.some((e) => e.actor === "web:admin")).toBe(true);
  });

  it("lets the REST API use the session: reads with the cookie, changes only with X-CSRF-Token", async () => {
    const a = agent();
    await a.login("admin", PASSWORD);
    const list = await a.request({ method: "GET", url: "/api/v1/cas" });
    expect(list.statusCode).toBe(200);
    expect(
      list
        .json<{ items: { name: string }[] }>()
        .items.map((c) => c.name)
        .sort(),
    ).toEqual(["Inter", "Root"]);
    const patch = { method: "PATCH", url: "/api/v1/cas/Inter", payload: JSON.stringify({ website: "https://pki.example.test/" }) };
    const withoutToken = await a.request({ ...patch, headers: { "content-type": "application/merge-patch+json" } });
    expect(withoutToken.statusCode).toBe(403);
    expect(withoutToken.json<{ code: string }>().code).toBe("ERR_CSRF");
    const token = csrfIn((await a.get("/admin/")).body);
    const withToken = await a.request({ ...patch, headers: { "content-type": "application/merge-patch+json", "x-csrf-token": token } });
    expect(withToken.statusCode).toBe(200);
    expect(withToken.json<{ website: string }>().website).toBe("https://pki.example.test/");
    const edits = await auditEvents("ca.edit");
    expect(edits.at(-1)?.actor).toBe("web:admin");
    // A session that ended is a 401 for the API too.
    await a.post("/admin/logout", { _csrf: token });
    a.cookie = a.cookie ?? "";
    const ended = await app.inject({ url: "/api/v1/cas", headers: { cookie: `tsca_session=${"A".repeat(43)}` } });
    expect(ended.statusCode).toBe(401);
  });
});
