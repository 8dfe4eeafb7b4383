/**
 * Account contact URLs (RFC 8555 §7.3, §7.3.2). tsca accepts mailto: URLs only (RFC 6068), each naming
 * exactly one mailbox and nothing else: a server "MUST" support mailto: and may refuse other schemes
 * with unsupportedContact; a mailto: it cannot use (header fields, several addresses, a malformed
 * address) is invalidContact (§7.3, "the server MUST reject ... hfields").
 */
import { AcmeProblem } from "./problem.js";
import { canonicalDnsName } from "../x509/dns-name.js";
import { printable } from "../text/printable.js";

/** RFC 5322 §3.2.3 dot-atom text of the local part (quoted local parts are refused: nobody needs them here). */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** At most this many contacts: a contact list is for people to reach, not storage. */
export const MAX_CONTACTS = 10;

function parseOne(raw: unknown): string {
  if (typeof raw !== "string") throw new AcmeProblem("malformed", "Every contact must be a string URL.");
  const colon = raw.indexOf(":");
  const scheme = colon < 0 ? "" : raw.slice(0, colon).toLowerCase();
  if (scheme !== "mailto")
    throw new AcmeProblem("unsupportedContact", `The contact ${printable(raw)} is not a mailto: URL; only mailto: contacts are supported.`);
  const rest = raw.slice(colon + 1);
  if (rest.includes("?"))
    throw new AcmeProblem(
      "invalidContact",
      `The contact ${printable(raw)} has header fields ("?"); a mailto: contact names one address only.`,
    );
  let address: string;
  try {
    address = decodeURIComponent(rest);
  } catch {
    throw new AcmeProblem("invalidContact", `The contact ${printable(raw)} is not a valid mailto: URL.`);
  }
  if (address.includes(","))
    throw new AcmeProblem("invalidContact", `The contact ${printable(raw)} names several addresses; give one per contact URL.`);
  const at = address.lastIndexOf("@");
  const local = address.slice(0, at);
  const domain = at < 0 ? undefined : canonicalDnsName(address.slice(at + 1));
  if (at < 1 || local.length > 64 || !LOCAL_PART.test(local) || !domain || "problem" in domain || !domain.name.includes("."))
    throw new AcmeProblem("invalidContact", `The contact ${printable(raw)} is not a valid e-mail address (local@domain.example).`);
  return `mailto:${local}@${domain.name}`;
}

/**
 * The contact URLs of a newAccount or account update, each as `mailto:local@domain` (domain canonical);
 * duplicates removed. `required`: the CA asks for a contact (edit_ca --acme-requires-contact).
 */
export function parseContacts(raw: unknown, required: boolean): string[] {
  if (raw !== undefined && raw !== null && !Array.isArray(raw))
    throw new AcmeProblem("malformed", "The contact member must be an array of URLs.");
  const list = (raw ?? []) as unknown[];
  if (list.length > MAX_CONTACTS) throw new AcmeProblem("invalidContact", `At most ${MAX_CONTACTS} contact URLs are accepted.`);
  const out: string[] = [];
  for (const c of list) {
    const parsed = parseOne(c);
    if (!out.includes(parsed)) out.push(parsed);
  }
  if (required && out.length === 0) throw new AcmeProblem("invalidContact", "This CA requires a contact: give at least one mailto: URL.");
  return out;
}
