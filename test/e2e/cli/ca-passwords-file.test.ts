/**
 * TSCA_CA_PASSWORDS_FILE: timers renew the CRLs and OCSP responders of CAs whose keys are encrypted with
 * the passwords of a JSON file (serial → password), which must be private to its owner (0600). A CA the
 * file has no password for is named on stderr and the command exits 1; a file others can read is refused.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";

describe.each(BACKENDS)("TSCA_CA_PASSWORDS_FILE (%s)", (backend) => {
  const made: TscaEnv[] = [];

  afterEach(async () => {
    for (const t of made.splice(0)) await disposeInstallation(t);
  });

  it("lets generate_crls and generate_ocsp_keys renew encrypted CAs unattended, and names a CA it has no password for", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    made.push(t);
    const one = tsca(t, ["init_ca", "--key-type", "EC", "--password", "first secret", "One", "/CN=One"]).trim();
    const two = tsca(t, ["init_ca", "--key-type", "EC", "--password", "second secret", "Two", "/CN=Two"]).trim();
    const file = join(t.home, "ca-passwords.json");
    // Serials as list_cas prints them (colons) or bare: both name the CA.
    writeFileSync(file, JSON.stringify({ [one]: "first secret", [two.replace(/:/g, "").toLowerCase()]: "second secret" }), { mode: 0o600 });
    t.env.TSCA_CA_PASSWORDS_FILE = file;

    // init_ca made CRLs and a responder with the password typed; the timer makes new ones with the file alone.
    const crls = runTsca(t, ["generate_crls", "--force"]);
    expect(crls.code, crls.stderr).toBe(0);
    for (const [name, serial] of [
      ["One", one],
      ["Two", two],
    ])
      for (const scope of ["full", "user", "CA"]) expect(crls.stdout).toContain(`"${name}" (${serial}): ${scope} CRL #2 generated`);
    const ocsp = runTsca(t, ["generate_ocsp_keys", "--force"]);
    expect(ocsp.code, ocsp.stderr).toBe(0);
    expect(ocsp.stdout).toMatch(new RegExp(`^"One" \\(${one}\\): OCSP responder certificate [0-9A-F:]+ (created|renewed)`, "m"));
    expect(ocsp.stdout).toMatch(new RegExp(`^"Two" \\(${two}\\): OCSP responder certificate [0-9A-F:]+ (created|renewed)`, "m"));

    // Without Two's password: One is still renewed, Two is named, and the run fails.
    writeFileSync(file, JSON.stringify({ [one]: "first secret" }));
    const partly = runTsca(t, ["generate_crls", "--force"]);
    expect(partly.code).toBe(1);
    expect(partly.stdout).toContain(`"One" (${one}): full CRL #3 generated`);
    expect(partly.stderr).toContain(`"Two" (${two}): skipped: The private key is encrypted and ${file} has no password for it;`);
    expect(partly.stderr).toContain("Error: The CRLs of 1 CA could not be generated");
    const partlyOcsp = runTsca(t, ["generate_ocsp_keys", "--force"]);
    expect(partlyOcsp.code).toBe(1);
    expect(partlyOcsp.stderr).toContain(`"Two" (${two}): skipped: The private key is encrypted and ${file} has no password for it;`);

    // A wrong password is the CA's failure, not a silent skip.
    writeFileSync(file, JSON.stringify({ [one]: "first secret", [two]: "wrong" }));
    const wrong = runTsca(t, ["generate_crls", "--force"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(new RegExp(`^"Two" \\(${two}\\): failed: .*wrong password`, "m"));

    // A file others can read is refused before anything is signed, naming the file and its mode.
    chmodSync(file, 0o644);
    const open = runTsca(t, ["generate_crls", "--force"]);
    expect(open.code).toBe(1);
    expect(open.stdout).toBe("");
    expect(open.stderr).toContain(`${file}: TSCA_CA_PASSWORDS_FILE can be read or written by other users (mode 0644); make it 0600.`);
    expect(open.stderr).not.toContain("first secret");
    chmodSync(file, 0o600);
    writeFileSync(file, '{"not json": first secret');
    const bad = runTsca(t, ["generate_ocsp_keys"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${file}: TSCA_CA_PASSWORDS_FILE is not valid JSON.`);
    expect(bad.stderr).not.toContain("first secret");
  });
});
