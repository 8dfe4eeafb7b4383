/**
 * The web admin's CA page and its signing-settings form (issue 9) through the real application over a real
 * installation (Root and Inter made by the CLI, CRLs and the OCSP responder by generate_crls and
 * generate_ocsp_keys), on SQLite and PostgreSQL: everything view_ca shows but never the key's location, the
 * parent and children, CRLs downloaded as stored and parsed by `openssl crl`, the responder's validity,
 * the form's validation (400 with the sentence and the input kept), 403 without "edit", and the audit row
 * with the web user.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tsca } from "../../helpers/cli.js";
import { BACKENDS } from "../../helpers/databases.js";
import { AdminAgent, addUser, buildAdminApp, csrfIn } from "../../helpers/admin-app.js";
import { openssl } from "../../helpers/cli.js";
import { closePkiInstallation, openPkiInstallation, type PkiInstallation } from "../../helpers/use-case-context.js";

const PASSWORD = "correct horse battery staple";
const plain = (s: string) => s.replace(/:/g, "");

/** Decodes the HTML entities preact writes in text, so the test compares what a browser shows. */
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");

describe.each(BACKENDS)("web admin CA page (%s)", (backend) => {
  let inst: PkiInstallation;
  let app: FastifyInstance;
  let inter: string;
  let root: string;
  const errors: unknown[] = [];
  const keyPaths: string[] = [];

  beforeAll(async () => {
    inst = await openPkiInstallation(backend);
    inter = plain(inst.pki.inter);
    root = plain(inst.pki.root);
    tsca(inst.t, ["generate_crls"]);
    tsca(inst.t, ["generate_ocsp_keys"]);
    // Where the keys are, as view_ca on the key host says: none of it may show on a page.
    for (const ca of ["Root", "Inter"]) {
      const path = /\* path: (.+)/.exec(tsca(inst.t, ["view_ca", ca]))?.[1];
      expect(path).toBeTruthy();
      keyPaths.push(path!);
    }
    await addUser(inst, "admin", PASSWORD, "superuser");
    await addUser(inst, "viewer", PASSWORD, [{ permission: "view", caSerial: inter }]);
    app = await buildAdminApp(inst, (e) => errors.push(e));
  });

  afterAll(async () => {
    await app?.close();
    await closePkiInstallation(inst);
    expect(errors).toEqual([]);
  });

  const signedIn = async (user: string): Promise<AdminAgent> => {
    const a = new AdminAgent(app);
    expect((await a.login(user, PASSWORD)).statusCode).toBe(303);
    return a;
  };

  it("shows what view_ca shows, without the key location, with parent, CRLs, the OCSP responder and the actions", async () => {
    const a = await signedIn("admin");
    const res = await a.get(`/admin/cas/${inter}`);
    expect(res.statusCode).toBe(200);
    const html = res.body;
    const shown = text(html);
    const json = JSON.parse(tsca(inst.t, ["view_ca", "--output-format", "json", "Inter"])) as Record<string, unknown>;
    expect(shown).toContain("Inter");
    expect(shown).toContain(`Subject ${json.subject as string}`);
    expect(shown).toContain(`Serial ${json.serial as string}`);
    expect(shown).toContain(`Issuer ${json.issuer as string}`);
    expect(shown).toContain(`Signature algorithm ${json.signature_algorithm as string}`);
    expect(shown).toContain((json.fingerprints as Record<string, string>)["SHA-256"]);
    expect(shown).toContain((json.fingerprints as Record<string, string>)["SHA-512"]);
    for (const e of json.extensions as { name: string }[]) expect(shown).toContain(e.name);
    for (const u of (json.sign as Record<string, string[]>).ocsp_urls!) expect(shown).toContain(u.replace(/^URI:/, ""));
    expect(html).toContain(`<a href="/admin/cas/${root}">Root</a>`);
    expect(html).toContain(`<a href="/admin/cas/${inter}/edit">Edit</a>`);
    expect(html).toContain(`<a href="/admin/issue?ca=${inter}">Issue certificate</a>`);
    expect(html).toContain((json.pem as string).split("\n")[1]);
    // Never the key's location, nor anything about where keys are kept.
    for (const p of keyPaths) expect(html).not.toContain(p);
    expect(html).not.toContain(inst.t.home);
    expect(shown).not.toContain("Key storage");
    // The responder: the certificate generate_ocsp_keys made, with its validity.
    const responder = await inst.deps.responders.get(inter);
    expect(responder).toBeDefined();
    expect(shown).toContain(
      `Valid until ${responder!.notAfter
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d{3}Z$/, " UTC")}`,
    );
    // CRLs: the stored ones, by number.
    const stored = await inst.deps.crls.list(inter);
    expect(stored.length).toBeGreaterThan(0);
    const full = stored.find((c) => c.scope.kind === "all" && !c.delta)!;
    expect(html).toContain(`<td>full</td><td>${full.number}</td>`);
    expect(html).toContain(`href="/admin/cas/${inter}/crl/all.der"`);
    // The root's page lists Inter as its child.
    const rootPage = await a.get(`/admin/cas/${root}`);
    expect(rootPage.body).toContain(`<a href="/admin/cas/${inter}">Inter</a>`);
    for (const p of keyPaths) expect(rootPage.body).not.toContain(p);
  });

  it("finds a CA by name too, and answers 404 for an unknown one", async () => {
    const a = await signedIn("admin");
    const byName = await a.get("/admin/cas/Inter");
    expect(byName.statusCode).toBe(200);
    expect(byName.body).toContain(`<a href="/admin/cas/${inter}/edit">Edit</a>`);
    const unknown = await a.get("/admin/cas/NoSuchCa");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain("ERR_CA_NOT_FOUND");
    expect((await a.get(`/admin/cas/${inter}/crl/nonsense.der`)).statusCode).toBe(404);
    expect((await a.get(`/admin/cas/${inter}/crl/all.txt`)).statusCode).toBe(404);
    // A URL no admin route has is an HTML page in the admin's layout, not the API's problem+json.
    const nowhere = await a.get("/admin/no/such/page");
    expect(nowhere.statusCode).toBe(404);
    expect(nowhere.headers["content-type"]).toMatch(/^text\/html/);
    expect(nowhere.body).toContain("ERR_ROUTE_NOT_FOUND");
    expect(nowhere.body).toContain("Not found");
  });

  it("serves the stored CRLs as DER and PEM, which openssl parses, and the CA certificate", async () => {
    const a = await signedIn("admin");
    const der = await a.get(`/admin/cas/${inter}/crl/all.der`);
    expect(der.statusCode).toBe(200);
    expect(der.headers["content-type"]).toBe("application/pkix-crl");
    const parsed = openssl(["crl", "-inform", "DER", "-noout", "-text"], der.rawPayload);
    expect(parsed.code, parsed.stderr).toBe(0);
    expect(parsed.stdout).toContain("Issuer: C = AT, O = Example, CN = inter.example.test");
    const latest = await inst.deps.crls.latest(inter, { kind: "all", onlySomeReasons: [] }, "complete");
    expect(Buffer.compare(der.rawPayload, latest!.der)).toBe(0);
    const pem = await a.get(`/admin/cas/${inter}/crl/user.pem`);
    expect(pem.statusCode).toBe(200);
    const fromPem = openssl(["crl", "-noout", "-text"], pem.body);
    expect(fromPem.code, fromPem.stderr).toBe(0);
    expect(fromPem.stdout).toContain("Only User Certificates");
    const cert = await a.get(`/admin/cas/${inter}/certificate.pem`);
    expect(cert.body).toBe(tsca(inst.t, ["dump_ca", "Inter"]));
    const chain = await a.get(`/admin/cas/${inter}/chain.pem`);
    expect(chain.body).toBe(tsca(inst.t, ["dump_ca", "Inter"]) + tsca(inst.t, ["dump_ca", "Root"]));
  });

  it("the viewer sees Inter without Edit or Issue, gets 403 for Root and for the form, even with a valid CSRF token", async () => {
    const v = await signedIn("viewer");
    const own = await v.get(`/admin/cas/${inter}`);
    expect(own.statusCode).toBe(200);
    expect(own.body).not.toContain(">Edit</a>");
    expect(own.body).not.toContain("Issue certificate");
    expect((await v.get(`/admin/cas/${root}`)).statusCode).toBe(403);
    expect((await v.get(`/admin/cas/${root}/crl/all.der`)).statusCode).toBe(403);
    expect((await v.get(`/admin/cas/${root}/certificate.der`)).statusCode).toBe(403);
    const getForm = await v.get(`/admin/cas/${inter}/edit`);
    expect(getForm.statusCode).toBe(403);
    expect(getForm.body).toContain("has no edit permission on CA Inter");
    const before = (await inst.deps.cas.get(inter))!;
    // Even an invalid value is refused for the permission, not the value: validation is for those who may edit.
    const post = await v.post(`/admin/cas/${inter}/edit`, { _csrf: csrfIn(own.body), ocsp_urls: "ftp://nope.example/" });
    expect(post.statusCode).toBe(403);
    const post2 = await v.post(`/admin/cas/${inter}/edit`, { _csrf: csrfIn(own.body), ocsp_urls: "http://forged.example/" });
    expect(post2.statusCode).toBe(403);
    expect((await inst.deps.cas.get(inter))!.signOcspUrls).toEqual(before.signOcspUrls);
  });

  it("refuses a URL without a scheme with 400, the sentence and the input kept, and changes nothing", async () => {
    const a = await signedIn("admin");
    const form = await a.get(`/admin/cas/${inter}/edit`);
    expect(form.statusCode).toBe(200);
    for (const label of ["CRL URLs", "OCSP URLs", "Issuer URLs", "Freshest CRL URLs", "Issuer alternative names", "Enabled"])
      expect(form.body).toMatch(new RegExp(`<label for="[a-z_]+">${label}</label>`));
    expect(form.body).toContain(">Save</button>");
    const before = (await inst.deps.cas.get(inter))!;
    const res = await a.post(`/admin/cas/${inter}/edit`, {
      _csrf: csrfIn(form.body),
      crl_urls: "http://crl.kept.example/inter.crl",
      ocsp_urls: "http://ocsp.ok.example/\nocsp.no-scheme.example",
      enabled: "on",
    });
    expect(res.statusCode).toBe(400);
    expect(text(res.body)).toContain("OCSP URLs, line 2: ocsp.no-scheme.example is not a URL starting with http:// or https://.");
    expect(res.body).toContain("http://ocsp.ok.example/\nocsp.no-scheme.example</textarea>");
    expect(res.body).toContain("http://crl.kept.example/inter.crl</textarea>");
    const after = (await inst.deps.cas.get(inter))!;
    expect(after.signOcspUrls).toEqual(before.signOcspUrls);
    expect(after.signCrlUrls).toEqual(before.signCrlUrls);
  });

  it("saves the settings, shows them on the CA page and audits the change with the web user", async () => {
    const a = await signedIn("admin");
    const form = await a.get(`/admin/cas/${inter}/edit`);
    const res = await a.post(`/admin/cas/${inter}/edit`, {
      _csrf: csrfIn(form.body),
      crl_urls: "http://crl.new.example/{SERIAL_HEX}.crl\n\nldap://ldap.example/cn=Inter",
      ocsp_urls: "http://ocsp.changed.example/",
      issuer_urls: "",
      freshest_crl_urls: "",
      issuer_alternative_names: "URI:http://ian.example/",
      enabled: "on",
    });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe(`/admin/cas/${inter}`);
    const ca = (await inst.deps.cas.get(inter))!;
    expect(ca.signOcspUrls).toEqual(["URI:http://ocsp.changed.example/"]);
    expect(ca.signCrlUrls).toEqual([`URI:http://crl.new.example/${inter}.crl`, "URI:ldap://ldap.example/cn=Inter"]);
    expect(ca.signIssuerUrls).toEqual([]);
    expect(ca.signIssuerAltNames).toEqual(["URI:http://ian.example/"]);
    expect(ca.enabled).toBe(true);
    const shown = text((await a.get(`/admin/cas/${inter}`)).body);
    expect(shown).toContain("OCSP URLs http://ocsp.changed.example/");
    expect(shown).toContain("Issuer alternative names URI:http://ian.example/");
    const audit = await inst.db.db
      .selectFrom("audit_event")
      .selectAll()
      .where("action", "=", "ca.edit")
      .orderBy("seq", "desc")
      .executeTakeFirst();
    expect(audit).toMatchObject({ actor: "web:admin", object: `ca:${inter}`, outcome: "success" });
    expect(String(audit!.detail)).toContain("signOcspUrls");
    expect(String(audit!.detail)).not.toContain("enabled");
    // The same command-line view shows the change.
    expect(tsca(inst.t, ["view_ca", "Inter"])).toContain("* OCSP URL: http://ocsp.changed.example/");
  });

  it("disables and enables the CA through the checkbox", async () => {
    const a = await signedIn("admin");
    let form = await a.get(`/admin/cas/${inter}/edit`);
    expect(form.body).toMatch(/<input type="checkbox" id="enabled" name="enabled" value="on" checked/);
    const stored = (await inst.deps.cas.get(inter))!;
    const same = {
      crl_urls: stored.signCrlUrls.map((u) => u.replace(/^URI:/, "")).join("\n"),
      ocsp_urls: stored.signOcspUrls.map((u) => u.replace(/^URI:/, "")).join("\n"),
      issuer_urls: stored.signIssuerUrls.map((u) => u.replace(/^URI:/, "")).join("\n"),
      issuer_alternative_names: stored.signIssuerAltNames.join("\n"),
    };
    expect((await a.post(`/admin/cas/${inter}/edit`, { _csrf: csrfIn(form.body), ...same })).statusCode).toBe(303);
    expect((await inst.deps.cas.get(inter))!.enabled).toBe(false);
    const audit = await inst.db.db
      .selectFrom("audit_event")
      .selectAll()
      .where("action", "=", "ca.edit")
      .orderBy("seq", "desc")
      .executeTakeFirst();
    expect(JSON.parse(String(audit!.detail))).toMatchObject({ changed: ["enabled"] });
    form = await a.get(`/admin/cas/${inter}/edit`);
    expect(form.body).not.toMatch(/name="enabled" value="on" checked/);
    expect(text((await a.get(`/admin/cas/${inter}`)).body)).toContain("Enabled No");
    expect((await a.post(`/admin/cas/${inter}/edit`, { _csrf: csrfIn(form.body), ...same, enabled: "on" })).statusCode).toBe(303);
    expect((await inst.deps.cas.get(inter))!.enabled).toBe(true);
  });

  it("sets certificate policies, default profile and default expiry through the form, validated like edit_ca", async () => {
    const a = await signedIn("admin");
    let form = await a.get(`/admin/cas/${inter}/edit`);
    for (const label of ["Certificate policies", "Default profile", "Default expiry \\(days\\)"])
      expect(form.body).toMatch(new RegExp(`<label for="[a-z_]+">${label}</label>`));
    const stored = (await inst.deps.cas.get(inter))!;
    const same = {
      crl_urls: stored.signCrlUrls.map((u) => u.replace(/^URI:/, "")).join("\n"),
      ocsp_urls: stored.signOcspUrls.map((u) => u.replace(/^URI:/, "")).join("\n"),
      issuer_urls: stored.signIssuerUrls.map((u) => u.replace(/^URI:/, "")).join("\n"),
      issuer_alternative_names: stored.signIssuerAltNames.join("\n"),
      enabled: "on",
    };
    const badExpiry = await a.post(`/admin/cas/${inter}/edit`, { _csrf: csrfIn(form.body), ...same, default_expires_days: "ten" });
    expect(badExpiry.statusCode).toBe(400);
    expect(text(badExpiry.body)).toContain("Default expiry (days): ten is not a whole number of days");
    expect(badExpiry.body).toContain('value="ten"');
    const badPolicy = await a.post(`/admin/cas/${inter}/edit`, {
      _csrf: csrfIn(form.body),
      ...same,
      certificate_policies: "1.2.3\nanyPolicy",
    });
    expect(badPolicy.statusCode).toBe(400);
    expect(text(badPolicy.body)).toContain("Certificate policies, line 2: anyPolicy: anyPolicy is for CA certificates");
    const badProfile = await a.post(`/admin/cas/${inter}/edit`, { _csrf: csrfIn(form.body), ...same, default_profile: "nosuch" });
    expect(badProfile.statusCode).toBe(400);
    expect(text(badProfile.body)).toContain("nosuch: Profile is not defined");
    expect((await inst.deps.cas.get(inter))!.defaultProfile).toBeNull();
    const ok = await a.post(`/admin/cas/${inter}/edit`, {
      _csrf: csrfIn(form.body),
      ...same,
      certificate_policies: "2.23.140.1.2.1\n1.3.6.1.4.1.99999.7; cps:https://pki.example/cps",
      default_profile: "client",
      default_expires_days: "30",
    });
    expect(ok.statusCode, ok.body).toBe(303);
    const ca = (await inst.deps.cas.get(inter))!;
    expect(ca.signCertificatePolicies).toEqual([
      { oid: "2.23.140.1.2.1", cps: [], notices: [] },
      { oid: "1.3.6.1.4.1.99999.7", cps: ["https://pki.example/cps"], notices: [] },
    ]);
    expect(ca.defaultProfile).toBe("client");
    expect(ca.defaultExpiresDays).toBe(30);
    const shown = text((await a.get(`/admin/cas/${inter}`)).body);
    expect(shown).toContain("Certificate policies 2.23.140.1.2.1 1.3.6.1.4.1.99999.7; cps:https://pki.example/cps");
    expect(shown).toContain("Default profile client");
    expect(shown).toContain("Default expiry 30 days");
    form = await a.get(`/admin/cas/${inter}/edit`);
    expect(form.body).toContain('<option value="client" selected>client</option>');
    expect(form.body).toContain('value="30"');
    // The API shows the same values.
    const api = await a.request({ method: "GET", url: `/api/v1/cas/${inter}` });
    expect(JSON.parse(api.body)).toMatchObject({ default_profile: "client", default_expires_days: 30 });
    // Emptied again: back to the installation's defaults.
    const cleared = await a.post(`/admin/cas/${inter}/edit`, {
      _csrf: csrfIn(form.body),
      ...same,
      certificate_policies: "",
      default_profile: "",
      default_expires_days: "",
    });
    expect(cleared.statusCode).toBe(303);
    expect(await inst.deps.cas.get(inter)).toMatchObject({ signCertificatePolicies: [], defaultProfile: null, defaultExpiresDays: null });
  });

  it("refuses a post without the CSRF token", async () => {
    const a = await signedIn("admin");
    const res = await a.post(`/admin/cas/${inter}/edit`, { ocsp_urls: "http://x.example/" });
    expect(res.statusCode).toBe(403);
  });
});
