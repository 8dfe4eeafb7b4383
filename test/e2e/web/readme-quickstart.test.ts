/**
 * The README's "Certificates that point at `tsca serve`" block runs as written: a new CA's certificates
 * name the CRL, OCSP and CA-certificate URLs of `tsca serve`, and curl and openssl get valid answers from
 * them at once (no generate_crls / generate_ocsp_keys first). Only `npx tsca` (the built bin) and the port
 * (a free one) are substituted.
 */
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, ROOT, newEcKeyArgs, newHome, openssl } from "../../helpers/cli.js";
import { freePort } from "../../helpers/certs.js";

function readmeBlock(heading: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf(heading));
  const m = /```sh\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error(`no sh block after ${heading}`);
  return m[1]!;
}

const home = newHome();
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("README quick start", () => {
  it("the served-URLs block runs verbatim and every URL answers", async () => {
    const port = await freePort();
    const block = readmeBlock("### Certificates that point at `tsca serve`");
    expect(block).toContain("npx tsca serve --port 8080 &");
    const script = [
      "set -euo pipefail",
      // Whatever happens, the server started in the background does not outlive the script.
      "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
      block.replaceAll("npx tsca", `"${process.execPath}" "${BIN}"`).replaceAll("8080", String(port)),
    ].join("\n");
    const csr = openssl([
      "req",
      "-new",
      ...newEcKeyArgs(join(home, "www.key")),
      "-subj",
      "/CN=www.example.com",
      "-out",
      join(home, "www.csr"),
    ]);
    expect(csr.code).toBe(0);
    const env: NodeJS.ProcessEnv = { ...process.env, TSCA_HOME: join(home, "data") };
    for (const k of Object.keys(env)) if (k.startsWith("TSCA_") && k !== "TSCA_HOME") delete env[k];
    const result = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn("bash", ["-c", script], { cwd: home, env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      p.stdout.on("data", (d: Buffer) => (out += d.toString()));
      p.stderr.on("data", (d: Buffer) => (err += d.toString()));
      p.on("close", (code) => resolve({ code, out, err }));
    });
    expect(result.err).not.toMatch(/verify failure|unable to|Error/i);
    expect(result.code, result.err).toBe(0);
    // openssl crl -CAfile: the CRL's signature verified; openssl ocsp: the response verified, status good.
    expect(result.err).toMatch(/verify OK/);
    expect(result.out).toContain("Certificate Revocation List (CRL):");
    expect(result.err).toContain("Response verify OK");
    expect(result.out).toMatch(/served\.pem: good/);
    expect(result.out).toMatch(/subject=CN ?= ?Served Root/);
  });
});
