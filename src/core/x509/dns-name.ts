/**
 * The one canonical form of a DNS name, used for every host name tsca checks or writes: a dNSName, the
 * host of an e-mail address, a host-name common name, a name-constraint subtree. Constraint and policy
 * checks compare exactly the form that is encoded, so spellings of the same name cannot slip past them:
 *
 * - A-labels: a name with non-ASCII characters is converted by IDNA UTS #46 (nontransitional processing,
 *   `node:url` domainToASCII) — RFC 5280 §7.2 requires A-labels in dNSName, and verifiers compare A-labels.
 *   The mapping also folds full-width letters and the ideographic full stop (U+3002), so `ｅｖｉｌ。com` is
 *   `evil.com` here as it is in a browser.
 * - lower case: DNS names compare case-insensitively (RFC 4343, RFC 5280 §4.2.1.10 / §7.2).
 * - no trailing dot: `evil.com.` is the absolute spelling of `evil.com` (RFC 1034 §3.1) and names the
 *   same host; certificates carry the name without it (RFC 5280 §4.2.1.6 preferred name syntax). It is
 *   stripped rather than refused, as the command line has always done.
 * - the result is in preferred name syntax (letters, digits, hyphens; RFC 1034 §3.5, RFC 5890 §2.3.1),
 *   every A-label decodes (`xn--zz` does not), and a name that IDNA maps to an IPv4 address
 *   (`１２７.０.０.１`, `0x7f.1`) is not a DNS name.
 */
import { domainToASCII } from "node:url";

export type DnsNameForm = "name" | "wildcard" | "constraint";

export type DnsNameResult = { name: string } | { problem: string };

const LDH_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const ASCII = /^\p{ASCII}*$/u;
const NUMERIC_LABEL = /^(0x[0-9a-f]*|\d+)$/;

/** Whether every label of an ASCII name is an LDH label and every A-label decodes. */
function ldhProblem(labels: string[]): string | undefined {
  for (const label of labels) {
    if (!LDH_LABEL.test(label)) return "Not a valid DNS name.";
    // Only an A-label can be invalid beyond LDH; domainToASCII returns "" for one that does not decode.
    if (label.startsWith("xn--") && domainToASCII(label) !== label)
      return "Not a valid internationalised domain name: an A-label does not decode (IDNA UTS #46).";
  }
  return undefined;
}

/**
 * The canonical form of `input`, or the one-sentence reason why it is not a DNS name. `form` says what
 * may precede the name: `*.` (a wildcard certificate name) or `.` (a name-constraint subtree, RFC 5280
 * §4.2.1.10 "subdomains only").
 */
export function canonicalDnsName(input: string, form: DnsNameForm = "name"): DnsNameResult {
  let prefix = "";
  if (form === "wildcard" && input.startsWith("*.")) prefix = "*.";
  else if (form === "constraint" && input.startsWith(".")) prefix = ".";
  const rest = input.slice(prefix.length);
  let ascii: string;
  if (ASCII.test(rest)) ascii = rest.toLowerCase();
  else {
    ascii = domainToASCII(rest);
    if (ascii === "") return { problem: "Not a valid internationalised domain name (IDNA UTS #46)." };
  }
  // After the mapping, so that an ideographic full stop at the end counts as the trailing dot too.
  if (ascii.endsWith(".")) ascii = ascii.slice(0, -1);
  if (ascii === "" || ascii.length > 253) return { problem: "Not a valid DNS name." };
  // IDNA maps full-width digits onto an IPv4 address; a host name never ends in a numeric label there.
  if (!ASCII.test(rest) && NUMERIC_LABEL.test(ascii.slice(ascii.lastIndexOf(".") + 1))) return { problem: "Not a valid DNS name." };
  const problem = ldhProblem(ascii.split("."));
  return problem ? { problem } : { name: prefix + ascii };
}

/** The canonical form, or undefined when `input` is not a DNS name. */
export function dnsNameOrUndefined(input: string, form: DnsNameForm = "name"): string | undefined {
  const r = canonicalDnsName(input, form);
  return "name" in r ? r.name : undefined;
}

/**
 * Whether a common name reads as a host name, as a TLS client that still looks at the CN would read it
 * (CA/B BR §7.1.4.3): at least two labels of letters, digits, hyphens or underscores, a wildcard first
 * label allowed, one trailing dot allowed; or any non-ASCII text that IDNA turns into such a name.
 * Such a CN is checked like a dNSName and must then be a valid one.
 */
export function looksLikeHostName(cn: string): boolean {
  const s = cn.endsWith(".") ? cn.slice(0, -1) : cn;
  if (ASCII.test(s)) return /^(\*\.)?([a-z0-9_-]+\.)+[a-z0-9_-]+$/i.test(s) && !/^[\d.]+$/.test(s);
  return dnsNameOrUndefined(cn, "wildcard")?.includes(".") ?? false;
}
