/**
 * Passwords for unattended use and on a terminal (issue 7, "Unattended operation and the first hour"):
 * every password option has a `…-file` twin whose first line is the password; an unreadable file is one
 * sentence (ERR_IO, exit 1); an option and its file together, and an empty password from anywhere, are
 * usage errors that change nothing. A new key's password is asked twice on a terminal, through a real
 * pseudo terminal (`script` from util-linux), without echo. The oracle for what a key is encrypted with
 * is `openssl pkey -passin`.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, CA_EXTENSION_ARGS, openssl, runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { makeCsr } from "../../helpers/certs.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";
import { expectOneSentence, expectRefused, ossl, plainSerial } from "../../helpers/oracles.js";

const homes: TscaEnv[] = [];
afterEach(async () => {
  for (const t of homes.splice(0)) await disposeInstallation(t);
});
function install(): TscaEnv {
  const t = tscaEnv();
  homes.push(t);
  return t;
}

const EC = ["--key-type", "EC"];
const file = (t: TscaEnv, name: string, content: string): string => {
  const p = join(t.home, name);
  writeFileSync(p, content, { mode: 0o600 });
  return p;
};
const keyFile = (t: TscaEnv, serial: string): string => join(t.home, "ca", `${plainSerial(serial)}.key`);
/** openssl decrypts the stored key with exactly this password. */
const decrypts = (path: string, password: string): boolean =>
  openssl(["pkey", "-in", path, "-passin", `pass:${password}`, "-noout"]).code === 0;

describe("--…-password-file on every command that takes a password", () => {
  it("init_ca (--password-file, --parent-password-file), sign_cert, resign_cert, dump_crl, generate_crls, generate_ocsp_keys, revoke_ca", () => {
    const t = install();
    // The first line without its line end (LF, or CR LF from an editor elsewhere); later lines are ignored.
    const rootPw = file(t, "root.pass", "root secret\r\nnot this\n");
    const subPw = file(t, "sub.pass", "sub secret\n");
    const root = tsca(t, ["init_ca", ...EC, "--pathlen", "1", "--password-file", rootPw, "Root", "/CN=root.example.test"]).trim();
    expect(decrypts(keyFile(t, root), "root secret")).toBe(true);
    expect(decrypts(keyFile(t, root), "root secret\r")).toBe(false);
    const sub = tsca(t, [
      "init_ca",
      ...EC,
      "--parent",
      "Root",
      "--parent-password-file",
      rootPw,
      "--password-file",
      subPw,
      "Sub",
      "/CN=sub.example.test",
    ]).trim();
    expect(decrypts(keyFile(t, sub), "sub secret")).toBe(true);
    // The wrong file is the wrong password: refused as such.
    expectOneSentence(runTsca(t, ["dump_crl", "--ca", "Sub", "--password-file", rootPw]), 1, /wrong password/);

    const csr = makeCsr("ec", "/CN=www.example.test");
    const pem = tsca(t, ["sign_cert", "--ca", "Sub", "--csr", csr.path, "--password-file", subPw]);
    const serial = ossl(["x509", "-noout", "-serial"], pem)
      .trim()
      .replace(/^serial=/, "");
    expect(tsca(t, ["resign_cert", serial.slice(0, 8), "--password-file", subPw])).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(ossl(["crl", "-noout", "-issuer"], tsca(t, ["dump_crl", "--ca", "Sub", "--password-file", subPw]))).toContain(
      "sub.example.test",
    );
    expect(runTsca(t, ["generate_crls", "Sub", "--force", "--password-file", subPw]).code).toBe(0);
    expect(tsca(t, ["generate_ocsp_keys", "Sub", "--force", "--password-file", subPw])).toMatch(/"Sub" .* (created|renewed)/);
    expect(tsca(t, ["revoke_ca", "Sub", "--password-file", rootPw])).toMatch(/CA CRL #\d+ of "Root" lists it/);
    // Only with exactly one CA named, like --password.
    for (const cmd of ["generate_crls", "generate_ocsp_keys"])
      expectOneSentence(runTsca(t, [cmd, "--password-file", rootPw]), 2, /can only be given when exactly one CA is named/);
  });

  it("import_ca: --import-password-file for the key file, --password-file for the stored key", () => {
    const t = install();
    const key = join(t.home, "imp.key");
    const cert = join(t.home, "imp.pem");
    ossl([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-keyout",
      key,
      "-passout",
      "pass:import me",
      "-subj",
      "/CN=imported.example.test",
      "-days",
      "30",
      ...CA_EXTENSION_ARGS,
      "-out",
      cert,
    ]);
    const importPw = file(t, "import.pass", "import me\n");
    const storePw = file(t, "store.pass", "stored\n");
    const serial = tsca(t, ["import_ca", "--import-password-file", importPw, "--password-file", storePw, "Imported", key, cert]).trim();
    expect(decrypts(keyFile(t, serial), "stored")).toBe(true);
    expect(decrypts(keyFile(t, serial), "import me")).toBe(false);
  });
});

describe("password refusals: nothing is created or changed", () => {
  it("an unreadable file is one sentence (exit 1); the option and its file together are a usage error", async () => {
    const t = install();
    const missing = join(t.home, "missing.pass");
    await expectRefused(
      t,
      ["init_ca", ...EC, "--password-file", missing, "X", "/CN=x"],
      1,
      /missing\.pass: Cannot read the password file \(ENOENT\)\./,
    );
    const dir = join(t.home, "a-directory");
    mkdirSync(dir);
    await expectRefused(
      t,
      ["init_ca", ...EC, "--password-file", dir, "X", "/CN=x"],
      1,
      /a-directory: Cannot read the password file \(EISDIR\)\./,
    );
    if (process.getuid?.() !== 0) {
      const locked = file(t, "locked.pass", "pw\n");
      chmodSync(locked, 0o000);
      await expectRefused(t, ["init_ca", ...EC, "--password-file", locked, "X", "/CN=x"], 1, /Cannot read the password file \(EACCES\)/);
    }
    const pw = file(t, "pw.pass", "pw\n");
    await expectRefused(
      t,
      ["init_ca", ...EC, "--password", "pw", "--password-file", pw, "X", "/CN=x"],
      2,
      /Give either --password or --password-file, not both\./,
    );
    tsca(t, ["init_ca", ...EC, "--pathlen", "1", "--password", "pw", "Root", "/CN=root.example.test"]);
    await expectRefused(
      t,
      ["init_ca", ...EC, "--parent", "Root", "--parent-password", "pw", "--parent-password-file", pw, "X", "/CN=x"],
      2,
      /Give either --parent-password or --parent-password-file, not both\./,
    );
  });

  it("an empty password is refused wherever it comes from: --password=, --password '', an empty first line, an empty piped line", async () => {
    const t = install();
    const empty = file(t, "empty.pass", "");
    const blankLine = file(t, "blank.pass", "\nsecond line\n");
    const refusedValue = /--password: No password was given \(an empty password is refused\)\./;
    await expectRefused(t, ["init_ca", ...EC, "--password=", "X", "/CN=x"], 2, refusedValue);
    await expectRefused(t, ["init_ca", ...EC, "--password", "", "X", "/CN=x"], 2, refusedValue);
    await expectRefused(t, ["init_ca", ...EC, "X", "/CN=x", "--password"], 2, refusedValue, "\n");
    await expectRefused(t, ["init_ca", ...EC, "X", "/CN=x", "--password"], 2, refusedValue, "");
    for (const f of [empty, blankLine])
      await expectRefused(
        t,
        ["init_ca", ...EC, "--password-file", f, "X", "/CN=x"],
        2,
        /The first line of the password file is empty, and an empty password is refused\./,
      );
    // Existing keys too: an empty password is never the right one, so say so instead of "wrong password".
    tsca(t, ["init_ca", ...EC, "--password", "pw", "Root", "/CN=root.example.test"]);
    const csr = makeCsr("ec", "/CN=www.example.test");
    await expectRefused(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--password", ""], 2, refusedValue);
    await expectRefused(t, ["dump_crl", "--ca", "Root", "--password-file", empty], 2, /password file is empty/);
    await expectRefused(t, ["generate_ocsp_keys", "Root", "--password="], 2, refusedValue);
    const caCert = file(t, "root.pem", tsca(t, ["dump_ca", "Root"]));
    await expectRefused(t, ["import_ca", "--import-password=", "Imp", csr.key, caCert], 2, /--import-password: No password was given/);
  });

  it("two bare password options in a pipe read one line each", () => {
    const t = install();
    tsca(t, ["init_ca", ...EC, "--pathlen", "1", "--password", "parent pw", "Root", "/CN=root.example.test"]);
    const sub = tsca(t, ["init_ca", ...EC, "--parent", "Root", "Sub", "/CN=sub.example.test", "--password", "--parent-password"], {
      input: "child pw\nparent pw\n",
    }).trim();
    expect(decrypts(keyFile(t, sub), "child pw")).toBe(true);
  });
});

/** Run tsca on a pseudo terminal, answering each prompt when it appears (no timing assumptions). */
function onTerminal(
  t: TscaEnv,
  args: string[],
  answers: [prompt: string, typed: string][],
): Promise<{ code: number | null; output: string }> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("TSCA_")) delete env[k];
  Object.assign(env, t.env);
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  const child = spawn("script", ["-qefc", command, "/dev/null"], { env, cwd: t.home, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  let seen = 0;
  let next = 0;
  child.stdout.on("data", (d: Buffer) => {
    output += d.toString("utf8");
    // Each prompt is looked for after the previous one, so the same question asked again is found again.
    while (next < answers.length) {
      const at = output.indexOf(answers[next]![0], seen);
      if (at < 0) break;
      seen = at + answers[next]![0].length;
      child.stdin.write(answers[next]![1]);
      next++;
    }
  });
  return new Promise((resolve) =>
    child.on("close", (code) => {
      child.stdin.end();
      resolve({ code, output });
    }),
  );
}

/** util-linux `script` gives the command a real pseudo terminal; Debian has it (bsdutils). */
const hasScript = spawnSync("script", ["--version"]).status === 0;

describe.skipIf(!hasScript)("on a terminal (pseudo terminal through util-linux script)", () => {
  const NEW = "Password for the new CA's private key: ";
  const AGAIN = "Repeat the password: ";

  it("a new key's password is asked twice, without echo; a mismatch asks again; the key has the password typed", async () => {
    const t = install();
    const r = await onTerminal(
      t,
      ["init_ca", ...EC, "Root", "/CN=root.example.test", "--password"],
      [
        [NEW, "first try\r"],
        [AGAIN, "first tyr\r"],
        [NEW, "s3cret\r"],
        [AGAIN, "s3cret\r"],
      ],
    );
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("The passwords do not match; try again.");
    expect(r.output.split(NEW).length - 1).toBe(2);
    for (const typed of ["first", "tyr", "s3cret"]) expect(r.output).not.toContain(typed);
    const serial = /([0-9A-F]{2}(?::[0-9A-F]{2})+)/.exec(r.output)![1]!;
    expect(decrypts(keyFile(t, serial), "s3cret")).toBe(true);
    expect(decrypts(keyFile(t, serial), "first try")).toBe(false);
    // An existing key's password is asked once.
    const crl = await onTerminal(t, ["dump_crl", "--ca", "Root", "--password"], [["Password of the CA's private key: ", "s3cret\r"]]);
    expect(crl.code, crl.output).toBe(0);
    expect(crl.output).toContain("-----BEGIN X509 CRL-----");
    expect(crl.output).not.toContain(AGAIN);
    expect(crl.output).not.toContain("s3cret");
  });

  it("three mismatches, or an empty password typed, end with a usage error and no CA", async () => {
    const t = install();
    const mismatch = await onTerminal(
      t,
      ["init_ca", ...EC, "Root", "/CN=root.example.test", "--password"],
      [
        [NEW, "a\r"],
        [AGAIN, "b\r"],
        [NEW, "c\r"],
        [AGAIN, "d\r"],
        [NEW, "e\r"],
        [AGAIN, "f\r"],
      ],
    );
    expect(mismatch.code).toBe(2);
    expect(mismatch.output).toContain("Error: The passwords typed did not match (3 attempts).");
    const empty = await onTerminal(t, ["init_ca", ...EC, "Root", "/CN=root.example.test", "--password"], [[NEW, "\r"]]);
    expect(empty.code).toBe(2);
    expect(empty.output).toContain("Error: --password: No password was given (an empty password is refused).");
    expect(tsca(t, ["list_cas"])).toBe("");
  });
});
