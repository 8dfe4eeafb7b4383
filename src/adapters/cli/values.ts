/** Parsing command-line strings into domain values; each failure is a usage error (exit 2) with one sentence. */
import { TscaError } from "../../core/errors.js";
import { hasUrlTemplate, urlTemplateProblem } from "../../core/ca/url-templates.js";
import { printable } from "../../core/text/printable.js";
import { oidProblem } from "../../core/x509/oids.js";
import { parseGeneralName, type GeneralName } from "../../core/x509/general-name.js";
import type { PolicyInformation } from "../../core/x509/extensions/certificate-policies.js";
import type { NameConstraints } from "../../core/x509/extensions/name-constraints.js";

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Repeatable options that also accept comma-separated lists (`--key-usage a,b --key-usage c`). */
export const splitList = (values: string[] | undefined): string[] | undefined =>
  values
    ?.flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");

export function nonNegativeInt(value: string, option: string): number {
  if (!/^\d+$/.test(value.trim())) throw new TscaError("ERR_INVALID_ARGUMENT", `${value}: ${option} must be a non-negative integer.`);
  return Number(value);
}

export function positiveInt(value: string, option: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) <= 0)
    throw new TscaError("ERR_INVALID_ARGUMENT", `${value}: ${option} must be a positive integer.`);
  return Number(value);
}

export const generalNames = (values: string[] | undefined): GeneralName[] => (values ?? []).map((v) => parseGeneralName(v));

export interface UrlRules {
  /** ldap:// too (CRL distribution points and Freshest CRL, RFC 5280 §4.2.1.13). */
  ldap?: boolean;
  /** {SERIAL_HEX}-style fields, filled in by the use case (core/ca/url-templates.ts). */
  templates?: boolean;
}

/**
 * A URL option's value: `http://…`, `https://…` (and `ldap://…` where allowed), bare or as `URI:…`.
 * Anything else is one usage error naming the option: a host without a scheme would otherwise have
 * become a DNS general name, and an ftp:// URL a location no relying party fetches revocation data from.
 */
export function urlName(value: string, option: string, rules: UrlRules = {}): GeneralName {
  const url = value.replace(/^uri:/i, "");
  assertScheme(url, value, option, rules.ldap ? ["http", "https", "ldap"] : ["http", "https"]);
  if (!hasUrlTemplate(url)) return parseGeneralName(`URI:${url}`);
  if (!rules.templates)
    throw new TscaError("ERR_INVALID_ARGUMENT", `${printable(value)}: ${option} does not expand URL templates such as {SERIAL_HEX}.`);
  const problem = urlTemplateProblem(url);
  if (problem) throw new TscaError("ERR_INVALID_ARGUMENT", `${printable(value)}: ${option}: ${problem}`);
  // The URL as it will be once filled in must be valid; it is kept with its fields until the serials are known.
  parseGeneralName(`URI:${url.replace(/\{[A-Z_]+\}/g, "0")}`);
  return { type: "uri", value: url };
}

function assertScheme(url: string, value: string, option: string, schemes: string[]): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined && schemes.includes(scheme)) return;
  const forms = schemes.map((x) => `${x}://`);
  throw new TscaError(
    "ERR_INVALID_ARGUMENT",
    `${printable(value)}: ${option} takes a URL starting with ${forms.slice(0, -1).join(", ")} or ${forms.at(-1)!}.`,
  );
}

export const urlNames = (values: string[] | undefined, option: string, rules: UrlRules = {}): GeneralName[] =>
  (values ?? []).map((v) => urlName(v, option, rules));

/** A plain http(s) URL (website, terms of service, CPS): the text as given, once checked. */
export function httpUrl(value: string, option: string): string {
  assertScheme(value, value, option, ["http", "https"]);
  if (hasUrlTemplate(value))
    throw new TscaError("ERR_INVALID_ARGUMENT", `${printable(value)}: ${option} does not expand URL templates such as {SERIAL_HEX}.`);
  const uri = parseGeneralName(`URI:${value}`);
  return uri.type === "uri" ? uri.value : value;
}

/** `permitted,DNS:example.com` / `excluded,…` (1.x) merged with `--permit-name` / `--exclude-name` (3.x). */
export function nameConstraints(
  legacy: string[] | undefined,
  permit: string[] | undefined,
  exclude: string[] | undefined,
): NameConstraints {
  const out: NameConstraints = { permitted: [], excluded: [] };
  for (const v of legacy ?? []) {
    const m = /^(permitted|excluded),(.+)$/i.exec(v);
    if (!m) throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: A name constraint must start with "permitted," or "excluded,".`);
    (m[1]!.toLowerCase() === "permitted" ? out.permitted : out.excluded).push(parseGeneralName(m[2]!, { constraint: true }));
  }
  for (const v of permit ?? []) out.permitted.push(parseGeneralName(v, { constraint: true }));
  for (const v of exclude ?? []) out.excluded.push(parseGeneralName(v, { constraint: true }));
  return out;
}

/**
 * Certificate policies from the raw argv order: `--certification-practice-statement` and `--user-notice`
 * attach to the `--policy-identifier` before them (RFC 5280 §4.2.1.4 qualifiers).
 */
export function policiesFromArgv(
  argv: string[],
  names = { id: "--policy-identifier", cps: "--certification-practice-statement", notice: "--user-notice" },
): PolicyInformation[] {
  const policies: PolicyInformation[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const take = (flag: string): string | undefined => {
      if (arg === flag) return argv[++i];
      if (arg.startsWith(flag + "=")) return arg.slice(flag.length + 1);
      return undefined;
    };
    const id = take(names.id);
    if (id !== undefined) {
      const o = id === "anyPolicy" ? "2.5.29.32.0" : id;
      const problem = oidProblem(o);
      if (problem)
        throw new TscaError("ERR_INVALID_ARGUMENT", `${id}: Not a valid policy identifier (a dotted OID or anyPolicy): ${problem}`);
      policies.push({ oid: o, cps: [], notices: [] });
      continue;
    }
    const cps = take(names.cps);
    if (cps !== undefined) {
      if (!policies.length) throw new TscaError("ERR_INVALID_ARGUMENT", `${names.cps} must be preceded by ${names.id}.`);
      httpUrl(cps, names.cps);
      policies[policies.length - 1]!.cps.push(cps);
      continue;
    }
    const notice = take(names.notice);
    if (notice !== undefined) {
      if (!policies.length) throw new TscaError("ERR_INVALID_ARGUMENT", `${names.notice} must be preceded by ${names.id}.`);
      // RFC 5280 §4.2.1.4: explicitText SHOULD NOT exceed 200 characters.
      if ([...notice].length > 200) throw new TscaError("ERR_INVALID_ARGUMENT", "A user notice must not be longer than 200 characters.");
      policies[policies.length - 1]!.notices.push(notice);
    }
  }
  return policies;
}
