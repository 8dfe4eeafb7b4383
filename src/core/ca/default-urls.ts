/**
 * Default URLs from TSCA_DEFAULT_HOSTNAME (or `init_ca --default-hostname`): they point at what `tsca serve`
 * publishes, so a new CA is checkable by clients without further configuration.
 *
 * - Certificates a CA signs get its own full CRL (CRL DP, RFC 5280 §4.2.1.13): complete and without an
 *   Issuing Distribution Point, which every relying party can use (NSS refuses a critical IDP), and which
 *   covers every certificate of the CA (§6.3.3 (b)); also its OCSP responder for end-entity certificates
 *   and its certificate (AIA, §4.2.2.1).
 * - An intermediate's own certificate gets the parent's CA-scope CRL, the parent's OCSP responder for
 *   child CAs and the parent's certificate — where the parent publishes the intermediate's status.
 *
 * Plain http on purpose: CRL and OCSP fetches must not depend on TLS, whose validation may itself need
 * them (RFC 5280 §4.2.1.13, RFC 6960 Appendix A.1).
 */
import { TscaError } from "../errors.js";
import type { GeneralName } from "../x509/general-name.js";
import { isIP } from "../x509/ip.js";

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** `host`, `host:port`, an IPv4 address or a bracketed IPv6 address, optionally with a port. */
export function parseDefaultHostname(input: string): string {
  const v = input.trim();
  const bad = (): TscaError => new TscaError("ERR_INVALID_ARGUMENT", `${input}: Not a host name with optional port (HOST or HOST:PORT).`);
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]/]+)(?::(\d{1,5}))?$/.exec(v);
  if (!m) throw bad();
  const host = m[1]!;
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) throw bad();
  if (host.startsWith("[")) {
    if (isIP(host.slice(1, -1)) !== 6) throw bad();
  } else if (!isIP(host) && (host.length > 253 || !host.split(".").every((l) => LABEL.test(l)))) throw bad();
  return v.toLowerCase();
}

const uri = (value: string): GeneralName => ({ type: "uri", value });

/** Paths served by `tsca serve` (adapters/web); serials as stored, upper-case hex without colons. */
export const PUBLIC_PATHS = {
  /** The complete full CRL (no IDP); certificates issued before it existed point here for their user-scope CRL. */
  fullCrl: (serial: string): string => `/crl/${serial}`,
  /** The newest full-scope delta CRL (§5.2.4): the path for `--freshest-crl-url` (Freshest CRL, §4.2.1.15). */
  deltaCrl: (serial: string): string => `/crl/delta/${serial}`,
  userCrl: (serial: string): string => `/crl/${serial}/user`,
  caCrl: (serial: string): string => `/crl/ca/${serial}`,
  ocspCert: (serial: string): string => `/ocsp/${serial}/cert/`,
  ocspCa: (serial: string): string => `/ocsp/${serial}/ca/`,
  issuer: (serial: string): string => `/issuer/${serial}.der`,
};

/** What a CA adds to the certificates it signs. */
export function defaultSignUrls(
  host: string,
  caSerial: string,
): { crlUrls: GeneralName[]; ocspUrls: GeneralName[]; issuerUrls: GeneralName[] } {
  return {
    crlUrls: [uri(`http://${host}${PUBLIC_PATHS.fullCrl(caSerial)}`)],
    ocspUrls: [uri(`http://${host}${PUBLIC_PATHS.ocspCert(caSerial)}`)],
    issuerUrls: [uri(`http://${host}${PUBLIC_PATHS.issuer(caSerial)}`)],
  };
}

/** What an intermediate carries in its own certificate: where its parent publishes its status. */
export function defaultIntermediateUrls(
  host: string,
  parentSerial: string,
): { crlUrls: GeneralName[]; ocspUrls: GeneralName[]; issuerUrls: GeneralName[] } {
  return {
    crlUrls: [uri(`http://${host}${PUBLIC_PATHS.caCrl(parentSerial)}`)],
    ocspUrls: [uri(`http://${host}${PUBLIC_PATHS.ocspCa(parentSerial)}`)],
    issuerUrls: [uri(`http://${host}${PUBLIC_PATHS.issuer(parentSerial)}`)],
  };
}

type UrlGroups = { crlUrls: GeneralName[]; ocspUrls: GeneralName[]; issuerUrls: GeneralName[] };

/** Fill each URL group the operator left empty with its default; given values always win, group by group. */
export function withDefaultUrls<S extends UrlGroups, C extends UrlGroups>(
  host: string,
  serial: string,
  parentSerial: string | undefined,
  sign: S,
  certificate: C,
): { sign: S; certificate: C } {
  const fill = <T extends UrlGroups>(given: T, defaults: UrlGroups): T => ({
    ...given,
    crlUrls: given.crlUrls.length ? given.crlUrls : defaults.crlUrls,
    ocspUrls: given.ocspUrls.length ? given.ocspUrls : defaults.ocspUrls,
    issuerUrls: given.issuerUrls.length ? given.issuerUrls : defaults.issuerUrls,
  });
  return {
    sign: fill(sign, defaultSignUrls(host, serial)),
    // A root has no parent to publish its status (RFC 5280 §6.1: the trust anchor is not checked).
    certificate: parentSerial ? fill(certificate, defaultIntermediateUrls(host, parentSerial)) : certificate,
  };
}
