/**
 * General names (RFC 5280 §4.2.1.6) as used on the command line: `DNS:`, `IP:`, `email:`, `URI:`,
 * `dirName:`, `RID:` and `otherName:` prefixes (case-insensitive), guessed when absent. IP networks
 * (`10.0.0.0/8`) are accepted where name constraints need them (§4.2.1.10).
 */
import { isIP } from "./ip.js";
import { TscaError } from "../errors.js";
import { firstControlCharacter, printable } from "../text/printable.js";
import { canonicalDnsName } from "./dns-name.js";
import { children, decodeOid, decodeString, parseDer, type Tlv } from "./der-reader.js";
import { explicit, implicitConstructed, implicitPrimitive, oid, sequence, utf8String } from "./der.js";
import { decodeNameTlv, encodeName, formatName, parseName, type Name } from "./name.js";
import { oidProblem } from "./oids.js";

export type GeneralName =
  | { type: "dns"; value: string }
  | { type: "email"; value: string }
  | { type: "uri"; value: string }
  | { type: "ip"; value: string; /** prefix length for networks (name constraints) */ prefix?: number }
  | { type: "dirName"; value: Name }
  | { type: "rid"; value: string }
  | { type: "otherName"; oid: string; value: string };

const bad = (input: string, why: string): TscaError => new TscaError("ERR_INVALID_GENERAL_NAME", `${printable(input)}: ${why}`);

/** A DNS name in its canonical form (core/x509/dns-name.ts): A-labels, lower case, no trailing dot. */
function checkDns(value: string, input: string, constraint: boolean): string {
  const r = canonicalDnsName(value, constraint ? "constraint" : "wildcard");
  if ("problem" in r) throw bad(input, r.problem);
  return r.name;
}

/**
 * A URI as it is encoded: an IRI with non-ASCII characters is mapped to a URI (RFC 3987 §3.1; the host
 * to A-labels, RFC 5280 §7.4), which is what the WHATWG URL serialiser does. ASCII URIs stay as written.
 */
function checkUri(value: string, input: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw bad(input, "Not a valid URI.");
  }
  if (!u.protocol || (["http:", "https:", "ldap:", "ftp:"].includes(u.protocol) && !u.host)) throw bad(input, "Not a valid URI.");
  // The URL parser drops tabs and newlines silently and percent-encodes spaces: refuse them instead.
  if (/\s/.test(value)) throw bad(input, "Not a valid URI.");
  // RFC 3986 §2 has no unencoded braces; here they would be an unexpanded {SERIAL_HEX}-style template
  // (core/ca/url-templates.ts), which must never reach a certificate literally.
  if (/[{}]/.test(value)) throw bad(input, "A URI must not contain { or } (URL templates are expanded only in a CA's URL options).");
  return /^[\x21-\x7e]*$/.test(value) ? value : u.href;
}

/**
 * An addr-spec with its domain in canonical form (RFC 5280 §7.5: the host part in A-labels, compared
 * case-insensitively; the local part is case-sensitive and kept). A non-ASCII local part would need
 * SmtpUTF8Mailbox (RFC 9598), which tsca does not issue.
 */
function checkEmail(value: string, input: string): string {
  const at = value.lastIndexOf("@");
  // RFC 5280 §4.2.1.10 allows a bare host or ".domain" in name constraints; certificates need local@host.
  if (at <= 0 || at === value.length - 1 || /\s/.test(value)) throw bad(input, "Not a valid e-mail address.");
  const local = value.slice(0, at);
  if (!/^[\x21-\x7e]+$/.test(local)) throw bad(input, "The local part of an e-mail address must be ASCII (RFC 5280 §4.2.1.6).");
  const domain = canonicalDnsName(value.slice(at + 1));
  if ("problem" in domain) throw bad(input, domain.problem);
  return `${local}@${domain.name}`;
}

function parseIp(value: string, input: string, allowNetwork: boolean): GeneralName {
  const slash = value.indexOf("/");
  if (slash >= 0) {
    if (!allowNetwork) throw bad(input, "IP networks are only allowed in name constraints.");
    const addr = value.slice(0, slash);
    const version = isIP(addr);
    const prefix = Number(value.slice(slash + 1));
    const max = version === 4 ? 32 : 128;
    if (!version || !/^\d+$/.test(value.slice(slash + 1)) || prefix > max) throw bad(input, "Not a valid IP network.");
    return { type: "ip", value: addr, prefix };
  }
  if (!isIP(value)) throw bad(input, "Not a valid IP address.");
  return { type: "ip", value };
}

/** An empty directoryName names nothing (RFC 5280 §4.2.1.6); only a name-constraint subtree may be empty. */
function checkDirName(name: Name, input: string, constraint: boolean): Name {
  if (name.length === 0 && !constraint) throw bad(input, "A directory name must not be empty.");
  return name;
}

/**
 * Parse one general name. `constraint` allows the forms only name constraints use (`.example.com`,
 * IP networks, a bare domain as e-mail constraint).
 */
export function parseGeneralName(input: string, opts: { constraint?: boolean } = {}): GeneralName {
  const constraint = opts.constraint ?? false;
  const control = firstControlCharacter(input);
  if (control !== undefined) throw bad(input, `A general name must not contain control characters (${printable(control)} found).`);
  const m = /^(dns|ip|email|uri|dirname|rid|othername):(.*)$/i.exec(input);
  if (m) {
    const value = m[2]!;
    switch (m[1]!.toLowerCase()) {
      case "dns":
        return { type: "dns", value: checkDns(value, input, constraint) };
      case "ip":
        return parseIp(value, input, constraint);
      case "email":
        if (constraint && !value.includes("@")) return { type: "email", value: checkDns(value, input, true) };
        return { type: "email", value: checkEmail(value, input) };
      case "uri":
        if (constraint && !value.includes(":")) return { type: "uri", value: checkDns(value, input, true) };
        return { type: "uri", value: checkUri(value, input) };
      case "dirname":
        return { type: "dirName", value: checkDirName(parseName(value), input, constraint) };
      case "rid":
        // An OID that cannot be encoded (X.690 §8.19: first arc 0-2, second below 40 under 0 and 1).
        if (oidProblem(value)) throw bad(input, `Not a valid object identifier: ${oidProblem(value)!}`);
        return { type: "rid", value };
      default: {
        const om = /^(\d+(?:\.\d+)+);(?:UTF8|UTF8String):(.*)$/i.exec(value);
        if (!om) throw bad(input, "otherName must look like otherName:OID;UTF8:VALUE.");
        if (oidProblem(om[1]!)) throw bad(input, `Not a valid object identifier: ${oidProblem(om[1]!)!}`);
        return { type: "otherName", oid: om[1]!, value: om[2]! };
      }
    }
  }
  // Guess like a careful user would read it: scheme:// is a URI, @ an e-mail, addresses are IPs.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return { type: "uri", value: checkUri(input, input) };
  if (input.includes("@")) return { type: "email", value: checkEmail(input, input) };
  if (isIP(input)) return { type: "ip", value: input };
  if (constraint && input.includes("/") && isIP(input.split("/")[0]!)) return parseIp(input, input, true);
  if (input.startsWith("/")) return { type: "dirName", value: checkDirName(parseName(input), input, constraint) };
  return { type: "dns", value: checkDns(input, input, constraint) };
}

/**
 * The canonical form of a general name that did not come from the command line (a CSR's requested SANs,
 * a stored certificate): DNS names, e-mail hosts and IRIs as parseGeneralName would have made them, so
 * that constraint checks and the encoder see one spelling. Throws ERR_INVALID_GENERAL_NAME.
 */
export function canonicalGeneralName(g: GeneralName): GeneralName {
  const input = formatGeneralName(g);
  switch (g.type) {
    case "dns":
      return { type: "dns", value: checkDns(g.value, input, false) };
    case "email":
      return { type: "email", value: checkEmail(g.value, input) };
    case "uri":
      return { type: "uri", value: checkUri(g.value, input) };
    case "dirName":
      return { type: "dirName", value: checkDirName(g.value, input, false) };
    default:
      return g;
  }
}

function ipBytes(addr: string): Buffer {
  if (isIP(addr) === 4) return Buffer.from(addr.split(".").map(Number));
  // Expand IPv6 "::" and an embedded IPv4 tail.
  let s = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = v4[1]!.split(".").map(Number);
    s = s.slice(0, -v4[1]!.length) + ((b[0]! << 8) | b[1]!).toString(16) + ":" + ((b[2]! << 8) | b[3]!).toString(16);
  }
  const [head, tail] = s.split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = s.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function maskBytes(prefix: number, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < prefix; i++) out[i >> 3]! |= 0x80 >> (i & 7);
  return out;
}

export function encodeGeneralName(g: GeneralName): Buffer {
  switch (g.type) {
    case "email":
      return implicitPrimitive(1, Buffer.from(g.value, "ascii"));
    case "dns":
      return implicitPrimitive(2, Buffer.from(g.value, "ascii"));
    case "dirName":
      return explicit(4, encodeName(g.value));
    case "uri":
      return implicitPrimitive(6, Buffer.from(g.value, "ascii"));
    case "ip": {
      const addr = ipBytes(g.value);
      if (g.prefix === undefined) return implicitPrimitive(7, addr);
      const mask = maskBytes(g.prefix, addr.length);
      const net = Buffer.from(addr.map((b, i) => b & mask[i]!));
      return implicitPrimitive(7, Buffer.concat([net, mask]));
    }
    case "rid":
      return implicitPrimitive(8, oid(g.value).subarray(2));
    case "otherName":
      return implicitConstructed(0, oid(g.oid), explicit(0, utf8String(g.value)));
  }
}

export const encodeGeneralNames = (names: GeneralName[]): Buffer => sequence(...names.map(encodeGeneralName));

function formatIp(b: Buffer): string {
  if (b.length === 4) return [...b].join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // Compress the longest run of zero groups (RFC 5952 §4.2).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(":");
  return groups.slice(0, best).join(":") + "::" + groups.slice(best + bestLen).join(":");
}

function prefixLength(mask: Buffer): number {
  let n = 0;
  for (const byte of mask) for (let i = 7; i >= 0; i--) if (byte & (1 << i)) n++;
  return n;
}

export function decodeGeneralNameTlv(t: Tlv): GeneralName {
  const n = t.tag & 0x1f;
  switch (n) {
    case 1:
      return { type: "email", value: t.value.toString("latin1") };
    case 2:
      return { type: "dns", value: t.value.toString("latin1") };
    case 4:
      return { type: "dirName", value: decodeNameTlv(children(t)[0]!) };
    case 6:
      return { type: "uri", value: t.value.toString("latin1") };
    case 7:
      if (t.value.length === 8 || t.value.length === 32) {
        const half = t.value.length / 2;
        return { type: "ip", value: formatIp(t.value.subarray(0, half)), prefix: prefixLength(t.value.subarray(half)) };
      }
      return { type: "ip", value: formatIp(t.value) };
    case 8:
      return { type: "rid", value: decodeOid(t.value) };
    case 0: {
      const [type, val] = children(t);
      const inner = val ? children(val)[0] : undefined;
      return { type: "otherName", oid: decodeOid(type!.value), value: inner ? decodeString(inner) : "" };
    }
    default:
      return { type: "otherName", oid: `[${n}]`, value: t.value.toString("hex") };
  }
}

export const decodeGeneralNames = (der: Uint8Array): GeneralName[] => children(parseDer(der)).map(decodeGeneralNameTlv);

/** Display form, the same spelling the command line accepts. */
export function formatGeneralName(g: GeneralName): string {
  switch (g.type) {
    case "dns":
      return `DNS:${g.value}`;
    case "email":
      return `email:${g.value}`;
    case "uri":
      return `URI:${g.value}`;
    case "ip":
      return g.prefix === undefined ? `IP:${g.value}` : `IP:${g.value}/${g.prefix}`;
    case "dirName":
      return `dirName:${formatName(g.value)}`;
    case "rid":
      return `RID:${g.value}`;
    case "otherName":
      return `otherName:${g.oid};UTF8:${g.value}`;
  }
}
