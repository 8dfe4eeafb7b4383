/**
 * The names of a certificate to be issued, made safe and canonical before any check looks at them, so
 * that name constraints, lint and the encoder all see the one spelling the certificate will carry:
 *
 * - no control characters (C0, DEL, C1) in any subject attribute or SAN, whether they came from a CSR,
 *   the command line or a stored certificate being renewed: a newline or an ESC sequence in a name would
 *   forge lines and repaint terminals wherever the name is shown (core/text/printable.ts);
 * - DNS names, e-mail hosts and IRIs in canonical form (A-labels, lower case, no trailing dot;
 *   core/x509/dns-name.ts, RFC 5280 §7.2–§7.5); a CN that reads as a host name is written exactly as its
 *   dNSName, as CA/B BR §7.1.4.3 asks ("a character-for-character copy of the dNSName entry");
 * - the emailAddress attribute with its host in A-labels (it is an IA5String, RFC 5280 §4.1.2.6);
 * - no empty directoryName.
 */
import { TscaError } from "../errors.js";
import { firstControlCharacter, printable } from "../text/printable.js";
import { canonicalGeneralName, type GeneralName } from "../x509/general-name.js";
import { longName, OID_COMMON_NAME, type Name } from "../x509/name.js";
import { commonNameAsGeneralName } from "./name-constraints-check.js";

const OID_EMAIL = "1.2.840.113549.1.9.1";

function refuseControl(value: string, what: string): void {
  const ch = firstControlCharacter(value);
  if (ch !== undefined)
    throw new TscaError(
      "ERR_CONTROL_CHARACTERS",
      `The ${what} "${printable(value)}" contains a control character (${printable(ch)}); certificate names must not contain control characters.`,
    );
}

function assertNoControlInName(name: Name, where: string): void {
  for (const rdn of name) for (const a of rdn) refuseControl(a.value, `${longName(a.oid)} of the ${where}`);
}

function assertNoControlInGeneralName(g: GeneralName): void {
  if (g.type === "dirName") assertNoControlInName(g.value, "directory name");
  else refuseControl(g.value, "subject alternative name");
}

function canonicalSubject(subject: Name): Name {
  return subject.map((rdn) =>
    rdn.map((a) => {
      if (a.oid === OID_COMMON_NAME) {
        const g = commonNameAsGeneralName(a.value);
        return g?.type === "dns" ? { oid: a.oid, value: g.value } : a;
      }
      if (a.oid === OID_EMAIL) {
        const g = canonicalGeneralName({ type: "email", value: a.value });
        return { oid: a.oid, value: g.value as string };
      }
      return a;
    }),
  );
}

/** Refuse control characters, then bring every name to its canonical form; throws a TscaError. */
export function normaliseNames(subject: Name, sans: GeneralName[]): { subject: Name; sans: GeneralName[] } {
  assertNoControlInName(subject, "subject");
  for (const g of sans) assertNoControlInGeneralName(g);
  return { subject: canonicalSubject(subject), sans: sans.map(canonicalGeneralName) };
}
