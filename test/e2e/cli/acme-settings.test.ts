/**
 * A CA's ACME settings through the real CLI (issue 11): init_ca and edit_ca --acme-*, shown by view_ca
 * (text and JSON, with the directory URL under TSCA_EXTERNAL_URL or "(server URL)"), the audit event
 * naming each changed setting; refusals (malformed pattern, unknown profile, contradicting options) as one
 * sentence with the usual exit code and nothing changed; create_eab_key printing a 128-bit key id and a
 * 256-bit HMAC key once (never in list_eab_keys nor the audit log). On SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";

interface AcmeJson {
  enabled: boolean;
  profile: string | null;
  requires_contact: boolean;
  eab_required: boolean;
  allow: string[];
  deny: string[];
  directory_path: string;
  directory_url: string | null;
}

const viewJson = (t: TscaEnv, ca: string): Record<string, unknown> & { acme: AcmeJson; serial: string } =>
  JSON.parse(tsca(t, ["view_ca", "--output-format", "json", ca])) as Record<string, unknown> & { acme: AcmeJson; serial: string };

const hexOf = (serial: string): string => serial.replace(/:/g, "");

/** A refusal: one line on stderr, nothing on stdout, and the exit code. */
function refused(t: TscaEnv, args: string[]): { code: number; line: string } {
  const r = runTsca(t, args);
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^Error: /);
  return { code: r.code, line: lines[0]! };
}

describe.each(BACKENDS)("ACME settings on the CLI (%s)", (backend) => {
  let t: TscaEnv;

  beforeAll(async () => {
    t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, ["init_ca", "--key-type", "EC", "Plain", "/CN=Plain"]);
  });
  afterAll(async () => {
    await disposeInstallation(t);
  });

  it("a new CA has ACME disabled, and view_ca says so with the directory path", () => {
    const v = viewJson(t, "Plain");
    expect(v.acme).toEqual({
      enabled: false,
      profile: null,
      requires_contact: false,
      eab_required: false,
      allow: [],
      deny: [],
      directory_path: `/acme/${hexOf(v.serial)}/directory`,
      directory_url: null,
    });
    const text = tsca(t, ["view_ca", "--no-pem", "Plain"]);
    expect(text).toContain("ACME:\n* Enabled: no\n");
    expect(text).toContain(`* Directory: (server URL)/acme/${hexOf(v.serial)}/directory\n`);
  });

  it("init_ca --acme-* stores every setting, normalising patterns, and view_ca shows them (text and JSON)", () => {
    tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--acme-enable",
      "--acme-profile",
      "server",
      "--acme-requires-contact",
      "--acme-eab-required",
      "--acme-allow",
      "*.Corp.Example",
      "--acme-allow",
      "192.0.2.0/24",
      "--acme-deny",
      "secret.corp.example",
      "Acme",
      "/CN=Acme",
    ]);
    const v = viewJson(t, "Acme");
    expect(v.acme).toMatchObject({
      enabled: true,
      profile: "server",
      requires_contact: true,
      eab_required: true,
      deny: ["secret.corp.example"],
      directory_url: null,
    });
    expect(v.acme.allow).toHaveLength(2);
    expect(v.acme.allow[0]!.toLowerCase()).toBe(v.acme.allow[0]);
    expect(v.acme.allow[0]).toMatch(/corp\.example$/);
    expect(v.acme.allow[1]).toBe("192.0.2.0/24");

    const text = tsca(t, ["view_ca", "--no-pem", "Acme"]);
    expect(text).toContain("ACME:\n* Enabled: yes\n");
    expect(text).toContain("* Profile: server\n");
    expect(text).toContain("* Contact required: yes\n");
    expect(text).toContain("* External account binding required: yes\n");
    expect(text).toContain(`* Allowed identifiers: ${v.acme.allow.join(", ")}\n`);
    expect(text).toContain("* Denied identifiers: secret.corp.example\n");

    // Behind a TLS proxy the operator names the external URL: the directory URL is complete.
    const external = { home: t.home, env: { ...t.env, TSCA_EXTERNAL_URL: "https://ca.example.test:8443/pki/" } };
    const url = `https://ca.example.test:8443/pki/acme/${hexOf(v.serial)}/directory`;
    expect(viewJson(external, "Acme").acme.directory_url).toBe(url);
    expect(tsca(external, ["view_ca", "--no-pem", "Acme"])).toContain(`* Directory: ${url}\n`);
  });

  it("edit_ca --acme-* changes only what it names, adds and clears patterns, and the audit event lists what changed", () => {
    tsca(t, ["edit_ca", "--acme-disable", "--acme-contact-optional", "--acme-deny", "10.0.0.0/8", "Acme"]);
    let acme = viewJson(t, "Acme").acme;
    expect(acme).toMatchObject({
      enabled: false,
      profile: "server",
      requires_contact: false,
      eab_required: true,
      deny: ["secret.corp.example", "10.0.0.0/8"],
    });
    expect(acme.allow).toHaveLength(2);
    const events = JSON.parse(tsca(t, ["audit", "--action", "ca.edit", "--json"])) as { detail?: { changed?: string[] } }[];
    expect(events.at(-1)!.detail!.changed).toEqual(["acme.denyIdentifiers", "acme.enabled", "acme.requiresContact"]);

    tsca(t, [
      "edit_ca",
      "--acme-enable",
      "--acme-clear-profile",
      "--acme-eab-optional",
      "--acme-clear-allow",
      "--acme-allow",
      "host.example",
      "Acme",
    ]);
    tsca(t, ["edit_ca", "--acme-clear-deny", "Acme"]);
    acme = viewJson(t, "Acme").acme;
    expect(acme).toMatchObject({ enabled: true, profile: null, eab_required: false, allow: ["host.example"], deny: [] });
    expect(tsca(t, ["view_ca", "--no-pem", "Acme"])).toContain("* Profile: (the CA's default profile)\n* Contact required: no\n");
    // A pattern given again is kept once.
    tsca(t, ["edit_ca", "--acme-allow", "HOST.example", "Acme"]);
    expect(viewJson(t, "Acme").acme.allow).toEqual(["host.example"]);
  });

  it("refuses a malformed pattern in one sentence with exit 2, changing nothing and creating no CA", () => {
    const before = viewJson(t, "Acme");
    for (const bad of ["exa mple.test", "*.", "foo.*.example", "192.0.2.0/33", "http://x.example/"]) {
      const r = refused(t, ["edit_ca", "--acme-enable", "--acme-allow", bad, "Acme"]);
      expect(r.code).toBe(2);
      expect(refused(t, ["edit_ca", "--acme-deny", bad, "Acme"]).code).toBe(2);
    }
    expect(viewJson(t, "Acme")).toEqual(before);
    const cas = tsca(t, ["list_cas"]);
    const r = refused(t, ["init_ca", "--key-type", "EC", "--acme-allow", "exa mple.test", "Never", "/CN=Never"]);
    expect(r.code).toBe(2);
    expect(tsca(t, ["list_cas"])).toBe(cas);
  });

  it("refuses an unknown profile with the error --default-profile gives, changing nothing and creating no CA", () => {
    const before = viewJson(t, "Acme");
    const acme = refused(t, ["edit_ca", "--acme-profile", "no-such-profile", "Acme"]);
    const other = refused(t, ["edit_ca", "--default-profile", "no-such-profile", "Acme"]);
    expect(acme).toEqual(other);
    expect(acme.code).toBe(2);
    expect(acme.line).toContain("no-such-profile");
    expect(viewJson(t, "Acme")).toEqual(before);
    const cas = tsca(t, ["list_cas"]);
    expect(refused(t, ["init_ca", "--key-type", "EC", "--acme-profile", "no-such-profile", "Never", "/CN=Never"])).toEqual(acme);
    expect(refused(t, ["edit_ca", "--acme-profile", "", "Acme"]).code).toBe(2);
    expect(tsca(t, ["list_cas"])).toBe(cas);
  });

  it("refuses contradicting options in one sentence with exit 2", () => {
    const before = viewJson(t, "Acme");
    for (const [a, b] of [
      ["--acme-enable", "--acme-disable"],
      ["--acme-requires-contact", "--acme-contact-optional"],
      ["--acme-eab-required", "--acme-eab-optional"],
    ] as const) {
      const r = refused(t, ["edit_ca", a, b, "Acme"]);
      expect(r.code).toBe(2);
      expect(r.line).toContain(a);
      expect(r.line).toContain(b);
    }
    expect(refused(t, ["edit_ca", "--acme-profile", "server", "--acme-clear-profile", "Acme"]).code).toBe(2);
    expect(viewJson(t, "Acme")).toEqual(before);
  });

  it("create_eab_key prints a key id and an HMAC key once; list_eab_keys and the audit log never show the key", () => {
    const text = runTsca(t, ["create_eab_key", "--ca", "Acme"]);
    expect(text.code, text.stderr).toBe(0);
    const m = /^kid: ([A-Za-z0-9_-]+)\nhmac_key: ([A-Za-z0-9_-]+)\n$/.exec(text.stdout);
    expect(m, text.stdout).not.toBeNull();
    const [, kid1, key1] = m!;
    expect(Buffer.from(kid1!, "base64url")).toHaveLength(16);
    expect(Buffer.from(key1!, "base64url")).toHaveLength(32);
    expect(text.stderr).toContain("shown once");

    const json = JSON.parse(tsca(t, ["create_eab_key", "--ca", "Acme", "--json"])) as Record<string, string>;
    const v = viewJson(t, "Acme");
    expect(json.ca).toBe(v.serial);
    expect(Buffer.from(json.hmac_key!, "base64url")).toHaveLength(32);
    expect(json.kid).not.toBe(kid1);
    expect(json.hmac_key).not.toBe(key1);
    expect(Number.isNaN(Date.parse(json.created!))).toBe(false);

    const listed = JSON.parse(tsca(t, ["list_eab_keys", "--ca", "Acme", "--output-format", "json"])) as Record<string, unknown>[];
    expect(listed.map((k) => k.kid)).toEqual([kid1, json.kid]);
    expect(listed.every((k) => k.account === null)).toBe(true);
    const listText = tsca(t, ["list_eab_keys", "--ca", "Acme"]);
    expect(listText).toContain(kid1!);
    expect(listText).toContain(json.kid!);
    expect(tsca(t, ["list_eab_keys", "--ca", "Plain"]).trim().split("\n")).toHaveLength(1);

    const audit = tsca(t, ["audit", "--action", "acme.eab_key.create", "--json"]);
    const events = JSON.parse(audit) as { object: string; outcome: string }[];
    expect(events.map((e) => e.object)).toEqual([`eab:${kid1}`, `eab:${json.kid}`]);
    expect(events.every((e) => e.outcome === "success")).toBe(true);
    for (const secret of [key1!, json.hmac_key!]) {
      expect(audit).not.toContain(secret);
      expect(listText).not.toContain(secret);
      expect(JSON.stringify(listed)).not.toContain(secret);
    }
  });

  it("create_eab_key for an unknown CA fails in one sentence and stores nothing", () => {
    const r = refused(t, ["create_eab_key", "--ca", "No Such CA"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(tsca(t, ["audit", "--action", "acme.eab_key.create", "--json"]))).toHaveLength(2);
  });
});
