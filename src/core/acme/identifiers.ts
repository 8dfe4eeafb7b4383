/**
 * Order identifiers (RFC 8555 §7.1.4, §7.4; RFC 8738 for IP addresses) and the CA's identifier policy.
 *
 * newOrder identifiers are brought into the one form tsca stores, compares and signs: a "dns" value is an
 * ASCII name in A-labels, lower case, without trailing dot, a wildcard only as a whole leftmost "*."
 * label (§7.1.3); an "ip" value is the RFC 8738 §3 text form (dotted quad, RFC 5952 IPv6). The policy
 * (edit_ca --acme-allow/--acme-deny) and the name constraints of the CA and its ancestors (RFC 5280
 * §4.2.1.10) are checked at newOrder, so a client learns before proving control that the CA would never
 * sign the name, instead of at finalize.
 */
import { isTscaError } from "../errors.js";
import { assertWithinNameConstraints, type ConstraintSource } from "../issuance/name-constraints-check.js";
import { parseCertificate } from "../x509/certificate.js";
import { canonicalDnsName } from "../x509/dns-name.js";
import { nameConstraints } from "../x509/extensions/name-constraints.js";
import { findExtension } from "../x509/extensions/registry.js";
import { isIP } from "../x509/ip.js";
import { printable } from "../text/printable.js";
import type { AcmeIdentifier, CaAcmeSettings } from "./model.js";
import { parsePolicyPattern } from "./policy-pattern.js";
import { AcmeProblem, subproblem, type AcmeErrorType, type AcmeSubproblemJson } from "./problem.js";

export { parsePolicyPattern };

/** At most this many identifiers per order (the CA/B BR and public CAs cap SANs at 100). */
export const MAX_ORDER_IDENTIFIERS = 100;

const ASCII = /^[\x21-\x7e]*$/;

/** The RFC 8738 §3 / RFC 5952 §4 text form of an IP address, or undefined when `s` is not one. */
export function canonicalIp(s: string): string | undefined {
  // parsePolicyPattern brings a bare address into exactly this form (and is the one place that does it).
  return isIP(s) ? parsePolicyPattern(s) : undefined;
}

class IdentifierRefused extends Error {
  constructor(
    readonly type: AcmeErrorType,
    detail: string,
  ) {
    super(detail);
  }
}

function dnsIdentifier(value: string): string {
  const v = printable(value);
  if (!ASCII.test(value)) {
    const r = canonicalDnsName(value, "wildcard");
    const hint = "name" in r ? ` (${r.name})` : "";
    throw new IdentifierRefused(
      "rejectedIdentifier",
      `${v} is not ASCII: give internationalised names as A-labels${hint} (RFC 8555 §7.1.4).`,
    );
  }
  if (value.endsWith("."))
    throw new IdentifierRefused("rejectedIdentifier", `${v} ends with a dot: give the name without the trailing dot.`);
  const wildcard = value.startsWith("*.");
  const base = wildcard ? value.slice(2) : value;
  if (base.includes("*"))
    throw new IdentifierRefused("rejectedIdentifier", `${v}: a wildcard may only be the whole leftmost label ("*.example.com").`);
  const r = canonicalDnsName(base);
  if ("problem" in r) throw new IdentifierRefused("rejectedIdentifier", `${v}: ${r.problem}`);
  const labels = r.name.split(".");
  // A name whose last label is numeric is an address in disguise (WHATWG URL reads 127.1 as IPv4).
  if (/^(\d+|0x[0-9a-f]*)$/.test(labels[labels.length - 1]!))
    throw new IdentifierRefused("rejectedIdentifier", `${v} is not a host name: use an identifier of type "ip" for an IP address.`);
  if (wildcard && labels.length < 2)
    throw new IdentifierRefused(
      "rejectedIdentifier",
      `${v}: a wildcard needs at least two labels after "*." (not a whole top-level domain).`,
    );
  return (wildcard ? "*." : "") + r.name;
}

function oneIdentifier(raw: unknown): AcmeIdentifier {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new IdentifierRefused("malformed", "Every identifier must be an object with a type and a value.");
  const { type, value } = raw as { type?: unknown; value?: unknown };
  if (typeof type !== "string" || typeof value !== "string")
    throw new IdentifierRefused("malformed", "Every identifier must have a string type and a string value.");
  if (type === "dns") return { type: "dns", value: dnsIdentifier(value) };
  if (type === "ip") {
    const ip = canonicalIp(value);
    if (ip === undefined)
      throw new IdentifierRefused("rejectedIdentifier", `${printable(value)} is not an IPv4 or IPv6 address (RFC 8738 §3).`);
    return { type: "ip", value: ip };
  }
  throw new IdentifierRefused("unsupportedIdentifier", `The identifier type ${printable(type)} is not supported ("dns", "ip").`);
}

/** §6.7.1: one problem for the request, its type the subproblems' type when they agree. */
function combined(subs: AcmeSubproblemJson[], what: string): AcmeProblem {
  const types = new Set(subs.map((s) => s.type));
  const type = types.size === 1 ? (subs[0]!.type.slice(subs[0]!.type.lastIndexOf(":") + 1) as AcmeErrorType) : "malformed";
  const detail = subs.length === 1 ? subs[0]!.detail : `${subs.length} identifiers ${what}: ${subs.map((s) => s.detail).join(" ")}`;
  return new AcmeProblem(type, detail, { subproblems: subs });
}

/**
 * The identifiers of a newOrder (§7.4), canonical, duplicates removed (first occurrence kept). Throws one
 * AcmeProblem for the whole list: malformed when it is not a non-empty array of at most 100, otherwise the
 * problem of each refused identifier as a subproblem (unsupportedIdentifier for another type,
 * rejectedIdentifier for a value that is not a name tsca can certify, malformed for a broken object).
 */
export function parseOrderIdentifiers(raw: unknown): AcmeIdentifier[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new AcmeProblem("malformed", "The order must list at least one identifier.");
  if (raw.length > MAX_ORDER_IDENTIFIERS)
    throw new AcmeProblem("malformed", `An order may list at most ${MAX_ORDER_IDENTIFIERS} identifiers; ${raw.length} were given.`);
  const out: AcmeIdentifier[] = [];
  const subs: AcmeSubproblemJson[] = [];
  for (const item of raw) {
    try {
      const id = oneIdentifier(item);
      if (!out.some((o) => o.type === id.type && o.value === id.value)) out.push(id);
    } catch (e) {
      if (!(e instanceof IdentifierRefused)) throw e;
      const { type, value } = (item ?? {}) as { type?: unknown; value?: unknown };
      const named = typeof type === "string" && typeof value === "string" ? { type: type as AcmeIdentifier["type"], value } : undefined;
      subs.push(subproblem(e.type, e.message, named));
    }
  }
  if (subs.length) throw combined(subs, "were refused");
  return out;
}

/** §7.1.4: the authorization for a wildcard order identifier is for the base name, marked wildcard. */
export function authorizationIdentifier(id: AcmeIdentifier): { identifier: AcmeIdentifier; wildcard: boolean } {
  if (id.type === "dns" && id.value.startsWith("*.")) return { identifier: { type: "dns", value: id.value.slice(2) }, wildcard: true };
  return { identifier: id, wildcard: false };
}

/**
 * The reverse-mapping name of an address (RFC 8738 §6: the SNI a tls-alpn-01 validation of an "ip"
 * identifier sends): in-addr.arpa for IPv4 (RFC 1035 §3.5), nibbles in ip6.arpa for IPv6 (RFC 3596 §2.5).
 */
export function ipReverseName(ip: string): string {
  const octets = ipOctets(ip);
  if (octets.length === 4) return `${[...octets].reverse().join(".")}.in-addr.arpa`;
  const nibbles = octets.flatMap((b) => [b >> 4, b & 0xf]).map((n) => n.toString(16));
  return `${nibbles.reverse().join(".")}.ip6.arpa`;
}

/** The 4 or 16 octets of an address (any RFC 4291 text form). */
function ipOctets(address: string): number[] {
  const ip = canonicalIp(address);
  if (ip === undefined) throw new RangeError(`Not an IP address: ${printable(address)}`);
  if (isIP(ip) === 4) return ip.split(".").map(Number);
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const groups = (s: string | undefined): number[] => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

function ipInPattern(ip: string, pattern: string): boolean {
  const [addr, prefixText] = pattern.split("/");
  if (!isIP(addr!)) return false;
  const a = ipOctets(ip);
  const n = ipOctets(addr!);
  if (a.length !== n.length) return false;
  const prefix = prefixText === undefined ? a.length * 8 : Number(prefixText);
  for (let i = 0; i < prefix; i++) if (((a[i >> 3]! ^ n[i >> 3]!) & (0x80 >> (i & 7))) !== 0) return false;
  return true;
}

const zoneOf = (pattern: string): string | undefined =>
  pattern.startsWith("*.") ? pattern.slice(2) : pattern.startsWith(".") ? pattern.slice(1) : undefined;

const below = (name: string, zone: string): boolean => name.endsWith("." + zone);

/**
 * How an identifier relates to a pattern. A plain name matches an exact pattern equal to it, a zone
 * pattern when strictly below the zone. A wildcard "*.base" stands for every name one label below base:
 * all of them match a zone pattern when base is the zone or below it; some of them match an exact
 * pattern one label below base. `all` decides allow (every certified name must be allowed), `some`
 * decides deny (no certified name may be denied).
 */
function matches(id: AcmeIdentifier, pattern: string): { all: boolean; some: boolean } {
  if (id.type === "ip") {
    const m = ipInPattern(id.value, pattern);
    return { all: m, some: m };
  }
  if (isIP(pattern.split("/")[0]!)) return { all: false, some: false };
  const zone = zoneOf(pattern);
  if (id.value.startsWith("*.")) {
    const base = id.value.slice(2);
    if (zone !== undefined) {
      const m = base === zone || below(base, zone);
      return { all: m, some: m };
    }
    const dot = pattern.indexOf(".");
    return { all: false, some: dot > 0 && pattern.slice(dot + 1) === base };
  }
  const m = zone !== undefined ? below(id.value, zone) : id.value === pattern;
  return { all: m, some: m };
}

/** The name-constraint sources of a CA and its ancestors (the CA first, as prepareIssuer builds them). */
export function nameConstraintSources(chain: readonly { name: string; der: Buffer }[]): ConstraintSource[] {
  const out: ConstraintSource[] = [];
  for (const c of chain) {
    const nc = findExtension(parseCertificate(c.der).extensions, nameConstraints);
    if (nc) out.push({ caName: c.name, constraints: nc });
  }
  return out;
}

/**
 * Refuse, at newOrder, identifiers the CA will not certify: outside its allow list (when it has one), on
 * its deny list (deny wins), or outside the name constraints of the CA or an ancestor (RFC 5280
 * §4.2.1.10), checked exactly as the signing worker checks the certificate's SANs (a wildcard as the name
 * in the certificate, "*.base"). Throws AcmeProblem rejectedIdentifier with one subproblem per refused
 * identifier (§6.7.1).
 */
export function checkIdentifierPolicy(ids: AcmeIdentifier[], settings: CaAcmeSettings, constraints: ConstraintSource[] = []): void {
  const subs: AcmeSubproblemJson[] = [];
  for (const id of ids) {
    const denied = settings.denyIdentifiers.find((p) => matches(id, p).some);
    if (denied !== undefined) {
      subs.push(subproblem("rejectedIdentifier", `${id.value} is refused by this CA's ACME policy (denied: ${denied}).`, id));
      continue;
    }
    if (settings.allowIdentifiers.length && !settings.allowIdentifiers.some((p) => matches(id, p).all)) {
      subs.push(subproblem("rejectedIdentifier", `${id.value} is not among the names this CA issues for over ACME.`, id));
      continue;
    }
    try {
      assertWithinNameConstraints([{ type: id.type, value: id.value }], constraints);
    } catch (e) {
      if (!isTscaError(e) || e.code !== "ERR_NAME_CONSTRAINTS") throw e;
      subs.push(subproblem("rejectedIdentifier", e.message, id));
    }
  }
  if (subs.length) throw combined(subs, "are refused by this CA");
}
