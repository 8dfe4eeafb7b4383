/**
 * generate_crls from an hourly timer (issue 7): a revocation reaches the stored CRLs at the next run, not
 * only when they are due (up to a CRL lifetime later). A certificate revoked or released from hold renews
 * the full and user-scope CRLs of its CA, a child CA revoked the full and CA-scope CRLs; a CA that
 * publishes delta CRLs gets a new delta and keeps its full CRL (the delta's base) on schedule. With nothing
 * changed, a second run makes nothing new. What is stored is read from the database and checked with
 * `openssl crl -text` (test/helpers/crl-history.ts), not with tsca's own view.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { leaf } from "../../helpers/crl.js";
import { normalSerial, storedCrls, type CrlSeen } from "../../helpers/crl-history.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";

/** The stored CRLs of one CA and scope (all: the full CRL and its deltas), oldest first. */
async function stored(t: TscaEnv, caSerial: string, kind: "all" | "user" | "ca"): Promise<CrlSeen[]> {
  return (await storedCrls(t)).get(`${caSerial.replace(/:/g, "")}/${kind}/`) ?? [];
}

const newestComplete = (crls: CrlSeen[]): CrlSeen => crls.filter((c) => c.base === null).at(-1)!;
const newestDelta = (crls: CrlSeen[]): CrlSeen | undefined => crls.filter((c) => c.base !== null).at(-1);

/** generate_crls without --force, as a timer runs it; it must succeed. */
function timerRun(t: TscaEnv): string {
  const r = runTsca(t, ["generate_crls"]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe("");
  return r.stdout;
}

/** A second run right after: every CRL is current, and nothing was stored. */
async function expectNothingNew(t: TscaEnv): Promise<void> {
  const before = await storedCrls(t);
  const out = timerRun(t);
  expect(out).not.toContain("generated");
  expect(
    out
      .trim()
      .split("\n")
      .every((l) => / CRL( \(base #\d+\))? #\d+ is current \(next update /.test(l)),
  ).toBe(true);
  expect(await storedCrls(t)).toEqual(before);
}

describe.each(BACKENDS)("generate_crls renews CRLs on revocation (%s)", (backend) => {
  const made: TscaEnv[] = [];
  afterEach(async () => {
    for (const t of made.splice(0)) await disposeInstallation(t);
  });

  async function install(): Promise<TscaEnv> {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    made.push(t);
    return t;
  }

  it("a revoked certificate is on the full and user CRLs after the next run without --force; a second run makes nothing new", async () => {
    const t = await install();
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=root.example.test"]).trim();
    const cert = leaf(t, "Root", "revoked.example.test");
    // init_ca made the first CRLs; nothing revoked since, so nothing is due.
    await expectNothingNew(t);
    const [full, user, ca] = [await stored(t, root, "all"), await stored(t, root, "user"), await stored(t, root, "ca")];
    expect(newestComplete(full).listed.size).toBe(0);

    tsca(t, ["revoke_cert", cert.serial, "--reason", "key_compromise"]);
    const out = timerRun(t);
    const n = newestComplete(full).number;
    expect(out).toMatch(new RegExp(`^"Root" \\(${root}\\): full CRL #${n + 1} generated, 1 entry,`, "m"));
    expect(out).toMatch(/^"Root" .*: user CRL #\d+ generated, 1 entry,/m);
    // A certificate is not on the CA-scope CRL: that one stays.
    expect(out).toMatch(new RegExp(`^"Root" .*: CA CRL #${newestComplete(ca).number} is current`, "m"));
    for (const [kind, before] of [
      ["all", full],
      ["user", user],
    ] as const) {
      const now = newestComplete(await stored(t, root, kind));
      expect(now.number).toBe(newestComplete(before).number + 1);
      expect([...now.listed]).toEqual([normalSerial(cert.hex)]);
    }
    expect(await stored(t, root, "ca")).toEqual(ca);
    await expectNothingNew(t);

    // Released from hold: the next run drops it again.
    const held = leaf(t, "Root", "held.example.test");
    tsca(t, ["revoke_cert", held.serial, "--reason", "certificate_hold"]);
    timerRun(t);
    expect([...newestComplete(await stored(t, root, "all")).listed].sort()).toEqual([cert.hex, held.hex].map(normalSerial).sort());
    await expectNothingNew(t);
    tsca(t, ["unrevoke_cert", held.serial]);
    expect(timerRun(t)).toMatch(/^"Root" .*: full CRL #\d+ generated, 1 entry,/m);
    expect([...newestComplete(await stored(t, root, "all")).listed]).toEqual([normalSerial(cert.hex)]);
    await expectNothingNew(t);
  });

  it("a revoked child CA is on the parent's full CRL after the next run; the user CRL stays", async () => {
    const t = await install();
    const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/CN=root.example.test"]).trim();
    const sub = tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Sub", "/CN=sub.example.test"]).trim();
    await expectNothingNew(t);
    const [full, user] = [await stored(t, root, "all"), await stored(t, root, "user")];

    // revoke_ca publishes the parent's CA-scope CRL itself; the full CRL follows at the next run.
    tsca(t, ["revoke_ca", "Sub", "--reason", "superseded"]);
    const out = timerRun(t);
    expect(out).toMatch(new RegExp(`^"Root" \\(${root}\\): full CRL #${newestComplete(full).number + 1} generated, 1 entry,`, "m"));
    expect(out).toMatch(new RegExp(`^"Root" .*: user CRL #${newestComplete(user).number} is current`, "m"));
    expect([...newestComplete(await stored(t, root, "all")).listed]).toEqual([normalSerial(sub.replace(/:/g, ""))]);
    expect([...newestComplete(await stored(t, root, "ca")).listed]).toEqual([normalSerial(sub.replace(/:/g, ""))]);
    await expectNothingNew(t);
  });

  it("with delta CRLs, a revocation renews the delta and the user CRL; the full CRL (the delta's base) stays on schedule", async () => {
    const t = await install();
    const root = tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--freshest-crl-url",
      "http://ca.example.test/delta",
      "Root",
      "/CN=root.example.test",
    ]).trim();
    const cert = leaf(t, "Root", "revoked.example.test");
    await expectNothingNew(t);
    const full = await stored(t, root, "all");
    const base = newestComplete(full);
    expect(newestDelta(full)?.base).toBe(base.number);

    tsca(t, ["revoke_cert", cert.serial, "--reason", "key_compromise"]);
    const out = timerRun(t);
    expect(out).toMatch(new RegExp(`^"Root" \\(${root}\\): full CRL #${base.number} is current`, "m"));
    expect(out).toMatch(new RegExp(`^"Root" .*: full delta CRL \\(base #${base.number}\\) #\\d+ generated, 1 entry,`, "m"));
    expect(out).toMatch(/^"Root" .*: user CRL #\d+ generated, 1 entry,/m);
    const now = await stored(t, root, "all");
    expect(newestComplete(now)).toEqual(base);
    const delta = newestDelta(now)!;
    expect(delta.base).toBe(base.number);
    expect([...delta.listed]).toEqual([normalSerial(cert.hex)]);
    expect([...newestComplete(await stored(t, root, "user")).listed]).toEqual([normalSerial(cert.hex)]);
    await expectNothingNew(t);
  });
});
