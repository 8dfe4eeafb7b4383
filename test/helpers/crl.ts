/**
 * Helpers for the CRL tests: a small PKI made through the CLI (root → intermediate → leaves), and the
 * openssl views of a CRL (text, number, serials, verification against a CA).
 */
import { expect } from "vitest";
import { openssl, tsca, type TscaEnv } from "./cli.js";
import { makeCsr } from "./certs.js";
import { ossl, scratch } from "./oracles.js";

export interface Pki {
  root: string;
  inter: string;
  rootPem: string;
  interPem: string;
}

/** Root (EC, path length 1) and an intermediate "Inter" below it. */
export function makePki(t: TscaEnv): Pki {
  const root = tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/C=AT/O=Example/CN=root.example.test"]).trim();
  const inter = tsca(t, ["init_ca", "--key-type", "EC", "--parent", "Root", "Inter", "/C=AT/O=Example/CN=inter.example.test"]).trim();
  return { root, inter, rootPem: tsca(t, ["dump_ca", "Root"]), interPem: tsca(t, ["dump_ca", "Inter"]) };
}

/** A leaf for `cn` signed by `ca`; returns its PEM and serial (colon form, as tsca prints it). */
export function leaf(t: TscaEnv, ca: string, cn: string, extra: string[] = []): { pem: string; serial: string; hex: string } {
  const csr = makeCsr("ec", `/CN=${cn}`);
  const pem = tsca(t, ["sign_cert", "--ca", ca, "--csr", csr.path, ...extra]);
  const hex = ossl(["x509", "-noout", "-serial"], pem)
    .trim()
    .replace(/^serial=/, "");
  return { pem, serial: (hex.match(/../g) ?? []).join(":"), hex };
}

export function crlText(crl: string | Buffer, inform: "PEM" | "DER" = "PEM"): string {
  const r = openssl(["crl", "-inform", inform, "-noout", "-text"], crl);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

export const crlNumberOf = (text: string): number => Number(/X509v3 CRL Number: \n\s+(\d+)/.exec(text)?.[1]);

/** Serials listed on a CRL, in order, as openssl prints them (upper-case hex). */
export const crlSerials = (text: string): string[] => [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!);

/** `openssl crl -CAfile` must say "verify OK". */
export function expectCrlSignedBy(crlPem: string, caPem: string): void {
  const r = openssl(["crl", "-noout", "-CAfile", scratch("ca.pem", caPem)], crlPem);
  expect(r.stderr.trim()).toBe("verify OK");
}

/** `openssl verify` of `target` with CRL checking; returns stdout+stderr and the exit code. */
export function verifyWithCrls(
  rootPem: string,
  untrusted: string[],
  crls: string[],
  target: string,
  flag = "-crl_check_all",
  extra: string[] = [],
): { out: string; code: number } {
  const args = ["verify", flag, ...extra, "-CAfile", scratch("root.pem", rootPem), "-CRLfile", scratch("crls.pem", crls.join(""))];
  if (untrusted.length) args.push("-untrusted", scratch("untrusted.pem", untrusted.join("")));
  args.push(scratch("target.pem", target));
  const r = openssl(args);
  return { out: r.stdout + r.stderr, code: r.code };
}
