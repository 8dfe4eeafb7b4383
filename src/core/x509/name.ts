/**
 * Distinguished names (RFC 5280 §4.1.2.4): parsing the two command-line spellings, DER encoding and
 * decoding, and display. A name is a list of RDNs, each a list of attributes, kept in the order given:
 * `/C=AT/L=Vienna/CN=x` (OpenSSL style) and `C=AT,L=Vienna,CN=x` (RFC 4514 syntax) both put C first.
 * Repeated attributes (two L, several OU) are allowed, as X.501 allows them.
 */
import { TscaError } from "../errors.js";
import { firstControlCharacter, printable } from "../text/printable.js";
import { children, decodeOid, decodeString, expectTag, parseDer, type Tlv } from "./der-reader.js";
import { ia5String, oid, printableString, sequence, setOf, utf8String } from "./der.js";
import { oidProblem } from "./oids.js";

export interface NameAttribute {
  oid: string;
  value: string;
}
export type Rdn = NameAttribute[];
export type Name = Rdn[];

interface AttributeType {
  oid: string;
  short: string;
  long: string;
  encoding: "printable" | "ia5" | "utf8";
}

const TYPES: AttributeType[] = [
  { oid: "2.5.4.3", short: "CN", long: "commonName", encoding: "utf8" },
  { oid: "2.5.4.6", short: "C", long: "countryName", encoding: "printable" },
  { oid: "2.5.4.7", short: "L", long: "localityName", encoding: "utf8" },
  { oid: "2.5.4.8", short: "ST", long: "stateOrProvinceName", encoding: "utf8" },
  { oid: "2.5.4.9", short: "street", long: "streetAddress", encoding: "utf8" },
  { oid: "2.5.4.10", short: "O", long: "organizationName", encoding: "utf8" },
  { oid: "2.5.4.11", short: "OU", long: "organizationalUnitName", encoding: "utf8" },
  { oid: "2.5.4.5", short: "serialNumber", long: "serialNumber", encoding: "printable" },
  { oid: "2.5.4.4", short: "SN", long: "surname", encoding: "utf8" },
  { oid: "2.5.4.42", short: "GN", long: "givenName", encoding: "utf8" },
  { oid: "2.5.4.12", short: "title", long: "title", encoding: "utf8" },
  { oid: "2.5.4.43", short: "initials", long: "initials", encoding: "utf8" },
  { oid: "2.5.4.44", short: "generationQualifier", long: "generationQualifier", encoding: "utf8" },
  { oid: "2.5.4.46", short: "dnQualifier", long: "dnQualifier", encoding: "printable" },
  { oid: "2.5.4.65", short: "pseudonym", long: "pseudonym", encoding: "utf8" },
  { oid: "2.5.4.17", short: "postalCode", long: "postalCode", encoding: "utf8" },
  { oid: "2.5.4.15", short: "businessCategory", long: "businessCategory", encoding: "utf8" },
  { oid: "2.5.4.97", short: "organizationIdentifier", long: "organizationIdentifier", encoding: "utf8" },
  { oid: "0.9.2342.19200300.100.1.25", short: "DC", long: "domainComponent", encoding: "ia5" },
  { oid: "0.9.2342.19200300.100.1.1", short: "UID", long: "userId", encoding: "utf8" },
  { oid: "1.2.840.113549.1.9.1", short: "emailAddress", long: "emailAddress", encoding: "ia5" },
];

const BY_KEY = new Map<string, AttributeType>();
for (const t of TYPES) {
  BY_KEY.set(t.short.toLowerCase(), t);
  BY_KEY.set(t.long.toLowerCase(), t);
  BY_KEY.set(t.oid, t);
}
BY_KEY.set("s", BY_KEY.get("st")!);
BY_KEY.set("email", BY_KEY.get("emailaddress")!);
BY_KEY.set("userid", BY_KEY.get("uid")!);
const BY_OID = new Map(TYPES.map((t) => [t.oid, t]));

export const OID_COMMON_NAME = "2.5.4.3";

function invalid(input: string, why: string): TscaError {
  return new TscaError("ERR_INVALID_SUBJECT", `${printable(input)}: ${why}`);
}

function attributeType(key: string, input: string): string {
  const known = BY_KEY.get(key.trim().toLowerCase());
  if (known) return known.oid;
  // A dotted type is taken as an OID, and must be one that can be encoded (X.690 §8.19).
  if (/^[\d.]+$/.test(key.trim())) {
    const problem = oidProblem(key.trim());
    if (problem) throw invalid(input, `Attribute type "${key.trim()}": ${problem}`);
    return key.trim();
  }
  throw invalid(input, `Unknown attribute type "${key.trim()}".`);
}

function checkValue(type: string, value: string, input: string): void {
  if (value.length === 0) throw invalid(input, `Attribute ${shortName(type)} has an empty value.`);
  // A newline or ESC in a name would forge lines and repaint terminals wherever it is shown (core/text/printable.ts).
  const control = firstControlCharacter(value);
  if (control !== undefined)
    throw invalid(
      input,
      `Attribute ${shortName(type)} contains a control character (${printable(control)}), which names must not contain.`,
    );
  // X.520: countryName is a two-letter ISO 3166 code; commonName is at most 64 characters (RFC 5280 Appendix A).
  if (type === "2.5.4.6" && !/^[A-Za-z]{2}$/.test(value)) throw invalid(input, `Country code "${value}" must be two letters.`);
  if (type === OID_COMMON_NAME && [...value].length > 64) throw invalid(input, "Common name must be at most 64 characters.");
  if (BY_OID.get(type)?.encoding === "printable" && !/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value))
    throw invalid(input, `Attribute ${shortName(type)} may only contain PrintableString characters.`);
}

/** Split on an unescaped separator, keeping backslash escapes for the caller. */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "\\" && i + 1 < s.length) {
      cur += ch + s[i + 1];
      i++;
    } else if (ch === sep) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Undo RFC 4514 §2.4 escapes: `\,` and friends, and `\XX` hex pairs (UTF-8 bytes). */
function unescape(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "\\" && i + 1 < s.length) {
      const hex = s.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
      bytes.push(...Buffer.from(s[i + 1]!, "utf8"));
      i++;
      continue;
    }
    bytes.push(...Buffer.from(ch, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Trim surrounding whitespace, but keep an escaped trailing space (`O=trail\ `, RFC 4514 §2.4). */
function trimUnescaped(s: string): string {
  let end = s.length;
  while (end > 0 && /\s/.test(s[end - 1]!)) {
    let backslashes = 0;
    for (let i = end - 2; i >= 0 && s[i] === "\\"; i--) backslashes++;
    if (backslashes % 2 === 1) break;
    end--;
  }
  return s.slice(0, end).replace(/^\s+/, "");
}

function parseAttribute(part: string, input: string): NameAttribute {
  const eq = splitUnescaped(part, "=");
  if (eq.length < 2 || eq[0]!.trim() === "") throw invalid(input, "Could not parse name: expected TYPE=VALUE.");
  const type = attributeType(eq[0]!, input);
  const value = unescape(trimUnescaped(eq.slice(1).join("=")));
  checkValue(type, value, input);
  return { oid: type, value };
}

/**
 * Parse a subject given on the command line: OpenSSL style when it starts with `/`, RFC 4514 syntax
 * otherwise. Attribute order is kept as written in both cases.
 */
export function parseName(input: string): Name {
  const s = trimUnescaped(input);
  if (s === "" || s === "/") return [];
  const openssl = s.startsWith("/");
  const parts = openssl ? splitUnescaped(s.slice(1), "/") : splitUnescaped(s, ",");
  const name: Name = [];
  for (const part of parts) {
    if (part.trim() === "") {
      if (openssl && part === "" && parts.length > 1) throw invalid(input, "Could not parse name: empty component.");
      throw invalid(input, "Could not parse name: empty component.");
    }
    const rdn = splitUnescaped(part, "+").map((p) => parseAttribute(p, input));
    name.push(rdn);
  }
  return name;
}

function encodeValue(a: NameAttribute): Buffer {
  const enc = BY_OID.get(a.oid)?.encoding ?? "utf8";
  if (enc === "printable") return printableString(a.value);
  if (enc === "ia5") return ia5String(a.value);
  return utf8String(a.value);
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName (RFC 5280 §4.1.2.4). */
export function encodeName(name: Name): Buffer {
  return sequence(...name.map((rdn) => setOf(...rdn.map((a) => sequence(oid(a.oid), encodeValue(a))))));
}

export function decodeNameTlv(t: Tlv): Name {
  return children(t).map((set) =>
    children(set).map((atv) => {
      const [type, value] = children(atv);
      return { oid: decodeOid(expectTag(type, 0x06, "attribute type").value), value: decodeString(value!) };
    }),
  );
}

export const decodeName = (der: Uint8Array): Name => decodeNameTlv(parseDer(der));

export function shortName(oidValue: string): string {
  return BY_OID.get(oidValue)?.short ?? oidValue;
}

export function longName(oidValue: string): string {
  return BY_OID.get(oidValue)?.long ?? oidValue;
}

export function commonName(name: Name): string | undefined {
  for (const rdn of name) for (const a of rdn) if (a.oid === OID_COMMON_NAME) return a.value;
  return undefined;
}

const escape4514 = (v: string): string =>
  v
    .replace(/[,+"\\<>;=]/g, (c) => "\\" + c)
    .replace(/^[ #]/, (c) => "\\" + c)
    .replace(/ $/, "\\ ");

/** RFC 4514 syntax in the order of the certificate (as OpenSSL's -nameopt RFC2253 would not reverse). */
export function formatName(name: Name): string {
  return name.map((rdn) => rdn.map((a) => `${shortName(a.oid)}=${escape4514(a.value)}`).join("+")).join(",");
}

/** OpenSSL style `/C=AT/CN=x`. */
export function formatNameOpenssl(name: Name): string {
  return name.map((rdn) => "/" + rdn.map((a) => `${shortName(a.oid)}=${a.value.replace(/\//g, "\\/")}`).join("+")).join("");
}
