/**
 * generate_crls and generate_ocsp_keys run from timers: a CA they cannot renew (its key encrypted and no
 * password, its key not in CA_DIR) is named on stderr with the reason, every other CA is still done, and
 * the command exits 1 (ERR_RENEWAL_INCOMPLETE), so the timer reports it before the CRLs or OCSP answers run
 * out. A CA that cannot sign at all (revoked) needs nothing and does not fail the run.
 */
import { renameSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";
import { keyFile } from "../../helpers/oracles.js";

describe.each(BACKENDS)("renewal that cannot be done (%s)", (backend) => {
  const made: TscaEnv[] = [];

  afterEach(async () => {
    for (const t of made.splice(0)) await disposeInstallation(t);
  });

  it("is reported on stderr with the reason and exits 1, after doing every other CA", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    made.push(t);
    const plain = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Plain", "/CN=Plain"]).trim();
    const locked = tsca(t, ["init_ca", "--key-type", "EC", "--password", "secret", "Locked", "/CN=Locked"]).trim();
    const gone = tsca(t, ["init_ca", "--key-type", "EC", "Gone", "/CN=Gone"]).trim();
    const sub = tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Plain", "Sub", "/CN=Sub"]).trim();
    tsca(t, ["revoke_ca", "Sub", "--reason", "superseded"]);
    const goneKey = keyFile(t, gone);
    renameSync(goneKey, `${goneKey}.away`);

    const crls = runTsca(t, ["generate_crls", "--force"]);
    expect(crls.code).toBe(1);
    for (const scope of ["full", "user", "CA"]) expect(crls.stdout).toContain(`"Plain" (${plain}): ${scope} CRL #`);
    expect(crls.stdout).not.toMatch(/Locked|Gone|Sub/);
    // CAs are reported in list order (expiry, then name): Locked and Gone expire in the same second or not.
    const reported = crls.stderr.split("\n");
    expect(reported.slice(2)).toEqual(["Error: The CRLs of 2 CAs could not be generated; the reasons are above.", ""]);
    expect(reported.slice(0, 2)).toHaveLength(2);
    expect(reported.slice(0, 2)).toEqual(
      expect.arrayContaining([
        `"Locked" (${locked}): skipped: The private key is encrypted; name this CA alone with --password, or give its password in TSCA_CA_PASSWORDS_FILE, to generate its CRLs.`,
        expect.stringMatching(new RegExp(`^"Gone" \\(${gone}\\): failed: .+\\.$`)),
      ]),
    );
    // Plain's CRLs were stored all the same.
    const after = runTsca(t, ["generate_crls", "Plain"]);
    expect(after.code).toBe(0);
    expect(after.stdout.trim().split("\n")).toHaveLength(3);
    expect(after.stdout).not.toContain("generated");
    // An encrypted key alone fails the run too.
    const lockedOnly = runTsca(t, ["generate_crls", "--force", "Plain", "Locked"]);
    expect(lockedOnly.code).toBe(1);
    expect(lockedOnly.stderr).toContain(`"Locked" (${locked}): skipped: The private key is encrypted`);
    expect(lockedOnly.stderr).toContain("Error: The CRLs of 1 CA could not be generated; the reasons are above.\n");

    const ocsp = runTsca(t, ["generate_ocsp_keys", "--force"]);
    expect(ocsp.code).toBe(1);
    expect(ocsp.stdout).toMatch(new RegExp(`^"Plain" \\(${plain}\\): OCSP responder certificate [0-9A-F:]+ (created|renewed),`, "m"));
    expect(ocsp.stdout).not.toMatch(/Locked|Gone|Sub/);
    const lines = ocsp.stderr.trim().split("\n");
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^"Locked" \\(${locked}\\): skipped: .*encrypted`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^"Gone" \\(${gone}\\): skipped: .+`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^"Sub" \\(${sub}\\): skipped: .*revoked`)));
    expect(lines.at(-1)).toBe("Error: The OCSP responder of 2 CAs could not be renewed; the reasons are above.");

    // With every usable CA's key at hand, the revoked CA alone does not fail the run.
    renameSync(`${goneKey}.away`, goneKey);
    const ok = runTsca(t, ["generate_ocsp_keys", "--force", "Plain", "Gone", "Sub"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(new RegExp(`^"Sub" \\(${sub}\\): skipped: .*revoked`));
  });
});
