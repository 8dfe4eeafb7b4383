/**
 * Options for what a CA adds to the certificates it signs, shared by init_ca, import_ca and edit_ca.
 * 1.x spellings (`--crl-url`, `--ocsp-url`, `--issuer-url`, `--issuer-alt-name`; the spec's `--ca-url`
 * example too) and 3.x spellings (`--sign-crl-full-name`, …) are both accepted and merged.
 */
import { Option, type Command } from "commander";
import type { SignedCertificateUrls } from "../../../core/ca/new-ca.js";
import { TscaError } from "../../../core/errors.js";
import { collect, generalNames, urlName } from "../values.js";

const GROUPS = [
  { key: "crlUrls", legacy: ["crl-url", "ca-url"], modern: "sign-crl-full-name", what: "CRL distribution point URL" },
  { key: "ocspUrls", legacy: ["ocsp-url"], modern: "sign-ocsp-responder", what: "OCSP responder URL" },
  { key: "issuerUrls", legacy: ["issuer-url"], modern: "sign-ca-issuer", what: "URL of this CA's certificate (CA issuers)" },
  { key: "issuerAltNames", legacy: ["issuer-alt-name"], modern: "sign-issuer-alternative-name", what: "issuer alternative name" },
  {
    key: "freshestCrlUrls",
    legacy: ["freshest-crl-url"],
    modern: "sign-freshest-crl",
    what: "delta CRL URL (Freshest CRL, RFC 5280 §4.2.1.15)",
  },
] as const;

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function addSignedCertificateOptions(cmd: Command, opts: { clearable?: boolean } = {}): void {
  for (const g of GROUPS) {
    const [first, ...aliases] = g.legacy;
    // Placeholders: <url> for URLs, <name> for the issuer alternative name (a general name, e.g. URI:… or DNS:…).
    const value = g.key === "issuerAltNames" ? "<name>" : "<url>";
    cmd.option(`--${first} ${value}`, `${g.what} added to certificates this CA signs; repeatable`, collect);
    for (const alias of aliases)
      cmd.addOption(new Option(`--${alias} ${value}`, `same as --${first} (spelling used by the spec)`).argParser(collect));
    cmd.option(`--${g.modern} ${value}`, `3.x spelling of --${first}`, collect);
    if (opts.clearable) cmd.option(`--clear-${first}`, `remove every ${g.what} added to signed certificates`);
  }
}

/**
 * The values given, or undefined for a group not mentioned at all (edit_ca keeps it); [] when cleared.
 * URL groups take http(s) URLs (and ldap for CRLs, RFC 5280 §4.2.1.13) with {SERIAL_HEX}-style templates;
 * a group given and cleared in one command is refused rather than one of them silently winning.
 */
export function signedCertificateUrlChanges(o: Record<string, unknown>): Partial<SignedCertificateUrls> {
  const out: Partial<SignedCertificateUrls> = {};
  for (const g of GROUPS) {
    const flags = [...g.legacy, g.modern];
    const given = flags.flatMap((f) => ((o[camel(f)] as string[] | undefined) ?? []).map((v) => ({ flag: `--${f}`, v })));
    const cleared = Boolean(o[camel(`clear-${g.legacy[0]}`)]);
    if (given.length && cleared)
      throw new TscaError("ERR_INVALID_ARGUMENT", `Give either ${given[0]!.flag} or --clear-${g.legacy[0]}, not both.`);
    if (given.length === 0 && !cleared) continue;
    const ldap = g.key === "crlUrls" || g.key === "freshestCrlUrls";
    out[g.key] =
      g.key === "issuerAltNames" ? generalNames(given.map((x) => x.v)) : given.map((x) => urlName(x.v, x.flag, { ldap, templates: true }));
  }
  return out;
}

export function signedCertificateUrls(o: Record<string, unknown>): SignedCertificateUrls {
  return { crlUrls: [], ocspUrls: [], issuerUrls: [], issuerAltNames: [], freshestCrlUrls: [], ...signedCertificateUrlChanges(o) };
}
