/**
 * Permissions are checked in the use cases, not in a surface: each use case is called directly with the
 * context of a web user who has (a) no grant, (b) the grant on another CA, (c) another permission on the
 * CA, (d) the grant on the CA, (e) the grant for every CA. Only (d) and (e) may act, a refusal changes
 * nothing and is itself in the audit log, and no grant opens what only the key host may do (create a CA,
 * sign CRLs or responder certificates).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpenDatabase } from "../../src/adapters/db/connection.js";
import type { UseCaseContext } from "../../src/core/access/context.js";
import type { Grant, Permission } from "../../src/core/access/permissions.js";
import { isTscaError } from "../../src/core/errors.js";
import { derFromPemOrDer } from "../../src/core/x509/pem.js";
import { crlScope } from "../../src/core/revocation/crl-scope.js";
import { editCa } from "../../src/core/usecases/edit-ca.js";
import { generateCrls } from "../../src/core/usecases/generate-crls.js";
import { generateOcspKeys } from "../../src/core/usecases/generate-ocsp-keys.js";
import { initCa } from "../../src/core/usecases/init-ca.js";
import { listCas } from "../../src/core/usecases/list-cas.js";
import { listCerts } from "../../src/core/usecases/list-certs.js";
import { dumpCa } from "../../src/core/usecases/dump-ca.js";
import { dumpCrl } from "../../src/core/usecases/dump-crl.js";
import { resignCert } from "../../src/core/usecases/resign-cert.js";
import { revokeCa } from "../../src/core/usecases/revoke-ca.js";
import { revokeCert, unrevokeCert } from "../../src/core/usecases/revoke-cert.js";
import { certWatchers } from "../../src/core/usecases/cert-watchers.js";
import { signCert } from "../../src/core/usecases/sign-cert.js";
import { viewCa } from "../../src/core/usecases/view-ca.js";
import { viewCert } from "../../src/core/usecases/view-cert.js";
import { createEabKey, listEabKeys } from "../../src/core/usecases/create-eab-key.js";
import { parseName } from "../../src/core/x509/name.js";
import { makeCsr } from "../helpers/certs.js";
import { tsca, type TscaEnv } from "../helpers/cli.js";
import { leaf, type Pki } from "../helpers/crl.js";
import { BACKENDS } from "../helpers/databases.js";
import {
  closePkiInstallation,
  inProcessDeps,
  openPkiInstallation,
  type PkiInstallation,
  keyHostCaller,
  webCaller,
} from "../helpers/use-case-context.js";

describe.each(BACKENDS)("permissions are checked in the use cases (%s)", (backend) => {
  let t: TscaEnv;
  let db: OpenDatabase;
  let pki: Pki;
  let other: string;
  let deps: ReturnType<typeof inProcessDeps>;
  const serial = (colon: string): string => colon.replace(/:/g, "");

  let installation: PkiInstallation | undefined;
  beforeAll(async () => {
    ({ t, pki, db, deps } = installation = await openPkiInstallation(backend));
    other = tsca(t, ["init_ca", "--key-type", "EC", "Other", "/CN=other.example.test"]).trim();
  });
  afterAll(() => closePkiInstallation(installation));

  const csr = (): Buffer => derFromPemOrDer(Buffer.from(makeCsr("ec", "/CN=perm.example.test").pem), "CERTIFICATE REQUEST", "CSR");
  const newLeaf = (cn: string, extra: string[] = []): string => leaf(t, "Inter", cn, extra).hex;

  /** An action on CA "Inter" needing `permission`; `run` is called once per allowed caller, so it makes fresh objects. */
  interface Action {
    permission: Permission;
    name: string;
    /** The CA whose grant counts (Inter for everything but revoke_ca, which is its parent's act). */
    on: () => string;
    run: (ctx: UseCaseContext) => Promise<unknown>;
  }
  const inter = (): string => serial(pki.inter);
  const actions: Action[] = [
    { permission: "view", name: "view_ca", on: inter, run: (c) => viewCa(c, { ...deps, describeKey: () => "" }, "Inter") },
    { permission: "view", name: "dump_ca", on: inter, run: (c) => dumpCa(c, deps.cas, "Inter", true) },
    { permission: "view", name: "list_certs --ca", on: inter, run: (c) => listCerts(c, deps, { ca: "Inter" }) },
    { permission: "view", name: "view_cert", on: inter, run: (c) => viewCert(c, deps, newLeaf("view.example.test")) },
    {
      permission: "sign",
      name: "sign_cert",
      on: inter,
      run: (c) => signCert(c, deps, { csr: csr(), ca: "Inter", sans: [], overrides: {}, watchers: [] }),
    },
    { permission: "sign", name: "resign_cert", on: inter, run: (c) => resignCert(c, deps, { cert: newLeaf("resign.example.test") }) },
    {
      permission: "sign",
      name: "cert_watchers",
      on: inter,
      run: (c) => certWatchers(c, deps, { cert: newLeaf("watch.example.test"), add: ["ops@example.test"], remove: [] }),
    },
    {
      permission: "revoke",
      name: "revoke_cert",
      on: inter,
      run: (c) => revokeCert(c, deps, { cert: newLeaf("revoke.example.test"), reason: "superseded" }),
    },
    {
      permission: "revoke",
      name: "unrevoke_cert",
      on: inter,
      run: async (c) => {
        const s = newLeaf("hold.example.test");
        tsca(t, ["revoke_cert", s, "--reason", "certificate_hold"]);
        return unrevokeCert(c, deps, s);
      },
    },
    {
      permission: "revoke",
      name: "revoke_ca",
      // The parent publishes a CA's revocation: the grant on Root counts.
      on: () => serial(pki.root),
      run: async (c) => {
        const name = `Sub${Math.random().toString(36).slice(2, 8)}`;
        tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", name, `/CN=${name}.example.test`]);
        return revokeCa(c, deps, { ca: name, reason: "superseded" });
      },
    },
    {
      permission: "edit",
      name: "edit_ca",
      on: inter,
      run: (c) => editCa(c, deps, { ca: "Inter", website: `https://${Math.random()}.example.test/` }),
    },
  ];

  const caller = (name: string, grants: Grant[]): UseCaseContext => webCaller(db.db, name, grants);
  const refusal = async (p: Promise<unknown>): Promise<string | undefined> =>
    p.then(
      () => undefined,
      (e) => (isTscaError(e) ? e.code : `not a TscaError: ${String(e)}`),
    );
  const failuresOf = async (actor: string): Promise<number> =>
    (await deps.auditLog.list({ actor })).filter((e) => e.outcome === "failure").length;

  it.each(actions)("$permission: $name is refused without the grant, allowed with it", async (a) => {
    const ca = a.on();
    const others: Permission[] = (["view", "sign", "revoke", "edit"] as const).filter((p) => p !== a.permission);
    const refused: [string, Grant[]][] = [
      ["nobody", []],
      ["other-ca", [{ permission: a.permission, caSerial: serial(other) }]],
      ["other-permissions", others.map((permission) => ({ permission, caSerial: ca }))],
    ];
    for (const [who, grants] of refused) {
      const before = await failuresOf(`web:${who}`);
      expect(await refusal(a.run(caller(who, grants))), `${a.name} as ${who}`).toBe("ERR_FORBIDDEN");
      // The refused attempt is on record (view refusals are not changes and are not recorded).
      if (a.permission !== "view") expect(await failuresOf(`web:${who}`)).toBe(before + 1);
    }
    for (const [who, grants] of [
      ["this-ca", [{ permission: a.permission, caSerial: ca }]],
      ["every-ca", [{ permission: a.permission, caSerial: null }]],
    ] as [string, Grant[]][])
      expect(await refusal(a.run(caller(who, grants))), `${a.name} as ${who}`).toBeUndefined();
  });

  it("a refused change changes nothing", async () => {
    const s = newLeaf("untouched.example.test");
    const nobody = caller("nobody", [{ permission: "view", caSerial: null }]);
    await expect(revokeCert(nobody, deps, { cert: s, reason: "superseded" })).rejects.toMatchObject({ code: "ERR_FORBIDDEN" });
    expect((await deps.certs.get(s))!.revokedAt).toBeNull();
    const site = (await deps.cas.get(inter()))!.website;
    await expect(editCa(nobody, deps, { ca: "Inter", website: "https://changed.example.test/" })).rejects.toMatchObject({
      code: "ERR_FORBIDDEN",
      message: "web:nobody has no edit permission on CA Inter.",
    });
    expect((await deps.cas.get(inter()))!.website).toBe(site);
  });

  it("view grants decide what list_cas and list_certs show", async () => {
    newLeaf("listed.example.test");
    tsca(t, ["sign_cert", "--ca", "Other", "--csr", makeCsr("ec", "/CN=hidden.example.test").path]);
    const viewer = caller("viewer", [{ permission: "view", caSerial: inter() }]);
    expect((await listCas(viewer, deps.cas)).cas.map((c) => c.name)).toEqual(["Inter"]);
    const certs = await listCerts(viewer, deps, {});
    expect(certs.length).toBeGreaterThan(0);
    expect(new Set(certs.map((c) => c.caSerial))).toEqual(new Set([inter()]));
    const all = await listCerts(caller("all", [{ permission: "view", caSerial: null }]), deps, {});
    expect(new Set(all.map((c) => c.caSerial))).toEqual(new Set([inter(), serial(other)]));
  });

  it("no grant, not even a web superuser, creates a CA or uses a CA key; the key host does", async () => {
    const superuser = webCaller(db.db, "admin", "superuser");
    const name = "WebMade";
    const keyUsers: [string, (c: UseCaseContext) => Promise<unknown>][] = [
      [
        "init_ca",
        (c) =>
          initCa(c, deps, {
            name,
            subject: parseName("/CN=web.example.test"),
            key: { keyType: "EC" },
            certificate: rootOptions(),
            sign: { crlUrls: [], ocspUrls: [], issuerUrls: [], issuerAltNames: [] },
          }),
      ],
      ["generate_crls", (c) => generateCrls(c, deps, { cas: ["Inter"], force: true })],
      ["generate_ocsp_keys", (c) => generateOcspKeys(c, deps, { cas: ["Inter"], force: true })],
      ["dump_crl", (c) => dumpCrl(c, deps, { ca: "Inter", scope: crlScope("all"), expiresSeconds: 3600, delta: false })],
    ];
    for (const [what, run] of keyUsers) expect(await refusal(run(superuser)), what).toBe("ERR_FORBIDDEN");
    expect((await deps.cas.search("", name)).length).toBe(0);
    const host = keyHostCaller(db.db);
    for (const [what, run] of keyUsers) expect(await refusal(run(host)), what).toBeUndefined();
    expect((await deps.cas.search("", name)).length).toBe(1);
    // Each refusal is recorded with the actor.
    const refused = (await deps.auditLog.list({ actor: "web:admin" })).filter((e) => e.outcome === "failure").map((e) => e.action);
    expect(refused).toEqual(["ca.create", "crl.publish", "responder.issue", "crl.publish"]);
  });

  it("ACME EAB keys are made and listed on the key host only; a web superuser's attempt is refused, recorded, and stores nothing", async () => {
    const superuser = webCaller(db.db, "eab-admin", "superuser");
    expect(await refusal(createEabKey(superuser, deps, { ca: "Inter" }))).toBe("ERR_FORBIDDEN");
    expect(await refusal(listEabKeys(superuser, deps, { ca: "Inter" }))).toBe("ERR_FORBIDDEN");
    expect(await deps.acme.listEabKeys(inter())).toEqual([]);
    const refused = (await deps.auditLog.list({ actor: "web:eab-admin" })).map((e) => [e.action, e.outcome]);
    expect(refused).toEqual([
      ["acme.eab_key.create", "failure"],
      ["acme.eab_key.list", "failure"],
    ]);
    const host = keyHostCaller(db.db);
    const { key } = await createEabKey(host, deps, { ca: "Inter" });
    expect((await listEabKeys(host, deps, { ca: "Inter" })).keys).toEqual([key]);
  });

  it("EAB key ids and HMAC keys never start with '-', which command-line parsers take for an option", async () => {
    // A source whose first draw of each value encodes to "-…" in base64url (0xF8: the six bits 111110 = 62).
    let draws = 0;
    const dashFirst = (n: number): Buffer => Buffer.alloc(n, draws++ % 2 === 0 ? 0xf8 : 0x41);
    const host = { ...keyHostCaller(db.db), random: { bytes: dashFirst } };
    const { key } = await createEabKey(host, deps, { ca: "Inter" });
    expect(Buffer.alloc(1, 0xf8).toString("base64url")).toMatch(/^-/);
    expect(key.kid).toMatch(/^[^-]/);
    expect(key.key.toString("base64url")).toMatch(/^[^-]/);
    expect(draws).toBe(4);
  });
});

/** A root CA's certificate options with nothing special (what init_ca's command line gives by default). */
function rootOptions() {
  return {
    pathLength: 0,
    keyUsageCritical: true,
    extendedKeyUsageCritical: false,
    crlUrls: [],
    ocspUrls: [],
    issuerUrls: [],
    nameConstraints: { permitted: [], excluded: [] },
    policies: [],
    policiesCritical: false,
    subjectAltNames: [],
    issuerAltNames: [],
  } as never;
}
