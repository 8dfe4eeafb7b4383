/**
 * Enforcing name constraints at issuance (RFC 5280 §4.2.1.10, §6.1.4 (g), §6.1.3 (b)-(c)): every name of
 * a new certificate — its subject DN, a DNS-like common name, e-mail addresses in the subject, and every
 * SAN — must lie inside the permitted subtrees (when any of that name type exist) and outside every
 * excluded subtree, of the issuing CA and of each ancestor. Clients check this too; refusing here means a
 * CA never signs a certificate that verifiers would reject.
 */
import { TscaError } from "../errors.js";
import { canonicalDnsName, dnsNameOrUndefined, looksLikeHostName, type DnsNameForm } from "../x509/dns-name.js";
import { encodeGeneralName, formatGeneralName, type GeneralName } from "../x509/general-name.js";
import { isIP } from "../x509/ip.js";
import type { NameConstraints } from "../x509/extensions/name-constraints.js";
import { OID_COMMON_NAME, type Name } from "../x509/name.js";
import { printable } from "../text/printable.js";

const OID_EMAIL = "1.2.840.113549.1.9.1";

/**
 * The form a host is compared in, for the name and for the subtree alike (RFC 5280 §4.2.1.10, §7.2):
 * canonical (A-labels, lower case, no trailing dot, core/x509/dns-name.ts). Issuance hands in canonical
 * names already; subtrees of an imported CA may be spelled otherwise and are brought to the same form.
 * What cannot be made canonical is compared lower-cased without its trailing dot.
 */
const host = (s: string, form: DnsNameForm): string => dnsNameOrUndefined(s, form) ?? s.toLowerCase().replace(/\.$/, "");

/** dNSName: "example.com" covers itself and every subdomain; ".example.com" only subdomains. */
function dnsWithin(name: string, base: string): boolean {
  const n = host(name, "wildcard").replace(/^\*\./, "x.");
  const b = host(base, "constraint");
  if (b === "") return true;
  if (b.startsWith(".")) return n.endsWith(b);
  return n === b || n.endsWith("." + b);
}

/** rfc822Name: "a@host" one mailbox, "host" all mailboxes at host, ".host" any subdomain of host. */
function emailWithin(name: string, base: string): boolean {
  const at = name.lastIndexOf("@");
  const h = host(name.slice(at + 1), "name");
  if (base.includes("@"))
    return name.slice(0, at) === base.slice(0, base.lastIndexOf("@")) && h === host(base.slice(base.lastIndexOf("@") + 1), "name");
  const b = host(base, "constraint");
  return b.startsWith(".") ? h.endsWith(b) : h === b;
}

/** uniformResourceIdentifier: the host part, like DNS but ".host" only subdomains and "host" exactly. */
function uriWithin(uri: string, base: string): boolean {
  let h: string;
  try {
    // The URL parser applies UTS #46 to the host (A-labels, lower case) and decodes %2e; the trailing dot goes here.
    h = host(new URL(uri).hostname.replace(/^\[|\]$/g, ""), "name");
  } catch {
    return false;
  }
  const b = host(base, "constraint");
  return b.startsWith(".") ? h.endsWith(b) : h === b;
}

/** The 4 or 16 octets of an address, exactly as the iPAddress GeneralName encodes them (IPv4-mapped forms too). */
function ipBytes(ip: string): number[] {
  return [...encodeGeneralName({ type: "ip", value: ip }).subarray(2)];
}

function ipWithin(ip: string, base: GeneralName & { type: "ip" }): boolean {
  const a = ipBytes(ip);
  const n = ipBytes(base.value);
  if (a.length !== n.length) return false;
  const prefix = base.prefix ?? a.length * 8;
  for (let i = 0; i < prefix; i++) if (((a[i >> 3]! >> (7 - (i & 7))) & 1) !== ((n[i >> 3]! >> (7 - (i & 7))) & 1)) return false;
  return true;
}

/**
 * Attribute values compared as RFC 4518 prepares them, approximately: NFKC, case-folded, insignificant
 * space removed (§2.6.1) — so neither case nor spacing nor a compatibility spelling gets a name out of a
 * subtree (RFC 5280 §7.1).
 */
const prepared = (v: string): string => v.normalize("NFKC").toLowerCase().trim().replace(/\s+/g, " ");

/** directoryName: the base's RDNs are a prefix of the name's RDNs (§7.1 comparison, case-insensitive). */
function dirWithin(name: Name, base: Name): boolean {
  if (base.length > name.length) return false;
  return base.every((rdn, i) => {
    const other = name[i]!;
    return rdn.length === other.length && rdn.every((a, j) => a.oid === other[j]!.oid && prepared(a.value) === prepared(other[j]!.value));
  });
}

/**
 * Whether some expansion of a wildcard dNSName ("*.example.com") lies in the subtree `base`: the wildcard
 * is one label, so that is "www.example.com" or ".example.com". Verifiers such as Chromium treat a wildcard
 * as excluded in that case, so the CA must too.
 */
function wildcardMayBeWithin(name: GeneralName, base: GeneralName): boolean {
  if (name.type !== "dns" || base.type !== "dns" || !name.value.startsWith("*.")) return false;
  const b = host(base.value, "constraint");
  const dot = b.indexOf(".");
  return dot >= 0 && b.slice(dot + 1) === host(name.value.slice(2), "name");
}

function within(name: GeneralName, base: GeneralName): boolean | undefined {
  if (name.type !== base.type) return undefined;
  switch (name.type) {
    case "dns":
      return dnsWithin(name.value, base.value as string);
    case "email":
      return emailWithin(name.value, base.value as string);
    case "uri":
      return uriWithin(name.value, base.value as string);
    case "ip":
      return ipWithin(name.value, base as GeneralName & { type: "ip" });
    case "dirName":
      return dirWithin(name.value, base.value as Name);
    default:
      return undefined;
  }
}

/**
 * A common name as a verifier that still reads the CN would take it: an IP address, a host name in
 * canonical form (so `evil.com.`, `EVIL.com` and `ｅｖｉｌ。com` are all `evil.com`), or neither.
 * A CN that reads as a host name but is not a valid one is refused rather than left unchecked.
 */
export function commonNameAsGeneralName(cn: string): GeneralName | undefined {
  if (isIP(cn)) return { type: "ip", value: cn };
  if (!looksLikeHostName(cn)) return undefined;
  const r = canonicalDnsName(cn, "wildcard");
  if ("problem" in r)
    throw new TscaError(
      "ERR_INVALID_GENERAL_NAME",
      `CN=${printable(cn)}: ${r.problem.replace(/\.$/, "")} (a common name that reads as a host name must be a valid one).`,
    );
  return { type: "dns", value: r.name };
}

/** The names a verifier checks against name constraints. */
export function constrainedNames(subject: Name, sans: GeneralName[]): GeneralName[] {
  const names: GeneralName[] = [];
  if (subject.length) names.push({ type: "dirName", value: subject });
  for (const rdn of subject)
    for (const a of rdn) {
      if (a.oid === OID_EMAIL) names.push({ type: "email", value: a.value });
      // A host-name-looking CN is checked like a dNSName, as TLS clients do (CA/B BR §7.1.4.3).
      if (a.oid === OID_COMMON_NAME) {
        const g = commonNameAsGeneralName(a.value);
        if (g) names.push(g);
      }
    }
  names.push(...sans);
  return names;
}

export interface ConstraintSource {
  caName: string;
  constraints: NameConstraints;
}

export function assertWithinNameConstraints(names: GeneralName[], sources: ConstraintSource[]): void {
  for (const { caName, constraints } of sources) {
    for (const name of names) {
      for (const ex of constraints.excluded)
        if (within(name, ex) || wildcardMayBeWithin(name, ex))
          throw new TscaError(
            "ERR_NAME_CONSTRAINTS",
            `${printable(formatGeneralName(name))} is excluded by the name constraints of CA "${caName}" (${printable(formatGeneralName(ex))}).`,
          );
      const permittedOfType = constraints.permitted.filter((p) => p.type === name.type);
      if (permittedOfType.length && !permittedOfType.some((p) => within(name, p)))
        throw new TscaError(
          "ERR_NAME_CONSTRAINTS",
          `${printable(formatGeneralName(name))} is not within the permitted names of CA "${caName}".`,
        );
    }
  }
}
