/**
 * Issuing from a CSR in the web admin (issue 9) through the real application (buildApp with the admin as
 * `tsca serve` wires it) over a real installation (Root and Inter made by the CLI), on SQLite and
 * PostgreSQL: the form offers only the usable CAs the user may sign with; "Read CSR" (pasted, or uploaded
 * as multipart, PEM or DER) fills the subject and names; a bad CSR, name or validity is a 400 page with
 * the sentence and everything typed kept; a user without sign gets 403 even with a valid CSRF token;
 * "Issue" records a signing request (row requested_by web:USER, audit request.submit by web:USER) and
 * sends the browser to its page, pending with a Refresh until `tsca worker --once` signs it, then issued
 * with a PEM download that `openssl verify` accepts; a user who may not view the CA sees no request.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../../helpers/databases.js";
import { makeCsr } from "../../helpers/certs.js";
import { tsca } from "../../helpers/cli.js";
import { AdminAgent, addUser, buildAdminApp, csrfIn } from "../../helpers/admin-app.js";
import { ossl, opensslVerify } from "../../helpers/oracles.js";
import { closePkiInstallation, openPkiInstallation, type PkiInstallation } from "../../helpers/use-case-context.js";

const PASSWORD = "correct horse battery staple";
const hex = (serial: string) => serial.replace(/:/g, "");

/** A multipart/form-data body as a browser writes it (RFC 7578), files as (filename, bytes). */
function multipart(fields: Record<string, string | { filename: string; data: Buffer }>): { body: Buffer; contentType: string } {
  const boundary = "----tscaTestBoundary7MA4YWxkTrZu0gW";
  const parts: Buffer[] = [];
  for (const [name, v] of Object.entries(fields)) {
    const head =
      typeof v === "string"
        ? `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`
        : `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${v.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    parts.push(Buffer.from(head), typeof v === "string" ? Buffer.from(v) : v.data, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Unescape the few entities preact writes into text. */
const unescapeHtml = (s: string): string =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

const textareaOf = (html: string, id: string): string =>
  unescapeHtml(new RegExp(`<textarea id="${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1] ?? "");
const inputValueOf = (html: string, id: string): string | undefined => {
  const m = new RegExp(`<input id="${id}"[^>]*?value="([^"]*)"`).exec(html);
  return m ? unescapeHtml(m[1]!) : undefined;
};
const caOptions = (html: string): string[] => {
  const select = /<select id="ca"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? "";
  return [...select.matchAll(/<option value="([0-9A-F]+)"[^>]*>([^<]*)<\/option>/g)].map((m) => m[2]!);
};
const alertOf = (html: string): string | undefined => /<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1];

describe.each(BACKENDS)("web admin: issuing from a CSR (%s)", (backend) => {
  let inst: PkiInstallation;
  let app: FastifyInstance;
  let root: string;
  let inter: string;
  const errors: unknown[] = [];
  let n = 0;

  const agentFor = async (user: string): Promise<AdminAgent> => {
    const a = new AdminAgent(app, { "x-forwarded-for": `198.51.100.${++n}` });
    expect((await a.login(user, PASSWORD)).statusCode).toBe(303);
    return a;
  };
  const formToken = async (a: AdminAgent): Promise<string> => csrfIn((await a.get("/admin/issue")).body);
  const postMultipart = async (a: AdminAgent, url: string, fields: Parameters<typeof multipart>[0]) => {
    const { body, contentType } = multipart(fields);
    return a.request({ method: "POST", url, headers: { "content-type": contentType }, payload: body as unknown as string });
  };

  beforeAll(async () => {
    inst = await openPkiInstallation(backend);
    root = hex(inst.pki.root);
    inter = hex(inst.pki.inter);
    // A third CA, disabled: usable by nobody, so never offered.
    tsca(inst.t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Off", "/CN=off.example.test"]);
    tsca(inst.t, ["edit_ca", "Off", "--disable"]);
    await addUser(inst, "admin", PASSWORD, "superuser");
    await addUser(inst, "signer", PASSWORD, [
      { permission: "view", caSerial: inter },
      { permission: "sign", caSerial: inter },
    ]);
    await addUser(inst, "viewer", PASSWORD, [
      { permission: "view", caSerial: inter },
      { permission: "view", caSerial: root },
    ]);
    await addUser(inst, "rootonly", PASSWORD, [
      { permission: "view", caSerial: root },
      { permission: "sign", caSerial: root },
    ]);
    // Each agent its own client address through a trusted proxy, so the per-address login limit is per agent.
    app = await buildAdminApp(inst, (e) => errors.push(e), { env: { TSCA_TRUST_PROXY: "127.0.0.1" } });
  });

  afterAll(async () => {
    await app?.close();
    await closePkiInstallation(inst);
    expect(errors).toEqual([]);
  });

  it("offers only the usable CAs the user may sign with, with the labelled fields", async () => {
    const admin = await agentFor("admin");
    const form = await admin.get("/admin/issue");
    expect(form.statusCode).toBe(200);
    // Off is disabled: not offered even to a superuser.
    expect(caOptions(form.body).sort()).toEqual(["Inter", "Root"]);
    for (const label of ["CSR", "CSR file", "Certificate authority", "Profile", "Subject alternative names", "Validity (days)"])
      expect(form.body).toMatch(new RegExp(`<label for="[a-z-]+">${label.replace(/[()]/g, "\\$&")}</label>`));
    expect(form.body).toContain('enctype="multipart/form-data"');
    expect(form.body).toContain(">Issue</button>");
    expect(form.body).toContain(">Read CSR</button>");
    expect(form.body).toContain('<option value="webserver" selected>webserver</option>');
    // ?ca= preselects (colon form accepted, as a CA page may link it).
    const pre = await admin.get(`/admin/issue?ca=${inst.pki.inter}`);
    expect(pre.body).toContain(`<option value="${inter}" selected>Inter</option>`);

    const signer = await agentFor("signer");
    expect(caOptions((await signer.get("/admin/issue")).body)).toEqual(["Inter"]);
    const viewer = await agentFor("viewer");
    const none = await viewer.get("/admin/issue");
    expect(none.statusCode).toBe(200);
    expect(caOptions(none.body)).toEqual([]);
    expect(none.body).not.toContain(">Issue</button>");
    expect(none.body).toContain("no usable certificate authority you may sign with");
  });

  it("reads a pasted CSR and an uploaded DER file into the form", async () => {
    const signer = await agentFor("signer");
    const csr = makeCsr("ec", "/C=AT/O=Example/CN=read.example.test", { addext: ["subjectAltName=DNS:read.example.test,IP:192.0.2.7"] });
    const token = await formToken(signer);
    const pasted = await postMultipart(signer, "/admin/issue/prefill", { _csrf: token, csr: csr.pem, ca: inter, sans: "", expires: "" });
    expect(pasted.statusCode).toBe(200);
    expect(inputValueOf(pasted.body, "subject")).toBe("C=AT,O=Example,CN=read.example.test");
    expect(textareaOf(pasted.body, "sans")).toBe("DNS:read.example.test\nIP:192.0.2.7");
    expect(pasted.body).toContain("The CSR was read (EC key)");
    // A DER file replaces the (empty) textarea, and comes back as PEM in it.
    const der = Buffer.from(csr.pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    expect(der[0]).toBe(0x30);
    const fromFile = await postMultipart(signer, "/admin/issue/prefill", {
      _csrf: csrfIn(pasted.body),
      csr: "",
      csrFile: { filename: "req.der", data: der },
      ca: inter,
    });
    expect(fromFile.statusCode).toBe(200);
    expect(textareaOf(fromFile.body, "csr").replace(/\s/g, "")).toBe(csr.pem.replace(/\s/g, ""));
    expect(inputValueOf(fromFile.body, "subject")).toBe("C=AT,O=Example,CN=read.example.test");
  });

  it("answers a bad CSR, name or validity with a 400 page that keeps what was typed, and records nothing", async () => {
    const signer = await agentFor("signer");
    const before = await inst.db.db.selectFrom("signing_request").select("id").execute();
    const good = makeCsr("ec", "/CN=kept.example.test");
    const cases: { fields: Record<string, string>; sentence: RegExp }[] = [
      {
        fields: { csr: "not a CSR at all <b>", sans: "DNS:kept.example.test", expires: "30" },
        sentence: /^CSR: no PEM block labelled CERTIFICATE REQUEST\.$/,
      },
      {
        fields: { csr: good.pem.replace(/[A-Za-z]{8}\n/, "AAAAAAAA\n"), sans: "DNS:kept.example.test", expires: "30" },
        sentence: /CSR/,
      },
      { fields: { csr: good.pem, sans: "DNS:bad..name", expires: "30" }, sentence: /bad\.\.name/ },
      {
        fields: { csr: good.pem, sans: "DNS:kept.example.test", expires: "0" },
        sentence: /^0: Validity \(days\) must be a whole number from 1 to 36500\.$/,
      },
      { fields: { csr: good.pem, sans: "", expires: "", profile: "nosuchprofile" }, sentence: /nosuchprofile: Profile is not defined/ },
    ];
    for (const c of cases) {
      const res = await signer.post("/admin/issue", { _csrf: await formToken(signer), ca: inter, ...c.fields });
      expect(res.statusCode, res.body).toBe(400);
      expect(unescapeHtml(alertOf(res.body) ?? "")).toMatch(c.sentence);
      expect(textareaOf(res.body, "csr")).toBe(c.fields.csr);
      expect(textareaOf(res.body, "sans")).toBe(c.fields.sans);
      if (c.fields.expires) expect(inputValueOf(res.body, "expires")).toBe(c.fields.expires);
      expect(res.body).toContain(`<option value="${inter}" selected>Inter</option>`);
    }
    // The same through "Read CSR": the sentence, and the text kept.
    const bad = await postMultipart(signer, "/admin/issue/prefill", { _csrf: await formToken(signer), csr: "garbage", ca: inter });
    expect(bad.statusCode).toBe(400);
    expect(alertOf(bad.body)).toBe("CSR: no PEM block labelled CERTIFICATE REQUEST.");
    expect(textareaOf(bad.body, "csr")).toBe("garbage");
    expect(await inst.db.db.selectFrom("signing_request").select("id").execute()).toEqual(before);
  });

  it("refuses a user without sign on the CA with 403, even with a valid CSRF token", async () => {
    const csr = makeCsr("ec", "/CN=forged.example.test");
    const before = await inst.db.db.selectFrom("signing_request").select("id").execute();
    const viewer = await agentFor("viewer");
    const token = await formToken(viewer);
    const res = await viewer.post("/admin/issue", { _csrf: token, csr: csr.pem, ca: inter, sans: "DNS:forged.example.test" });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain("ERR_FORBIDDEN");
    expect(res.body).toContain("web:viewer has no sign permission on CA Inter.");
    // The same as multipart, and a signer of Root posting for Inter.
    const multi = await postMultipart(viewer, "/admin/issue", { _csrf: token, csr: csr.pem, ca: inter });
    expect(multi.statusCode).toBe(403);
    const rootOnly = await agentFor("rootonly");
    const other = await rootOnly.post("/admin/issue", { _csrf: await formToken(rootOnly), csr: csr.pem, ca: inter });
    expect(other.statusCode).toBe(403);
    // Without the token it is the CSRF refusal, before anything else.
    const noToken = await postMultipart(viewer, "/admin/issue", { csr: csr.pem, ca: inter });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.body).toContain("ERR_CSRF");
    expect(await inst.db.db.selectFrom("signing_request").select("id").execute()).toEqual(before);
    const denied = await inst.db.db
      .selectFrom("audit_event")
      .selectAll()
      .where("action", "=", "request.submit")
      .where("actor", "=", "web:viewer")
      .execute();
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((e) => e.outcome !== "success")).toBe(true);
  });

  it("queues a request as web:USER, shows it pending, then issued with a PEM download openssl verifies", async () => {
    const signer = await agentFor("signer");
    const csr = makeCsr("ec", "/CN=queued.example.test");
    const res = await postMultipart(signer, "/admin/issue", {
      _csrf: await formToken(signer),
      csr: csr.pem,
      ca: inter,
      profile: "webserver",
      subject: "",
      sans: "DNS:queued.example.test\r\nDNS:www.queued.example.test\r\n",
      expires: "45",
    });
    expect(res.statusCode, res.body).toBe(303);
    const location = res.headers.location as string;
    expect(location).toMatch(/^\/admin\/requests\/[0-9a-f]{32}$/);
    const id = location.split("/").pop()!;
    const row = await inst.db.db.selectFrom("signing_request").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.requested_by).toBe("web:signer");
    expect(row.status).toBe("pending");
    expect(row.ca_serial).toBe(inter);
    expect(JSON.parse(row.parameters)).toEqual({
      sans: ["DNS:queued.example.test", "DNS:www.queued.example.test"],
      profile: "webserver",
      expiresDays: 45,
      watchers: [],
    });
    const audit = await inst.db.db
      .selectFrom("audit_event")
      .selectAll()
      .where("action", "=", "request.submit")
      .where("object", "=", `request:${id}`)
      .execute();
    expect(audit.map((e) => [e.actor, e.outcome])).toEqual([["web:signer", "success"]]);

    const pending = await signer.get(location);
    expect(pending.statusCode).toBe(200);
    expect(pending.headers.refresh).toBe("2");
    expect(pending.body).toContain(">pending</span>");
    expect((await signer.get(`${location}.pem`)).statusCode).toBe(404);

    tsca(inst.t, ["worker", "--once"]);
    const issued = await signer.get(location);
    expect(issued.statusCode).toBe(200);
    expect(issued.headers.refresh).toBeUndefined();
    expect(issued.body).toContain(">issued</span>");
    const serial = (
      await inst.db.db.selectFrom("signing_request").select("certificate_serial").where("id", "=", id).executeTakeFirstOrThrow()
    ).certificate_serial!;
    expect(issued.body).toContain(`<a href="/admin/certificates/${serial}">`);
    expect(issued.body).toContain(`<a href="${location}.pem" download>Download PEM</a>`);
    const pem = await signer.get(`${location}.pem`);
    expect(pem.statusCode).toBe(200);
    expect(pem.headers["content-disposition"]).toBe(`attachment; filename="${serial}.pem"`);
    const verify = opensslVerify(inst.pki.rootPem, [inst.pki.interPem], pem.body);
    expect(verify.stdout, verify.stderr).toMatch(/: OK\n$/);
    const text = ossl(["x509", "-noout", "-ext", "subjectAltName", "-subject", "-serial"], pem.body);
    expect(text).toContain("DNS:queued.example.test, DNS:www.queued.example.test");
    expect(text).toContain("subject=CN = queued.example.test");
    expect(text).toContain(`serial=${serial}`);

    // Someone who may not view Inter sees no such request; a malformed id is the same "not found".
    const rootOnly = await agentFor("rootonly");
    for (const url of [location, `${location}.pem`, "/admin/requests/zz-not-hex"]) {
      const hidden = await rootOnly.get(url);
      expect(hidden.statusCode).toBe(404);
      expect(hidden.body).toContain("ERR_REQUEST_NOT_FOUND");
    }
    // A viewer of Inter (not the requester) may see it.
    expect((await (await agentFor("viewer")).get(location)).statusCode).toBe(200);
  });

  it("shows a request the worker refused as failed with its sentence", async () => {
    const admin = await agentFor("admin");
    // Only the worker knows the CA's validity left: a certificate that would outlive it is its refusal.
    const csr = makeCsr("ec", "/CN=toolong.example.test");
    const res = await admin.post("/admin/issue", {
      _csrf: await formToken(admin),
      csr: csr.pem,
      ca: inter,
      sans: "DNS:toolong.example.test",
      expires: "36500",
    });
    expect(res.statusCode, res.body).toBe(303);
    tsca(inst.t, ["worker", "--once"]);
    const page = await admin.get(res.headers.location as string);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(">failed</span>");
    expect(alertOf(page.body)).toMatch(/^Certificate would outlive its CA &quot;Inter&quot;: the maximum for this CA is \d+ days\.$/);
    expect(page.body).toContain("Error code: ERR_EXPIRES");
    expect(page.body).not.toContain("Download PEM");
  });
});
