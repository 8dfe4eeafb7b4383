/**
 * URL templates in the URLs a CA puts into certificates, as django-ca documents them (`str.format` fields in
 * AIA and CRL distribution point URIs): `{SERIAL}`, `{SERIAL_HEX}`, `{SERIAL_HEX_COLONS}`, the same for
 * `SIGNER_SERIAL`, and `{CRL_PATH}`, `{OCSP_PATH}`, `{CA_ISSUER_PATH}` (paths of `tsca serve`, without the
 * leading slash). They are expanded once, when the URLs are given to a CA (init_ca, import_ca, edit_ca), so
 * the stored URL and every certificate carry the final URL; a brace never reaches a certificate (RFC 3986
 * §2 does not allow it in a URI).
 *
 * What each serial means, per place:
 * - URLs a CA adds to the certificates it signs: SERIAL and SIGNER_SERIAL are that CA (it signs them), the
 *   paths are its user-scope CRL, its OCSP responder for end-entity certificates and its certificate.
 *   (django-ca fills SIGNER_SERIAL with the parent here, which points leaves of an intermediate at the
 *   root's certificate; tsca does not copy that.)
 * - URLs in an intermediate's own certificate: SERIAL is the new CA, SIGNER_SERIAL its parent, and the
 *   paths are where the parent publishes the intermediate's status (CA-scope CRL, OCSP for child CAs, the
 *   parent's certificate), as ca/default-urls.ts does.
 */
import { TscaError } from "../errors.js";
import { formatSerial } from "../issuance/serial.js";
import { canonicalGeneralName, type GeneralName } from "../x509/general-name.js";
import { PUBLIC_PATHS } from "./default-urls.js";

export const URL_TEMPLATE_NAMES = [
  "SERIAL",
  "SERIAL_HEX",
  "SERIAL_HEX_COLONS",
  "SIGNER_SERIAL",
  "SIGNER_SERIAL_HEX",
  "SIGNER_SERIAL_HEX_COLONS",
  "CRL_PATH",
  "OCSP_PATH",
  "CA_ISSUER_PATH",
] as const;
export type UrlTemplateName = (typeof URL_TEMPLATE_NAMES)[number];
export type UrlTemplateContext = Record<UrlTemplateName, string>;

const FIELD = /\{([^{}]*)\}/g;

/** True when `value` contains a template field or a brace at all. */
export const hasUrlTemplate = (value: string): boolean => /[{}]/.test(value);

/** Why `value` is not a usable template (an unknown field, a stray brace), or undefined. */
export function urlTemplateProblem(value: string): string | undefined {
  for (const m of value.matchAll(FIELD))
    if (!(URL_TEMPLATE_NAMES as readonly string[]).includes(m[1]!))
      return `{${m[1]!}} is not a URL template field (known: ${URL_TEMPLATE_NAMES.map((n) => `{${n}}`).join(", ")}).`;
  if (/[{}]/.test(value.replace(FIELD, ""))) return "A brace that is not part of a {FIELD} template is not allowed in a URL.";
  return undefined;
}

/** A URL with every template field filled in; something that would still hold a brace is refused. */
export function expandUrlTemplate(value: string, ctx: UrlTemplateContext): string {
  const problem = urlTemplateProblem(value);
  if (problem) throw new TscaError("ERR_INVALID_ARGUMENT", `${value}: ${problem}`);
  return value.replace(FIELD, (_, name: string) => ctx[name as UrlTemplateName]);
}

/** Expand the URI general names among `names`; the result is checked as any URI given directly would be. */
export const expandUrlTemplates = (names: GeneralName[], ctx: UrlTemplateContext): GeneralName[] =>
  names.map((g) =>
    g.type === "uri" && hasUrlTemplate(g.value) ? canonicalGeneralName({ type: "uri", value: expandUrlTemplate(g.value, ctx) }) : g,
  );

function serialFields(prefix: "SERIAL" | "SIGNER_SERIAL", serial: string): Record<string, string> {
  return {
    [prefix]: BigInt(`0x${serial}`).toString(10),
    [`${prefix}_HEX`]: serial,
    [`${prefix}_HEX_COLONS`]: formatSerial(serial),
  };
}

const strip = (path: string): string => path.replace(/^\//, "");

/** Context of the URLs CA `caSerial` adds to the certificates it signs. */
export function signedCertificateTemplateContext(caSerial: string): UrlTemplateContext {
  return {
    ...serialFields("SERIAL", caSerial),
    ...serialFields("SIGNER_SERIAL", caSerial),
    CRL_PATH: strip(PUBLIC_PATHS.fullCrl(caSerial)),
    OCSP_PATH: strip(PUBLIC_PATHS.ocspCert(caSerial)),
    CA_ISSUER_PATH: strip(PUBLIC_PATHS.issuer(caSerial)),
  } as UrlTemplateContext;
}

/** Context of the URLs in intermediate `serial`'s own certificate, signed by `parentSerial`. */
export function ownCertificateTemplateContext(serial: string, parentSerial: string): UrlTemplateContext {
  return {
    ...serialFields("SERIAL", serial),
    ...serialFields("SIGNER_SERIAL", parentSerial),
    CRL_PATH: strip(PUBLIC_PATHS.caCrl(parentSerial)),
    OCSP_PATH: strip(PUBLIC_PATHS.ocspCa(parentSerial)),
    CA_ISSUER_PATH: strip(PUBLIC_PATHS.issuer(parentSerial)),
  } as UrlTemplateContext;
}
