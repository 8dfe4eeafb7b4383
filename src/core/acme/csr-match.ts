/**
 * What finalize checks of the CSR before it queues a signing request (RFC 8555 §7.4): the CSR is one the
 * CA would sign (parsed, proof of possession, no MD5/SHA-1, a supported key), and it asks for exactly
 * the order's identifiers — "the CSR MUST indicate the exact same set of requested identifiers as the
 * initial newOrder request", as dNSName and iPAddress subjectAltNames (RFC 8738 §4 for addresses),
 * wildcards included; a common name, if any, must be one of them. Everything else is badCSR naming the
 * difference; a key tsca does not sign for is badPublicKey.
 */
import { isTscaError } from "../errors.js";
import { checkCsr } from "../issuance/check-csr.js";
import { parseCsr, type ParsedCsr } from "../x509/csr.js";
import { subjectAltName } from "../x509/extensions/alternative-names.js";
import { findExtension } from "../x509/extensions/registry.js";
import { formatGeneralName, type GeneralName } from "../x509/general-name.js";
import { OID_COMMON_NAME } from "../x509/name.js";
import { OID } from "../x509/oids.js";
import { printable } from "../text/printable.js";
import { canonicalIp } from "./identifiers.js";
import type { AcmeIdentifier, AcmeOrder } from "./model.js";
import { AcmeProblem } from "./problem.js";

/** RSA below this is refused (CA/B BR §6.1.5; check-csr.ts uses the same floor). */
export const MIN_RSA_BITS = 2048;
const SUPPORTED_CURVES: readonly string[] = [OID.secp256r1, OID.secp384r1, OID.secp521r1];

function parse(csrDer: Buffer): ParsedCsr {
  try {
    return parseCsr(csrDer);
  } catch (e) {
    if (isTscaError(e)) throw new AcmeProblem("badCSR", e.message);
    throw e;
  }
}

/** §6.7 badPublicKey: "The JWS was signed by a public key the server does not support" — used for CSR keys too (§7.4). */
function checkKey(csr: ParsedCsr): void {
  if (csr.keyType === "unknown")
    throw new AcmeProblem("badPublicKey", "The CSR's public key type is not supported (RSA, EC, Ed25519, Ed448).");
  if (csr.keyType === "RSA" && (csr.keySize ?? 0) < MIN_RSA_BITS)
    throw new AcmeProblem("badPublicKey", `The CSR's RSA key has ${csr.keySize ?? 0} bits; at least ${MIN_RSA_BITS} are required.`);
  if (csr.keyType === "EC" && !SUPPORTED_CURVES.includes(csr.curveOid ?? ""))
    throw new AcmeProblem("badPublicKey", "The CSR's elliptic curve is not supported (P-256, P-384, P-521).");
}

const key = (id: AcmeIdentifier): string => `${id.type}:${id.value}`;
const show = (id: AcmeIdentifier): string => printable(id.value);

/** The CSR's requested names as identifiers; anything that cannot be an order identifier is badCSR. */
function requestedIdentifiers(csr: ParsedCsr): AcmeIdentifier[] {
  let sans: GeneralName[];
  try {
    sans = findExtension(csr.requestedExtensions, subjectAltName) ?? [];
  } catch {
    throw new AcmeProblem("badCSR", "The CSR's subjectAltName extension cannot be parsed.");
  }
  return sans.map((g) => {
    const id = identifierOfName(g);
    if (id) return id;
    throw new AcmeProblem(
      "badCSR",
      `The CSR requests ${printable(formatGeneralName(g))}; an ACME order certifies only DNS names and IP addresses (RFC 8555 §7.4, RFC 8738).`,
    );
  });
}

/** The identifier a dNSName or iPAddress general name stands for; undefined for any other name. */
export function identifierOfName(g: GeneralName): AcmeIdentifier | undefined {
  if (g.type === "dns") return { type: "dns", value: g.value.toLowerCase() };
  const ip = g.type === "ip" && g.prefix === undefined ? canonicalIp(g.value) : undefined;
  return ip ? { type: "ip", value: ip } : undefined;
}

/** The identifier a common name stands for: an IP address, else a DNS name compared case-insensitively. */
export function commonNameIdentifier(cn: string): AcmeIdentifier {
  const ip = canonicalIp(cn);
  return ip ? { type: "ip", value: ip } : { type: "dns", value: cn.toLowerCase() };
}

/**
 * Throws AcmeProblem (badCSR, badPublicKey) unless `csrDer` is a CSR tsca signs whose subjectAltNames are
 * exactly the order's identifiers (a set: order and repetition do not matter) and whose common name, if
 * it has one, is one of them.
 */
export function checkFinalizeCsr(csrDer: Buffer, order: Pick<AcmeOrder, "identifiers">): void {
  const csr = parse(csrDer);
  checkKey(csr);
  try {
    checkCsr(csr, MIN_RSA_BITS);
  } catch (e) {
    if (isTscaError(e)) throw new AcmeProblem("badCSR", e.message);
    throw e;
  }
  const wanted = new Map(order.identifiers.map((id) => [key(id), id]));
  const requested = new Map(requestedIdentifiers(csr).map((id) => [key(id), id]));
  const missing = [...wanted.keys()].filter((k) => !requested.has(k)).map((k) => show(wanted.get(k)!));
  const extra = [...requested.keys()].filter((k) => !wanted.has(k)).map((k) => show(requested.get(k)!));
  if (missing.length || extra.length) {
    const parts = [
      ...(missing.length ? [`lacks ${missing.join(", ")}`] : []),
      ...(extra.length ? [`requests ${extra.join(", ")}, not in the order`] : []),
    ];
    throw new AcmeProblem("badCSR", `The CSR's subjectAltNames must be exactly the order's identifiers: it ${parts.join(" and ")}.`);
  }
  for (const rdn of csr.subject)
    for (const a of rdn)
      if (a.oid === OID_COMMON_NAME && !wanted.has(key(commonNameIdentifier(a.value))))
        throw new AcmeProblem("badCSR", `The CSR's common name ${printable(a.value)} is not one of the order's identifiers.`);
}
