/**
 * PATCH /cas/{ca}: the writable part of the CA object in, an edit_ca request out, checked as edit_ca checks
 * its options. A URL needs http:// or https:// (ldap:// too for CRL distribution points and the Freshest
 * CRL, RFC 5280 §4.2.1.13, §4.2.1.15); other schemes are no place a relying party fetches revocation data
 * from. The other members of the CA object describe its certificate, which only a new signature by the
 * parent's key could change, so they are refused by name, as is anything unknown.
 */
import { TscaError } from "../../../core/errors.js";
import { hasUrlTemplate, urlTemplateProblem } from "../../../core/ca/url-templates.js";
import { parseLintRuleSets } from "../../../core/issuance/lint-rule-sets.js";
import { printable } from "../../../core/text/printable.js";
import { parseSigningPolicy } from "../../../core/ca/signing-policies.js";
import { parseGeneralName, type GeneralName } from "../../../core/x509/general-name.js";
import type { EditCaRequest } from "../../../core/usecases/edit-ca.js";

export interface CaPatchBody {
  name?: string;
  enabled?: boolean;
  website?: string | null;
  terms_of_service?: string | null;
  caa_identity?: string | null;
  lint_rule_sets?: string[];
  default_profile?: string | null;
  default_expires_days?: number | null;
  sign?: {
    crl_urls?: string[];
    ocsp_urls?: string[];
    issuer_urls?: string[];
    issuer_alternative_names?: string[];
    freshest_crl_urls?: string[];
    certificate_policies?: string[];
  };
}

const WRITABLE = new Set([
  "name",
  "enabled",
  "website",
  "terms_of_service",
  "caa_identity",
  "lint_rule_sets",
  "default_profile",
  "default_expires_days",
  "sign",
]);

/** Members of the CA object (core/views/ca-json.ts) that only a new CA certificate could change. */
const CERTIFICATE_FIELDS = new Set([
  "serial",
  "parent",
  "subject",
  "common_name",
  "not_before",
  "not_after",
  "path_length",
  "key_type",
  "issuer",
  "signature_algorithm",
  "signature_hash",
  "max_sub_ca_levels",
  "key_backend",
  "key_location",
  "key_encrypted",
  "extensions",
  "fingerprints",
  "pem",
]);

function bad(field: string, why: string): TscaError {
  return new TscaError("ERR_BAD_REQUEST", `${field}: ${why}`, { fields: { field } });
}

/**
 * Refuses what the schema would only call "not a field": members of the CA object that are not writable,
 * with the reason. Runs before schema validation (preValidation), so the answer names the real cause.
 */
export function refuseReadOnlyMembers(body: unknown): void {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return;
  for (const key of Object.keys(body)) {
    if (WRITABLE.has(key)) continue;
    if (CERTIFICATE_FIELDS.has(key))
      throw bad(
        `body.${key}`,
        "cannot be changed: it is part of the CA certificate (or its key), which only the CA's issuer could sign anew.",
      );
    if (["status", "usable", "unusable_because", "children", "revoked", "revoked_at", "revoked_reason", "revoked_ancestor"].includes(key))
      throw bad(`body.${key}`, "cannot be changed: it follows from the CA's state (revoke with revoke_ca on the key host).");
    // Whether a CA answers ACME, and for which names, is decided on the key host like the CA itself (docs/acme.md).
    if (key === "acme") throw bad(`body.${key}`, "cannot be changed here: ACME settings change with edit_ca --acme-* on the key host.");
  }
}

/** `http://…` (and `ldap://…` where allowed) with {SERIAL_HEX}-style templates, as edit_ca's URL options take them. */
function urlName(value: string, field: string, ldap: boolean): GeneralName {
  const url = value.replace(/^uri:/i, "");
  const schemes = ldap ? ["http", "https", "ldap"] : ["http", "https"];
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || !schemes.includes(scheme))
    throw bad(field, `${printable(value)} is not a URL starting with ${schemes.map((s) => `${s}://`).join(" or ")}.`);
  try {
    if (!hasUrlTemplate(url)) return parseGeneralName(`URI:${url}`);
    const problem = urlTemplateProblem(url);
    if (problem) throw bad(field, problem);
    // Valid once the fields are filled in; kept with its fields until the use case knows the serials.
    parseGeneralName(`URI:${url.replace(/\{[A-Z_]+\}/g, "0")}`);
    return { type: "uri", value: url };
  } catch (e) {
    if (e instanceof TscaError && e.code !== "ERR_BAD_REQUEST") throw bad(field, e.message);
    throw e;
  }
}

/** A plain http(s) URL (website, terms of service): the text as given, once checked. */
function httpUrl(value: string, field: string): string {
  if (hasUrlTemplate(value)) throw bad(field, "does not expand URL templates such as {SERIAL_HEX}.");
  const name = urlName(value, field, false);
  return name.type === "uri" ? name.value : value;
}

function generalName(value: string, field: string): GeneralName {
  try {
    return parseGeneralName(value);
  } catch (e) {
    if (e instanceof TscaError) throw bad(field, e.message);
    throw e;
  }
}

/** How an error names a member: `body.sign.ocsp_urls[0]` for the API; the web admin names its form fields. */
export type FieldNamer = (member: string, index?: number) => string;

const bodyMember: FieldNamer = (member, index) => `body.${member}${index === undefined ? "" : `[${index}]`}`;

/**
 * The edit_ca request of a schema-valid PATCH body (or of the web admin's form, which builds the same body);
 * throws naming the first field it cannot take.
 */
export function editRequestOf(ca: string, body: CaPatchBody, field: FieldNamer = bodyMember): EditCaRequest {
  const req: EditCaRequest = { ca };
  if (body.name !== undefined) req.name = body.name;
  if (body.enabled !== undefined) req.enabled = body.enabled;
  if (body.website !== undefined) req.website = body.website === null ? null : httpUrl(body.website, field("website"));
  if (body.terms_of_service !== undefined)
    req.termsOfService = body.terms_of_service === null ? null : httpUrl(body.terms_of_service, field("terms_of_service"));
  if (body.caa_identity !== undefined) req.caaIdentity = body.caa_identity;
  if (body.lint_rule_sets !== undefined) {
    try {
      req.lintRuleSets = parseLintRuleSets(body.lint_rule_sets, "lint_rule_sets");
    } catch (e) {
      if (e instanceof TscaError) throw bad(field("lint_rule_sets"), e.message);
      throw e;
    }
  }
  if (body.default_profile !== undefined) req.defaultProfile = body.default_profile;
  if (body.default_expires_days !== undefined) req.defaultExpiresDays = body.default_expires_days;
  const s = body.sign ?? {};
  const urls = (list: string[] | undefined, key: string, ldap: boolean): GeneralName[] | undefined =>
    list?.map((v, i) => urlName(v, field(`sign.${key}`, i), ldap));
  const crl = urls(s.crl_urls, "crl_urls", true);
  if (crl) req.signCrlUrls = crl;
  const ocsp = urls(s.ocsp_urls, "ocsp_urls", false);
  if (ocsp) req.signOcspUrls = ocsp;
  const issuer = urls(s.issuer_urls, "issuer_urls", false);
  if (issuer) req.signIssuerUrls = issuer;
  const delta = urls(s.freshest_crl_urls, "freshest_crl_urls", true);
  if (delta) req.signFreshestCrlUrls = delta;
  if (s.issuer_alternative_names)
    req.signIssuerAltNames = s.issuer_alternative_names.map((v, i) => generalName(v, field("sign.issuer_alternative_names", i)));
  if (s.certificate_policies)
    req.signCertificatePolicies = s.certificate_policies.map((v, i) => {
      try {
        return parseSigningPolicy(v);
      } catch (e) {
        if (e instanceof TscaError) throw bad(field("sign.certificate_policies", i), e.message);
        throw e;
      }
    });
  // A PATCH that changes nothing is a mistake (a misspelt member would have been refused already).
  if (Object.keys(req).length === 1)
    throw new TscaError("ERR_BAD_REQUEST", "Nothing to change: give at least one writable member of the CA.");
  return req;
}
