/**
 * The web admin's certificate pages (issue 9) through the real application over an installation whose
 * certificates the CLI made (`tsca sign_cert`), on SQLite and PostgreSQL: the list's search, filters and
 * keyset pages against what `tsca list_certs` lists; the certificate page against `openssl x509 -text`
 * (every extension it lists); the downloads read by openssl and the bundle checked with `openssl verify`;
 * revoke, release from hold and renew through the forms, seen by `tsca view_cert` and the audit log with
 * the web user; a view-only user offered none of it and refused with 403 even with a valid CSRF token;
 * invalid filters answered 400 with one sentence.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tsca } from "../../helpers/cli.js";
import { leaf } from "../../helpers/crl.js";
import { BACKENDS } from "../../helpers/databases.js";
import { AdminAgent, addUser, buildAdminApp, csrfIn } from "../../helpers/admin-app.js";
import { opensslExtensions, opensslVerify, ossl, x509Text } from "../../helpers/oracles.js";
import { pemBlocks } from "../../helpers/certs.js";
import { closePkiInstallation, openPkiInstallation, type PkiInstallation } from "../../helpers/use-case-context.js";

const PASSWORD = "correct horse battery staple";
const hex = (serial: string) => serial.replace(/:/g, "");

/** The hrefs of the certificate links in a list page, in order. */
const rowSerials = (html: string): string[] => [...html.matchAll(/<td><a href="\/admin\/certificates\/([0-9A-F]+)">/g)].map((m) => m[1]!);
const nextLink = (html: string): string | undefined =>
  /<a href="([^"]+)" rel="next">Next page<\/a>/.exec(html)?.[1]?.replace(/&amp;/g, "&");
const unescape = (s: string) =>
  s
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"');

interface ListedCert {
  serial: string;
  common_name: string;
  not_after: string;
  status: string;
}

describe.each(BACKENDS)("web admin certificates (%s)", (backend) => {
  let inst: PkiInstallation;
  let app: FastifyInstance;
  const errors: unknown[] = [];
  let admin: AdminAgent;
  let viewer: AdminAgent;
  const made: Record<string, { pem: string; serial: string; hex: string }> = {};

  const cli = (args: string[]) => tsca(inst.t, args);
  const listedByCli = (args: string[] = []): ListedCert[] =>
    JSON.parse(cli(["list_certs", "--expired", "--revoked", "--output-format", "json", ...args])) as ListedCert[];
  const auditEvents = async (action: string) =>
    inst.db.db.selectFrom("audit_event").selectAll().where("action", "=", action).orderBy("seq").execute();

  beforeAll(async () => {
    inst = await openPkiInstallation(backend);
    made.alpha1 = leaf(inst.t, "Inter", "alpha1.example.test", [
      "--server",
      "--alt",
      "DNS:alpha1.example.test",
      "--alt",
      "DNS:www.alpha1.example.test",
      "--expires",
      "30",
      "--watch",
      "ops@example.test",
    ]);
    made.alpha2 = leaf(inst.t, "Inter", "alpha2.example.test", ["--client", "--expires", "200"]);
    made.beta = leaf(inst.t, "Inter", "beta.example.test", ["--webserver", "--alt", "DNS:beta.example.test", "--expires", "100"]);
    made.rootleaf = leaf(inst.t, "Root", "rootleaf.example.test", ["--enduser", "--expires", "60"]);
    made.victim = leaf(inst.t, "Inter", "victim.example.test", ["--server", "--alt", "DNS:victim.example.test", "--expires", "90"]);
    made.hold = leaf(inst.t, "Inter", "hold.example.test", ["--server", "--alt", "DNS:hold.example.test", "--expires", "120"]);
    made.renew = leaf(inst.t, "Inter", "renew.example.test", ["--server", "--alt", "DNS:renew.example.test", "--expires", "150"]);
    await addUser(inst, "admin", PASSWORD, "superuser");
    await addUser(inst, "viewer", PASSWORD, [{ permission: "view", caSerial: hex(inst.pki.inter) }]);
    app = await buildAdminApp(inst, (e) => errors.push(e));
    admin = new AdminAgent(app, { "x-forwarded-for": "198.51.100.1" });
    viewer = new AdminAgent(app, { "x-forwarded-for": "198.51.100.2" });
    expect((await admin.login("admin", PASSWORD)).statusCode).toBe(303);
    expect((await viewer.login("viewer", PASSWORD)).statusCode).toBe(303);
  });

  afterAll(async () => {
    await app?.close();
    await closePkiInstallation(inst);
    expect(errors).toEqual([]);
  });

  it("lists what list_certs lists, in expiry order, each row linking to its certificate by its common name", async () => {
    const res = await admin.get("/admin/certificates");
    expect(res.statusCode).toBe(200);
    const cli = listedByCli();
    expect(cli.length).toBe(7);
    expect(rowSerials(res.body)).toEqual(cli.map((c) => hex(c.serial)));
    for (const c of cli) expect(res.body).toContain(`<a href="/admin/certificates/${hex(c.serial)}">${c.common_name}</a>`);
    expect(res.body).toContain('<a href="/admin/issue">Issue certificate</a>');
    for (const label of ["Search", "Certificate authority", "Status", "Profile", "Expiring within (days)"])
      expect(res.body).toMatch(new RegExp(`<label for="[a-z]+">${label.replace(/[()]/g, "\\$&")}</label>`));
    expect(res.body).toContain('<button type="submit">Search</button>');
    expect(nextLink(res.body)).toBeUndefined();
  });

  it("searches by common-name prefix, SAN prefix and serial prefix", async () => {
    const byName = await admin.get("/admin/certificates?q=alpha");
    expect(new Set(rowSerials(byName.body))).toEqual(new Set([made.alpha1!.hex, made.alpha2!.hex]));
    const bySan = await admin.get("/admin/certificates?q=www.alpha1");
    expect(rowSerials(bySan.body)).toEqual([made.alpha1!.hex]);
    const prefix = made.beta!.serial.split(":").slice(0, 4).join(":");
    const bySerial = await admin.get(`/admin/certificates?q=${encodeURIComponent(prefix)}`);
    expect(rowSerials(bySerial.body)).toContain(made.beta!.hex);
    for (const s of rowSerials(bySerial.body)) expect(s.startsWith(hex(prefix))).toBe(true);
    const none = await admin.get("/admin/certificates?q=nothing-like-this");
    expect(none.statusCode).toBe(200);
    expect(rowSerials(none.body)).toEqual([]);
    expect(none.body).toContain("No certificates match.");
  });

  it("filters by CA, profile and expiry like list_certs --ca and --expires-within", async () => {
    const inter = await admin.get(`/admin/certificates?ca=${hex(inst.pki.inter)}`);
    expect(rowSerials(inter.body)).toEqual(listedByCli(["--ca", "Inter"]).map((c) => hex(c.serial)));
    expect(rowSerials(inter.body)).not.toContain(made.rootleaf!.hex);
    expect(inter.body).toContain(`<option value="${hex(inst.pki.inter)}" selected>Inter</option>`);
    const root = await admin.get(`/admin/certificates?ca=${hex(inst.pki.root)}`);
    expect(rowSerials(root.body)).toEqual([made.rootleaf!.hex]);
    const client = await admin.get("/admin/certificates?profile=client");
    expect(rowSerials(client.body)).toEqual([made.alpha2!.hex]);
    const soon = await admin.get("/admin/certificates?expiring=45");
    expect(rowSerials(soon.body)).toEqual(listedByCli(["--expires-within", "45"]).map((c) => hex(c.serial)));
    expect(rowSerials(soon.body)).toEqual([made.alpha1!.hex]);
  });

  it("pages with the cursor: following Next page gives every certificate once, in order, filters kept", async () => {
    const all = listedByCli().map((c) => hex(c.serial));
    const seen: string[] = [];
    let url: string | undefined = "/admin/certificates?limit=2";
    let pages = 0;
    while (url) {
      const res = await admin.get(url);
      expect(res.statusCode).toBe(200);
      const rows = rowSerials(res.body);
      expect(rows.length).toBeLessThanOrEqual(2);
      seen.push(...rows);
      url = nextLink(res.body);
      if (url) expect(url).toMatch(/^\/admin\/certificates\?limit=2&cursor=[A-Za-z0-9_-]+$/);
      pages++;
    }
    expect(pages).toBe(Math.ceil(all.length / 2));
    expect(seen).toEqual(all);
    // The filters travel with the cursor.
    const first = await admin.get(`/admin/certificates?ca=${hex(inst.pki.inter)}&limit=1`);
    const next = nextLink(first.body)!;
    expect(next).toContain(`ca=${hex(inst.pki.inter)}`);
    const second = await admin.get(next);
    expect(rowSerials(second.body)).toEqual([listedByCli(["--ca", "Inter"]).map((c) => hex(c.serial))[1]]);
  });

  it("answers invalid filters with 400 and one sentence", async () => {
    for (const [query, sentence] of [
      ["status=bogus", "Status: Must be one of valid, revoked, expired, all."],
      ["expiring=soon", "Expiring within (days): Must be a whole number of days from 1 to 36500."],
      ["expiring=0", "Expiring within (days): Must be a whole number of days from 1 to 36500."],
      ["limit=9999", "Per page: Must be a whole number from 1 to 500."],
      ["cursor=not-a-cursor", "cursor: Not a cursor of this listing (pass next_cursor of the previous page unchanged)."],
      ["status=valid&status=revoked", "Status: Give it once."],
    ] as const) {
      const res = await admin.get(`/admin/certificates?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.body).toContain(`<p class="error" role="alert">${sentence}</p>`);
    }
  });

  it("answers an unknown certificate with 404 on the page, the downloads and the actions", async () => {
    const token = csrfIn((await admin.get("/admin/certificates")).body);
    for (const path of ["/admin/certificates/ABCDEF0123456789", "/admin/certificates/ABCDEF0123456789.der"]) {
      const res = await admin.get(path);
      expect(res.statusCode, path).toBe(404);
      expect(res.body).toContain("ABCDEF0123456789: Certificate not found.");
    }
    const res = await admin.post("/admin/certificates/ABCDEF0123456789/revoke", { _csrf: token, reason: "superseded" });
    expect(res.statusCode).toBe(404);
  });

  it("shows subject, SANs, validity, status, profile, the CA, the chain, and every extension openssl x509 -text lists", async () => {
    const res = await admin.get(`/admin/certificates/${made.alpha1!.hex}`);
    expect(res.statusCode).toBe(200);
    const body = unescape(res.body);
    const view = JSON.parse(cli(["view_cert", made.alpha1!.serial, "--output-format", "json"])) as Record<string, unknown>;
    expect(body).toContain(`<title>alpha1.example.test · tsca</title>`);
    expect(body).toContain(`<dd>${String(view.subject)}</dd>`);
    expect(body).toContain("<li>DNS:www.alpha1.example.test</li>");
    expect(body).toContain(`<time datetime="${String(view.not_after)}">`);
    expect(body).toContain(`<time datetime="${String(view.not_before)}">`);
    expect(body).toContain('<span class="status status-valid">valid</span>');
    expect(body).toContain("<dd>server</dd>");
    expect(body).toContain(`<a href="/admin/cas/${hex(inst.pki.inter)}">Inter</a>`);
    expect(body).toContain("ops@example.test");
    // The chain: the certificate, Inter, Root.
    const chain = /<ol class="chain">(.*?)<\/ol>/s.exec(body)![1]!;
    expect(chain).toContain(`<a href="/admin/cas/${hex(inst.pki.inter)}">C=AT,O=Example,CN=inter.example.test</a>`);
    expect(chain).toContain(`<a href="/admin/cas/${hex(inst.pki.root)}">C=AT,O=Example,CN=root.example.test</a>`);
    // Every extension openssl lists, with its criticality, is a row of the page's table.
    const table = /<table class="extensions">(.*?)<\/table>/s.exec(body)![1]!;
    const rows = [...table.matchAll(/<th scope="row">(.*?) <span class="oid">[0-9.]+<\/span><\/th><td>(critical|no)<\/td>/g)].map((m) => ({
      name: m[1]!,
      critical: m[2] === "critical",
    }));
    const openssl = opensslExtensions(x509Text(made.alpha1!.pem));
    expect(openssl.size).toBeGreaterThanOrEqual(6);
    expect(rows.length).toBe(openssl.size);
    const norm = (s: string) => s.replace(/^X509v3 /, "").toLowerCase();
    for (const [name, ext] of openssl) {
      const row = rows.find((r) => norm(r.name) === norm(name));
      expect(row, name).toBeDefined();
      expect(row!.critical, name).toBe(ext.critical);
    }
    // The values too, for the ones whose text both print alike.
    expect(table).toContain("DNS:www.alpha1.example.test");
    expect(table).toContain(openssl.get("X509v3 Subject Key Identifier")!.value);
  });

  it("downloads the certificate as PEM and DER and the chain bundle, which openssl reads and verifies", async () => {
    const base = `/admin/certificates/${made.beta!.hex}`;
    const pem = await admin.get(`${base}.pem`);
    expect(pem.statusCode).toBe(200);
    expect(pem.headers["content-type"]).toBe("application/x-pem-file");
    expect(pem.headers["content-disposition"]).toBe(`attachment; filename="${made.beta!.hex}.pem"`);
    expect(ossl(["x509", "-noout", "-serial"], pem.body).trim()).toBe(`serial=${made.beta!.hex}`);
    expect(pem.body).toBe(made.beta!.pem);

    const der = await admin.get(`${base}.der`);
    expect(der.statusCode).toBe(200);
    expect(der.headers["content-type"]).toBe("application/pkix-cert");
    expect(der.headers["content-disposition"]).toBe(`attachment; filename="${made.beta!.hex}.der"`);
    expect(ossl(["x509", "-inform", "DER", "-noout", "-serial"], der.rawPayload).trim()).toBe(`serial=${made.beta!.hex}`);

    const bundle = await admin.get(`${base}-bundle.pem`);
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers["content-type"]).toBe("application/pem-certificate-chain");
    expect(bundle.headers["content-disposition"]).toBe(`attachment; filename="${made.beta!.hex}-bundle.pem"`);
    const blocks = pemBlocks(bundle.body);
    expect(blocks.length).toBe(3);
    expect(blocks[0]).toBe(made.beta!.pem);
    expect(blocks[2]).toBe(inst.pki.rootPem);
    const v = opensslVerify(blocks[2]!, [blocks[1]!], blocks[0]!);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain("OK");
  });

  it("revokes with a reason and a compromise time, as revoke_cert would, audited with the web user", async () => {
    const url = `/admin/certificates/${made.victim!.hex}`;
    const page = await admin.get(url);
    expect(page.body).toContain('<label for="reason">Reason</label>');
    expect(page.body).toContain('<label for="compromised">Compromised</label>');
    const options = [
      .../<select id="reason" name="reason">(.*?)<\/select>/s.exec(page.body)![1]!.matchAll(/<option value="([a-z_]+)">\1<\/option>/g),
    ].map((m) => m[1]);
    // Exactly the names revoke_cert --reason takes, as its help lists them.
    const help = /revocation reason: ([a-z_, ]+) \(RFC/.exec(cli(["revoke_cert", "--help"]).replace(/\s+/g, " "))![1]!;
    expect(options).toEqual(help.split(", "));
    expect(page.body).toContain(">Revoke</button>");
    const res = await admin.post(`${url}/revoke`, {
      _csrf: csrfIn(page.body),
      reason: "key_compromise",
      compromised: "2026-01-02T03:04:05Z",
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(url);
    const view = JSON.parse(cli(["view_cert", made.victim!.serial, "--output-format", "json"])) as Record<string, unknown>;
    expect(view.status).toBe("revoked");
    expect(view.revoked_reason).toBe("key_compromise");
    expect(view.compromised_at).toBe("2026-01-02T03:04:05.000Z");
    const after = await admin.get(url);
    expect(after.body).toContain('<span class="status status-revoked">revoked</span>');
    expect(after.body).toContain("reason key_compromise");
    expect(after.body).not.toContain(">Revoke</button>");
    const events = await auditEvents("cert.revoke");
    expect(events.map((e) => [e.actor, e.object, e.outcome])).toContainEqual(["web:admin", `cert:${made.victim!.hex}`, "success"]);
    // Listed as revoked now.
    const revoked = await admin.get("/admin/certificates?status=revoked");
    expect(rowSerials(revoked.body)).toContain(made.victim!.hex);
    const valid = await admin.get("/admin/certificates?status=valid");
    expect(rowSerials(valid.body)).not.toContain(made.victim!.hex);
  });

  it("refuses a compromise time in the future or without a zone, and an unknown reason, with 400", async () => {
    const url = `/admin/certificates/${made.beta!.hex}`;
    const token = csrfIn((await admin.get(url)).body);
    for (const [form, sentence] of [
      [{ reason: "key_compromise", compromised: "2999-01-01T00:00:00Z" }, "2999-01-01T00:00:00Z: Timestamp must be in the past."],
      [
        { reason: "key_compromise", compromised: "2026-01-01T00:00:00" },
        "2026-01-01T00:00:00: Timestamp requires a time zone (Z or +hh:mm).",
      ],
      [{ reason: "because" }, "because: Unknown revocation reason"],
    ] as const) {
      const res = await admin.post(`${url}/revoke`, { _csrf: token, ...form });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain(sentence);
    }
    const view = JSON.parse(cli(["view_cert", made.beta!.serial, "--output-format", "json"])) as Record<string, unknown>;
    expect(view.status).toBe("valid");
  });

  it("puts a certificate on hold and releases it", async () => {
    const url = `/admin/certificates/${made.hold!.hex}`;
    const token = csrfIn((await admin.get(url)).body);
    expect((await admin.post(`${url}/revoke`, { _csrf: token, reason: "certificate_hold", compromised: "" })).statusCode).toBe(303);
    const held = await admin.get(url);
    expect(held.body).toContain("reason certificate_hold");
    expect(held.body).toContain(">Release from hold</button>");
    const res = await admin.post(`${url}/unrevoke`, { _csrf: csrfIn(held.body) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(url);
    const view = JSON.parse(cli(["view_cert", made.hold!.serial, "--output-format", "json"])) as Record<string, unknown>;
    expect(view.status).toBe("valid");
    expect((await auditEvents("cert.unrevoke")).map((e) => e.actor)).toEqual(["web:admin"]);
    // Only a certificate on hold can be released: 409 with one sentence.
    const again = await admin.post(`${url}/unrevoke`, { _csrf: csrfIn(held.body) });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain("Only a certificate on hold");
  });

  it("renews through the signing queue and goes to the request's page", async () => {
    const url = `/admin/certificates/${made.renew!.hex}`;
    const page = await admin.get(url);
    expect(page.body).toContain(">Renew</button>");
    const res = await admin.post(`${url}/renew`, { _csrf: csrfIn(page.body) });
    expect(res.statusCode).toBe(303);
    const id = /^\/admin\/requests\/([0-9a-f]{32})$/.exec(String(res.headers.location))?.[1];
    expect(id).toBeDefined();
    const row = await inst.db.db.selectFrom("signing_request").selectAll().where("id", "=", id!).executeTakeFirstOrThrow();
    expect(row.status).toBe("pending");
    expect(row.requested_by).toBe("web:admin");
    expect(row.ca_serial).toBe(hex(inst.pki.inter));
    expect(JSON.parse(row.parameters)).toMatchObject({ resigns: made.renew!.hex, profile: "server" });
    expect((await auditEvents("request.submit")).map((e) => [e.actor, e.object])).toContainEqual(["web:admin", `request:${id}`]);
  });

  it("offers a view-only user no action and refuses forged posts with 403, even with a valid CSRF token", async () => {
    const list = await viewer.get("/admin/certificates");
    expect(list.statusCode).toBe(200);
    expect(rowSerials(list.body)).toEqual(listedByCli(["--ca", "Inter"]).map((c) => hex(c.serial)));
    expect(list.body).not.toContain("Issue certificate");
    expect(list.body).not.toContain(">Root</option>");
    const url = `/admin/certificates/${made.alpha2!.hex}`;
    const page = await viewer.get(url);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(">Revoke</button>");
    expect(page.body).not.toContain(">Renew</button>");
    expect(page.body).not.toContain('name="reason"');
    const token = csrfIn(page.body);
    for (const action of ["revoke", "unrevoke", "renew"]) {
      const res = await viewer.post(`${url}/${action}`, { _csrf: token, reason: "key_compromise" });
      expect(res.statusCode, action).toBe(403);
      expect(res.body).toContain("web:viewer has no");
    }
    const view = JSON.parse(cli(["view_cert", made.alpha2!.serial, "--output-format", "json"])) as Record<string, unknown>;
    expect(view.status).toBe("valid");
    // A certificate of a CA the viewer may not view: 403 for the page, the downloads and the listing filter.
    for (const path of [
      `/admin/certificates/${made.rootleaf!.hex}`,
      `/admin/certificates/${made.rootleaf!.hex}.pem`,
      `/admin/certificates?ca=${hex(inst.pki.root)}`,
    ])
      expect((await viewer.get(path)).statusCode, path).toBe(403);
    const denied = await auditEvents("cert.revoke");
    expect(denied.filter((e) => e.actor === "web:viewer").map((e) => e.outcome)).toEqual(["failure"]);
  });
});
