/**
 * The first hour with the command line (issue 7, "Unattended operation and the first hour"): every -h ends
 * with examples; init_ca -h groups its options and wraps to the terminal ($COLUMNS when help is piped);
 * placeholders are consistent; the did-you-mean hint reaches the user; bare `tsca` is a usage error;
 * `tsca -h` names the data directory and the main environment variables, without creating anything.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, runTsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";

const homes: TscaEnv[] = [];
afterEach(async () => {
  for (const t of homes.splice(0)) await disposeInstallation(t);
});
function install(extra: Record<string, string> = {}): TscaEnv {
  const t = tscaEnv(undefined, extra);
  homes.push(t);
  return t;
}

/** The commands `tsca -h` lists (the part before the data directory), aliases excluded. */
function listedCommands(help: string): string[] {
  const list = help.split("\nData directory")[0]!;
  return [...list.matchAll(/^ {2}([a-z_]+)(?= |$)/gm)].map((m) => m[1]!).filter((c) => c !== "help");
}

/** The option lines of a help text (what precedes "Examples:"). */
const optionPart = (help: string): string => help.split("\nExamples:\n")[0]!;

describe("tsca -h and every command's -h", () => {
  it("tsca -h names the data directory, its default and the main environment variables, and creates nothing", () => {
    const t = install();
    const home = join(t.home, "not-yet");
    const r = runTsca({ ...t, env: { ...t.env, TSCA_HOME: home } }, ["-h"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Data directory (TSCA_HOME):");
    expect(r.stdout).toContain("default: $XDG_DATA_HOME/tsca, else ~/.local/share/tsca");
    expect(r.stdout).toContain(`now:     ${home}\n`);
    for (const v of ["TSCA_HOME", "TSCA_CONFIG", "TSCA_DATABASE_URL", "TSCA_CA_DIR", "TSCA_DEFAULT_HOSTNAME", "TSCA_DEFAULT_CA"])
      expect(r.stdout).toMatch(new RegExp(`^ {2}${v} +\\S`, "m"));
    expect(r.stdout).toMatch(/\nExamples:\n {2}# create a root CA\n {2}tsca init_ca /);
    expect(existsSync(home)).toBe(false);
  });

  it("every command's -h ends with examples of that command", () => {
    const t = install();
    const commands = listedCommands(runTsca(t, ["-h"]).stdout);
    expect(commands.length).toBeGreaterThanOrEqual(20);
    expect(commands).toEqual(expect.arrayContaining(["init_ca", "sign_cert", "dump_crl", "generate_crls", "generate_ocsp_keys", "serve"]));
    for (const cmd of commands) {
      const r = runTsca(t, [cmd, "-h"]);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/\nExamples:\n/);
      const examples = r.stdout.split("\nExamples:\n")[1]!;
      expect(examples, cmd).toMatch(new RegExp(`^ {2}(?:.*\\| )?tsca ${cmd} `, "m"));
    }
  });

  it("init_ca -h groups its options: key, hierarchy, URLs, extensions, metadata", () => {
    const t = install();
    const help = optionPart(runTsca(t, ["init_ca", "-h"]).stdout);
    const headings = [...help.matchAll(/^(\S[^\n]*):$/gm)].map((m) => m[1]!);
    const order = ["Key", "Hierarchy and validity", "URLs", "Extensions of this CA's certificate", "Metadata (ACME)", "Options"];
    const found = order.map((h) => headings.findIndex((x) => x.startsWith(h)));
    expect(
      found.every((i) => i >= 0),
      headings.join(" | "),
    ).toBe(true);
    expect([...found].sort((a, b) => a - b)).toEqual(found);
    const section = (heading: string): string => help.split(new RegExp(`\\n${heading}[^\\n]*:\\n`))[1]!.split("\n\n")[0]!;
    expect(section("Key")).toMatch(/--key-type <type>[\s\S]*--password \[password\][\s\S]*--password-file <file>/);
    expect(section("Hierarchy and validity")).toMatch(
      /--parent <ca>[\s\S]*--expires <days>[\s\S]*--pathlen <n>[\s\S]*--parent-password-file/,
    );
    expect(section("URLs")).toMatch(/--ca-crl-url <url>[\s\S]*--default-hostname <host>[\s\S]*--crl-url <url>[\s\S]*--ocsp-url <url>/);
    expect(section("Extensions of this CA's certificate")).toMatch(/--name-constraint[\s\S]*--key-usage[\s\S]*--policy-identifier/);
    expect(section("Metadata \\(ACME\\)")).toMatch(/--website <url>[\s\S]*--tos <url>[\s\S]*--caa <identity>/);
  });

  it("help wraps to $COLUMNS when it is not a terminal (and to 80 without)", () => {
    for (const [columns, width] of [
      ["120", 120],
      ["", 80],
    ] as const) {
      const t = install(columns ? { COLUMNS: columns } : {});
      const lines = optionPart(runTsca(t, ["init_ca", "-h"]).stdout).split("\n");
      expect(Math.max(...lines.map((l) => l.length)), `COLUMNS=${columns}`).toBeLessThanOrEqual(width);
      // The descriptions use the room: some line is longer than the next narrower setting allows.
      expect(Math.max(...lines.map((l) => l.length)), `COLUMNS=${columns}`).toBeGreaterThan(width - 10);
    }
  });

  it("placeholders are consistent: <url>, <days>, <ca>, <file>; no <value>, [path] or <cert_file>", () => {
    const t = install();
    for (const cmd of listedCommands(runTsca(t, ["-h"]).stdout)) {
      const help = optionPart(runTsca(t, [cmd, "-h"]).stdout);
      expect(help, cmd).not.toMatch(/<value>|\[path\]|<cert_file>|<seconds>/);
      for (const m of help.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+) ([<[][a-z_.]+[>\]])/gm)) {
        const [, flag, placeholder] = m;
        if (
          /-url$|^--(website|tos|crl-full-name|ocsp-responder|ca-issuer|sign-crl-full-name|sign-ocsp-responder|sign-ca-issuer|sign-freshest-crl|certification-practice-statement)$/.test(
            flag!,
          )
        )
          expect(placeholder, `${cmd} ${flag}`).toBe("<url>");
        if (/^--(ca|parent)$/.test(flag!)) expect(placeholder, `${cmd} ${flag}`).toBe("<ca>");
        if (/-file$|^--(csr|out)$/.test(flag!)) expect(placeholder, `${cmd} ${flag}`).toBe("<file>");
        if (/^--expires(-within)?$/.test(flag!)) expect(placeholder, `${cmd} ${flag}`).toMatch(/^<(days|duration)>$/);
      }
    }
    expect(runTsca(t, ["sign_cert", "-h"]).stdout).toContain("--expires <days>");
    expect(runTsca(t, ["dump_crl", "-h"]).stdout).toMatch(
      /--expires <duration>\s+time until the CRL's nextUpdate: 7d, 24h, 30m or\s+3600s; a bare number is seconds/,
    );
  });
});

describe("usage errors that help", () => {
  it("bare tsca: the usage on stderr, exit 2", () => {
    const t = install();
    for (const args of [[], ["--traceback"]]) {
      const r = runTsca(t, args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^Usage: tsca \[options\] \[command\]\n/);
      expect(r.stderr).toContain("init_ca <name> <subject>");
    }
    expect(runTsca(t, ["help"]).code).toBe(0);
  });

  it("the did-you-mean hint for a mistyped command or option reaches the user", () => {
    const t = install();
    const cases: [string[], string][] = [
      [["init_cq"], "Error: unknown command 'init_cq'; did you mean init_ca? (see tsca -h)\n"],
      [["init_ca", "--key-typ", "EC", "X", "/CN=x"], "Error: unknown option '--key-typ'; did you mean --key-type? (see tsca init_ca -h)\n"],
      [["cache_crls", "--forse"], "Error: unknown option '--forse'; did you mean --force? (see tsca cache_crls -h)\n"],
      [
        ["sign_cert", "--pasword-file", "x"],
        "Error: unknown option '--pasword-file'; did you mean --password-file? (see tsca sign_cert -h)\n",
      ],
    ];
    for (const [args, stderr] of cases) {
      const r = runTsca(t, args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toBe(stderr);
      expect(r.stdout).toBe("");
    }
  });
});

describe("a reader that stops early", () => {
  it("a closed pipe on standard output ends tsca quietly, without an EPIPE stack trace", () => {
    const t = install();
    const flag = join(t.home, "reader-gone");
    const stderr = join(t.home, "stderr");
    // The reader closes its end and leaves before tsca starts (it waits for the flag): every write of
    // tsca then fails with EPIPE, whatever the machine's speed.
    const script = `{ while [ ! -e "${flag}" ]; do sleep 0.05; done; "${process.execPath}" "${BIN}" -h 2>"${stderr}"; echo $? >"${flag}.code"; } | { exec 0<&-; touch "${flag}"; }`;
    const r = spawnSync("sh", ["-c", script], { env: { ...process.env, TSCA_HOME: t.home }, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(readFileSync(stderr, "utf8")).toBe("");
    expect(readFileSync(`${flag}.code`, "utf8").trim()).toBe("0");
  });
});
