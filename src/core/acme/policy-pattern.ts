/**
 * One allow/deny pattern of a CA's ACME identifier policy (init_ca/edit_ca --acme-allow/--acme-deny),
 * validated and brought into the form the identifiers of an order are compared in:
 *
 * - `name`: exactly this DNS name; `*.zone` or `.zone`: any name strictly below zone (both spellings
 *   mean the same and are kept as given). Names are canonical DNS names (core/x509/dns-name.ts: A-labels,
 *   lower case, no trailing dot), as newOrder canonicalises identifiers (RFC 8555 §7.1.4, RFC 5890).
 * - an IP address, or a network `address/prefix` (RFC 4632 CIDR) whose host bits are zero, for "ip"
 *   identifiers (RFC 8738): IPv4 dotted quad, IPv6 in the RFC 5952 §4 text form (lower case, longest run
 *   of zero groups compressed), as RFC 8738 §3 asks identifiers to be written.
 *
 * Anything else (a URL, a wildcard that is not the whole leftmost label, a prefix too long, a network
 * with host bits set) is refused with ERR_INVALID_ARGUMENT: a pattern that cannot match what the operator
 * meant would silently let through, or refuse, other names.
 */
import { TscaError } from "../errors.js";
import { canonicalDnsName } from "../x509/dns-name.js";
import { isIP } from "../x509/ip.js";

function bad(pattern: string, why: string): TscaError {
  return new TscaError("ERR_INVALID_ARGUMENT", `${pattern}: Not an identifier pattern: ${why}`, { fields: { pattern } });
}

/** The 4 or 16 bytes of an address isIP accepted. */
function addressBytes(addr: string, version: 4 | 6): number[] {
  if (version === 4) return addr.split(".").map(Number);
  let text = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split(".").map(Number) as [number, number, number, number];
    text = text.slice(0, -v4[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const groups = (s: string | undefined): number[] => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** RFC 5952 §4: lower case, no leading zeros, the longest run (the first of equal ones) of 2+ zero groups as "::". */
function formatV6(bytes: number[]): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(":");
  return `${groups.slice(0, best.start).join(":")}::${groups.slice(best.start + best.length).join(":")}`;
}

function canonicalAddress(addr: string, version: 4 | 6): { text: string; bytes: number[] } {
  const bytes = addressBytes(addr, version);
  return { text: version === 4 ? bytes.join(".") : formatV6(bytes), bytes };
}

function ipPattern(input: string): string | undefined {
  const slash = input.indexOf("/");
  const addr = slash < 0 ? input : input.slice(0, slash);
  const version = isIP(addr);
  if (!version) return undefined;
  const { text, bytes } = canonicalAddress(addr, version);
  if (slash < 0) return text;
  const max = version === 4 ? 32 : 128;
  const prefixText = input.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > max) throw bad(input, `the prefix length must be a number from 0 to ${max}.`);
  // Host bits set usually mean a typo (192.0.2.1/24 for 192.0.2.0/24); refusing beats guessing which was meant.
  for (let bit = prefix; bit < max; bit++)
    if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) throw bad(input, "the address has bits set beyond the prefix length.");
  return `${text}/${prefix}`;
}

/** The canonical form of one --acme-allow/--acme-deny pattern; throws ERR_INVALID_ARGUMENT for anything else. */
export function parsePolicyPattern(input: string): string {
  const s = input.trim();
  if (s === "") throw bad(input, "it is empty.");
  const ip = ipPattern(s);
  if (ip !== undefined) return ip;
  if (s.includes("/")) throw bad(s, "give a DNS name, *.zone, .zone, an IP address or an address/prefix network.");
  const prefix = s.startsWith("*.") ? "*." : s.startsWith(".") ? "." : "";
  const rest = s.slice(prefix.length);
  if (rest.includes("*")) throw bad(s, "a wildcard may only be the whole leftmost label (*.zone).");
  const r = canonicalDnsName(rest);
  if ("problem" in r) throw bad(s, r.problem.charAt(0).toLowerCase() + r.problem.slice(1));
  return prefix + r.name;
}
