/**
 * Golden transcripts of list_certs and view_cert (issue 3): `main()` of src/main/cli.ts runs in-process
 * with a fixed clock and a deterministic random source (serial numbers), on an Ed25519 CA imported from
 * committed fixtures (test/fixtures/golden, made once by make.sh). EdDSA signatures are deterministic, so
 * serials, dates, fingerprints and PEM are byte-stable and the output must equal the golden files exactly,
 * on every database backend.
 *
 * Regenerate after an intended change of the output: `UPDATE_GOLDEN=1 npx vitest run test/golden`, then
 * review the diff of test/golden/*.txt.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../helpers/databases.js";
import { tscaEnv, type TscaEnv } from "../helpers/cli.js";
import { opensslVerify, ossl } from "../helpers/oracles.js";
import { counterRandom, inProcess, pemBlocks } from "../helpers/certs.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "golden");
const GOLDEN = import.meta.dirname;
const fixture = (name: string): string => join(FIXTURES, name);

const T0 = new Date("2027-03-01T09:30:00Z");
const DAY = 86_400_000;
const at = (d: Date) => ({ now: () => d });

/** Runs commands in-process and records `$ tsca ARGS` followed by the output, like a terminal session. */
class Session {
  readonly transcript: string[] = [];
  private readonly random = counterRandom(42);
  constructor(private readonly t: TscaEnv) {}

  async run(argv: string[], clock: Date = T0, record = true): Promise<string> {
    const out = await inProcess(this.t, argv, { clock: at(clock), random: this.random });
    if (record) this.transcript.push(`$ tsca ${argv.map((a) => (/[\s<>]/.test(a) ? `'${a}'` : a)).join(" ")}\n${out}`);
    return out;
  }
}

function compareGolden(name: string, actual: string, write: boolean): void {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === "1" && write) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

describe("golden fixtures", () => {
  it("are the files the manifest describes", () => {
    const manifest = JSON.parse(readFileSync(fixture("manifest.json"), "utf8")) as Record<string, { sha256: string }>;
    for (const [file, entry] of Object.entries(manifest)) expect(createHash("sha256").update(readFileSync(fixture(file))).digest("hex"), file).toBe(entry.sha256);
    expect(ossl(["x509", "-in", fixture("ca.pem"), "-noout", "-serial"]).trim()).toBe("serial=476F6C64656E526F6F740000000000000000CA01");
  });
});

describe.each(BACKENDS)("golden transcripts of list_certs and view_cert (%s)", (backend) => {
  it("match test/golden/list-certs.txt and test/golden/view-cert.txt byte for byte", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const s = new Session(t);
    const ca = (
      await s.run(
        ["import_ca", "Golden", fixture("ca.key"), fixture("ca.pem"), "--crl-url", "http://crl.example.com/golden.crl", "--ocsp-url", "http://ocsp.example.com/golden", "--issuer-url", "http://ca.example.com/golden.der"],
        T0,
        false,
      )
    ).trim();
    expect(ca).toBe("47:6F:6C:64:65:6E:52:6F:6F:74:00:00:00:00:00:00:00:00:CA:01");

    const serialOf = (json: string): string => (JSON.parse(json) as { serial: string }).serial;
    const sign = async (args: string[], clock = T0): Promise<string> =>
      serialOf(await s.run(["sign_cert", "--csr", fixture("leaf.csr"), "--ca", "Golden", "--output-format", "json", ...args], clock, false));
    const web = await sign(["--watch", "Ops <ops@example.com>"]);
    const client = await sign(["--subject", "/C=AT/O=Example/CN=alice@example.com", "--client", "--expires", "30", "--policy-identifier", "1.3.6.1.4.1.99999.1", "--certification-practice-statement", "https://cps.example.com/"]);
    const expired = await sign(["--subject", "/CN=old.example.com", "--expires", "10"], new Date(T0.getTime() - 20 * DAY));
    const revoked = await sign(["--subject", "/CN=revoked.example.com", "--expires", "60", "--tls-feature", "status_request"]);
    await s.run(["revoke_cert", revoked, "--reason", "key_compromise", "--compromised", "2027-02-27T00:00:00Z"], new Date(T0.getTime() + 3600_000), false);

    // What the transcripts show is real: the certificate verifies with the fixture CA (openssl), and its
    // fingerprint is the one view_cert prints.
    const pem = await s.run(["dump_cert", web], T0, false);
    const v = opensslVerify(readFileSync(fixture("ca.pem"), "utf8"), [], pem, ["-attime", String(T0.getTime() / 1000)]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const fingerprint = ossl(["x509", "-noout", "-fingerprint", "-sha256"], pem).trim().replace(/^.*=/, "");

    const list = new Session(t);
    await list.run(["list_certs"]);
    await list.run(["list_certs", "--expired", "--revoked"]);
    await list.run(["list_certs", "--ca", "Golden", "--expires-within", "40"]);
    await list.run(["list_certs", "--expired", "--revoked", "--output-format", "json"]);
    compareGolden("list-certs.txt", list.transcript.join("\n"), backend === "sqlite");

    const view = new Session(t);
    const webView = await view.run(["view_cert", web]);
    await view.run(["view_cert", client, "--no-pem"]);
    await view.run(["view_cert", revoked, "--no-pem"]);
    await view.run(["view_cert", expired, "--no-pem", "--no-extensions"]);
    compareGolden("view-cert.txt", view.transcript.join("\n"), backend === "sqlite");
    expect(webView).toContain(`  SHA-256: ${fingerprint}\n`);
    expect(pemBlocks(webView)).toEqual([pem]);
  });
});
