/**
 * Bad input: each case gets exactly one sentence on stderr (`Error: …`, no stack trace), the right exit
 * code (2 for usage errors: unknown option or command, missing argument, a value that cannot be parsed
 * or is out of range; 1 for everything else), and leaves the data exactly as it was.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { spawnSync } from "node:child_process";
import { BIN, runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { expectOneSentence, scratch, snapshot, type Snapshot } from "../../helpers/oracles.js";

interface Case {
  what: string;
  args: (s: Setup) => string[];
  code: 1 | 2;
  message: RegExp;
}

interface Setup {
  root: string;
  /** A digit that starts the serial of two or more CAs. */
  ambiguous: string;
}

const EC = ["--key-type", "EC"];

const CASES: Case[] = [
  // Subjects.
  {
    what: "malformed subject (empty component)",
    args: () => ["init_ca", ...EC, "X", "/CN=a//O=b"],
    code: 2,
    message: /Could not parse name: empty component\./,
  },
  { what: "malformed subject (no TYPE=VALUE)", args: () => ["init_ca", ...EC, "X", "garbage"], code: 2, message: /expected TYPE=VALUE/ },
  { what: "malformed RFC 4514 subject", args: () => ["init_ca", ...EC, "X", "CN=a,,O=b"], code: 2, message: /Could not parse name/ },
  { what: "unknown attribute type", args: () => ["init_ca", ...EC, "X", "/XX=a/CN=b"], code: 2, message: /Unknown attribute type "XX"/ },
  { what: "country code not two letters", args: () => ["init_ca", ...EC, "X", "/C=Austria/CN=a"], code: 2, message: /two letters/ },
  { what: "common name over 64 characters", args: () => ["init_ca", ...EC, "X", `/CN=${"a".repeat(65)}`], code: 2, message: /at most 64/ },
  {
    what: "subject without CN",
    args: () => ["init_ca", ...EC, "X", "/C=AT/O=Example"],
    code: 1,
    message: /^Error: Subject must contain a common name/,
  },
  // Command line shape.
  { what: "unknown option", args: () => ["init_ca", "--bogus", "X", "/CN=x"], code: 2, message: /unknown option '--bogus'/ },
  { what: "unknown command", args: () => ["frobnicate"], code: 2, message: /unknown command 'frobnicate'/ },
  { what: "missing argument", args: () => ["init_ca", ...EC, "X"], code: 2, message: /missing required argument 'subject'/ },
  // Option values.
  {
    what: "negative path length (--pathlen=-1)",
    args: () => ["init_ca", ...EC, "--pathlen=-1", "X", "/CN=x"],
    code: 2,
    message: /^Error: -1: Path length must be a non-negative integer\.\n$/,
  },
  {
    what: "negative path length (--path-length -1)",
    args: () => ["init_ca", ...EC, "--path-length", "-1", "X", "/CN=x"],
    code: 2,
    message: /non-negative/,
  },
  { what: "non-numeric path length", args: () => ["init_ca", ...EC, "--pathlen", "two", "X", "/CN=x"], code: 2, message: /non-negative/ },
  {
    what: "--pathlen and --no-pathlen both",
    args: () => ["init_ca", ...EC, "--pathlen", "1", "--no-path-length", "X", "/CN=x"],
    code: 2,
    message: /once/,
  },
  {
    what: "key size 1000 (too small)",
    args: () => ["init_ca", "--key-size", "1000", "X", "/CN=x"],
    code: 2,
    message: /^Error: 1000: Key size must be at least 2048 bits\.\n$/,
  },
  {
    what: "key size 3000 (not a power of two)",
    args: () => ["init_ca", "--key-size", "3000", "X", "/CN=x"],
    code: 2,
    message: /^Error: 3000: Key size must be a power of two\.\n$/,
  },
  {
    what: "key size not a number",
    args: () => ["init_ca", "--key-size", "big", "X", "/CN=x"],
    code: 2,
    message: /Key size must be a positive integer/,
  },
  { what: "unknown key type", args: () => ["init_ca", "--key-type", "DSA", "X", "/CN=x"], code: 2, message: /Unknown key type/ },
  {
    what: "unknown elliptic curve",
    args: () => ["init_ca", ...EC, "--elliptic-curve", "secp999", "X", "/CN=x"],
    code: 2,
    message: /Unknown elliptic curve/,
  },
  {
    what: "unknown hash algorithm",
    args: () => ["init_ca", ...EC, "--algorithm", "MD5", "X", "/CN=x"],
    code: 2,
    message: /Unknown signature hash/,
  },
  {
    what: "--algorithm with Ed25519",
    args: () => ["init_ca", "--key-type", "Ed25519", "--algorithm", "SHA-256", "X", "/CN=x"],
    code: 1,
    message: /^Error: Ed25519 keys do not allow an algorithm for signing\.\n$/,
  },
  {
    what: "--key-size with an EC key",
    args: () => ["init_ca", ...EC, "--key-size", "4096", "X", "/CN=x"],
    code: 1,
    message: /only used for RSA/,
  },
  {
    what: "--expires 0",
    args: () => ["init_ca", ...EC, "--expires", "0", "X", "/CN=x"],
    code: 2,
    message: /--expires must be a positive integer/,
  },
  {
    what: "name constraint without permitted/excluded",
    args: () => ["init_ca", ...EC, "--name-constraint", "DNS:example.com", "X", "/CN=x"],
    code: 2,
    message: /must start with "permitted," or "excluded,"/,
  },
  {
    what: "name constraint with a bad network",
    args: () => ["init_ca", ...EC, "--name-constraint", "permitted,IP:10.0.0.0/33", "X", "/CN=x"],
    code: 2,
    message: /Not a valid IP network/,
  },
  {
    what: "bad key usage",
    args: () => ["init_ca", ...EC, "--key-usage", "signEverything", "X", "/CN=x"],
    code: 2,
    message: /Invalid key usage/,
  },
  {
    what: "bad extended key usage",
    args: () => ["init_ca", ...EC, "--extended-key-usage", "fooAuth", "X", "/CN=x"],
    code: 2,
    message: /Extended Key Usage/,
  },
  {
    what: "bad policy identifier",
    args: () => ["init_ca", ...EC, "--policy-identifier", "policy-one", "X", "/CN=x"],
    code: 2,
    message: /Not a valid policy identifier/,
  },
  {
    what: "user notice without a policy",
    args: () => ["init_ca", ...EC, "--user-notice", "hi", "X", "/CN=x"],
    code: 2,
    message: /must be preceded by --policy-identifier/,
  },
  {
    what: "bad output format",
    args: () => ["list_cas", "--output-format", "xml"],
    code: 2,
    message: /Output format must be one of text, json/,
  },
  { what: "DER bundle", args: () => ["dump_ca", "-f", "DER", "--bundle", "Child"], code: 2, message: /cannot be written as DER/ },
  {
    what: "edit_ca --enable --disable",
    args: (s) => ["edit_ca", "--enable", "--disable", s.root],
    code: 2,
    message: /either --enable or --disable/,
  },
  { what: "edit_ca with a malformed URL", args: (s) => ["edit_ca", "--ocsp-url", "http://", s.root], code: 2, message: /Not a valid URI/ },
  // Passwords.
  {
    what: "wrong parent password",
    args: () => ["init_ca", ...EC, "--parent", "Enc", "--parent-password", "wrong", "X", "/CN=x"],
    code: 1,
    message: /^Error: Could not decrypt the private key: wrong password\.\n$/,
  },
  {
    what: "missing parent password",
    args: () => ["init_ca", ...EC, "--parent", "Enc", "X", "/CN=x"],
    code: 1,
    message: /encrypted and no password was given/,
  },
  // Naming CAs.
  { what: "unknown CA (view_ca)", args: () => ["view_ca", "Nope"], code: 1, message: /^Error: Nope: Certificate authority not found\.\n$/ },
  {
    what: "unknown CA (serial prefix)",
    args: () => ["view_ca", "00:11"],
    code: 1,
    message: /^Error: 00:11: Certificate authority not found\.\n$/,
  },
  { what: "unknown CA (edit_ca)", args: () => ["edit_ca", "--ocsp-url", "http://x.example.com", "Nope"], code: 1, message: /not found/ },
  { what: "unknown CA (dump_ca)", args: () => ["dump_ca", "Nope"], code: 1, message: /not found/ },
  {
    what: "unknown parent",
    args: () => ["init_ca", ...EC, "--parent", "Nope", "X", "/CN=x"],
    code: 1,
    message: /^Error: Nope: Certificate authority not found\.\n$/,
  },
  { what: "ambiguous serial prefix", args: (s) => ["view_ca", s.ambiguous], code: 2, message: /Multiple certificate authorities match: / },
  {
    what: "ambiguous parent prefix",
    args: (s) => ["init_ca", ...EC, "--parent", s.ambiguous.toLowerCase(), "X", "/CN=x"],
    code: 2,
    message: /Multiple certificate authorities match/,
  },
  {
    what: "duplicate name",
    args: () => ["init_ca", ...EC, "Root", "/CN=other.example.com"],
    code: 1,
    message: /^Error: Root: A certificate authority with this name already exists\.\n$/,
  },
  {
    what: "rename to a taken name",
    args: () => ["edit_ca", "--name", "Enc", "Root"],
    code: 1,
    message: /^Error: Enc: A certificate authority with this name already exists\.\n$/,
  },
  // Root CAs cannot carry their own revocation pointers (spec: "root CAs cannot sensibly contain a CRL").
  {
    what: "root with --ca-crl-url",
    args: () => ["init_ca", ...EC, "--ca-crl-url", "http://ca.example.com/crl", "X", "/CN=x"],
    code: 1,
    message: /^Error: CRLs cannot be used to revoke root CAs/,
  },
  {
    what: "root with --ca-ocsp-url",
    args: () => ["init_ca", ...EC, "--ca-ocsp-url", "http://ocsp.example.com", "X", "/CN=x"],
    code: 1,
    message: /An OCSP responder cannot be added to root CAs\./,
  },
  {
    what: "root with --ca-issuer-url",
    args: () => ["init_ca", ...EC, "--ca-issuer-url", "http://ca.example.com/ca.crt", "X", "/CN=x"],
    code: 1,
    message: /A CA issuer cannot be added to root CAs\./,
  },
  {
    what: "root with --crl-full-name (3.x)",
    args: () => ["init_ca", ...EC, "--crl-full-name", "http://ca.example.com/crl", "X", "/CN=x"],
    code: 1,
    message: /root CAs/,
  },
  {
    what: "root with an RSA key and --ca-crl-url (refused before key generation)",
    args: () => ["init_ca", "--ca-crl-url", "http://ca.example.com/crl", "X", "/CN=x"],
    code: 1,
    message: /root CAs/,
  },
  // Files.
  {
    what: "dump_ca to a directory that does not exist",
    args: (s) => ["dump_ca", s.root, "/nonexistent/dir/ca.pem"],
    code: 1,
    message: /Cannot write the file/,
  },
  {
    what: "import_ca of files that do not exist",
    args: () => ["import_ca", "X", "/nonexistent/key.pem", "/nonexistent/cert.pem"],
    code: 1,
    message: /Cannot read the private key/,
  },
];

describe.each(BACKENDS)("bad input (%s)", (backend) => {
  let t: TscaEnv;
  let setup: Setup;
  let baseline: Snapshot;
  let listed: string;

  beforeAll(async () => {
    t = tscaEnv(await freshDatabaseUrl(backend));
    const serials = [
      tsca(t, ["init_ca", ...EC, "--pathlen", "1", "--ocsp-url", "http://ocsp.example.com", "Root", "/CN=root.example.com"]).trim(),
      tsca(t, ["init_ca", ...EC, "--pathlen", "1", "--password", "secret", "Enc", "/CN=enc.example.com"]).trim(),
    ];
    // Serials start with 4-7 (20 octets, top bit clear, next bit set), so five CAs always share a first digit.
    let ambiguous: string | undefined;
    for (let i = 0; !ambiguous; i++) {
      serials.push(tsca(t, ["init_ca", ...EC, `Extra ${i}`, `/CN=extra${i}.example.com`]).trim());
      ambiguous = ["4", "5", "6", "7"].find((d) => serials.filter((s) => s.startsWith(d)).length >= 2);
    }
    tsca(t, ["init_ca", ...EC, "--parent", "Root", "Child", "/CN=child.example.com"]);
    setup = { root: serials[0]!, ambiguous };
    baseline = await snapshot(t);
    listed = tsca(t, ["list_cas"]);
    expect(baseline.files.filter((f) => f.endsWith(".key"))).toHaveLength(serials.length + 1);
  });

  // Every database row (sign URLs, names, enabled flags included) and every file in CA_DIR stay as they were.
  it.each(CASES)("$what → exit $code, one sentence, nothing changed", async (c) => {
    const r = runTsca(t, c.args(setup));
    expectOneSentence(r, c.code, c.message);
    expect(await snapshot(t)).toEqual(baseline);
  });

  it("list_cas prints what it printed before all the bad input", () => {
    expect(tsca(t, ["list_cas"])).toBe(listed);
    expect(listed.split("\n").filter(Boolean)).toHaveLength(baseline.rows.certificate_authority!.length);
  });

  it("a unique prefix (any case, with or without colons) and the exact name all work", () => {
    const pem = tsca(t, ["dump_ca", "Root"]);
    const serial = setup.root;
    for (const id of [
      serial,
      serial.replace(/:/g, ""),
      serial.slice(0, 20).toLowerCase(),
      serial.replace(/:/g, "").slice(0, 12).toLowerCase(),
    ])
      expect(tsca(t, ["dump_ca", id])).toBe(pem);
  });

  it("a command refused before its first query exits at once instead of waiting for an idle connection pool", () => {
    // A regression check, not a benchmark: before the fix, PostgreSQL kept the process alive for 10 s.
    const r = spawnSync(process.execPath, [BIN, "init_ca", ...EC, "X", "/O=no common name"], {
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TSCA_"))), ...t.env },
      cwd: t.home,
      timeout: 8_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
  });

  it("--traceback adds the stack trace that is otherwise never shown", () => {
    const r = runTsca(t, ["view_ca", "Nope", "--traceback"]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe("Error: Nope: Certificate authority not found.");
    expect(r.stderr).toMatch(/^\s+at /m);
  });
});

describe("bad configuration", () => {
  it("an unreachable PostgreSQL server is one sentence, exit 1", () => {
    const t = tscaEnv("postgres://nobody:nothing@127.0.0.1:1/none");
    expectOneSentence(runTsca(t, ["list_cas"]), 1, /^Error: Cannot connect to the PostgreSQL database/);
  });

  it("an invalid setting is one sentence, exit 1", () => {
    const t = tscaEnv(undefined, { TSCA_DEFAULT_KEY_SIZE: "1000" });
    expectOneSentence(runTsca(t, ["list_cas"]), 1, /defaultKeySize/);
    const bad = tscaEnv(undefined, { TSCA_CONFIG: scratch("tsca.json", "{not json") });
    expectOneSentence(runTsca(bad, ["list_cas"]), 1, /not readable JSON/);
  });
});
