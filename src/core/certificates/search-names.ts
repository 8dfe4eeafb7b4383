/**
 * The names a certificate is found by in a listing's `q` search: its common name and every subject
 * alternative name a person would type (RFC 5280 §4.2.1.6: dNSName, rfc822Name, iPAddress, URI), lower-cased
 * so that a prefix search is one index range scan (the certificate_name table, migration 0011). dirName,
 * registeredID and otherName are left out: nobody searches for them by prefix, and their text forms are
 * ours, not the certificate's.
 */
import { parseCertificate } from "../x509/certificate.js";
import { subjectAltName } from "../x509/extensions/alternative-names.js";
import { findExtension } from "../x509/extensions/registry.js";
import { commonName } from "../x509/name.js";

/** A search term as names are stored: trimmed and lower case. */
export const searchTerm = (s: string): string => s.trim().toLowerCase();

/** The distinct search names of a certificate (DER); throws the parser's error for a malformed one. */
export function searchNames(der: Uint8Array): string[] {
  const cert = parseCertificate(der);
  const names = new Set<string>();
  const cn = commonName(cert.subject);
  if (cn) names.add(searchTerm(cn));
  for (const g of findExtension(cert.extensions, subjectAltName) ?? [])
    if (g.type === "dns" || g.type === "email" || g.type === "uri" || (g.type === "ip" && g.prefix === undefined))
      names.add(searchTerm(g.value));
  names.delete("");
  return [...names];
}
