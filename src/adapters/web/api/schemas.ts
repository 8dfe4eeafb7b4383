/**
 * The REST API's schemas (TypeBox, JSON Schema 2020-12): the same objects validate requests, describe
 * responses and make the OpenAPI 3.1 document (openapi.ts), so the document cannot drift from what the
 * routes accept and answer. Response objects are the JSON of `view_ca`/`view_cert --output-format json`
 * (core/views), with `additionalProperties: false` so the contract tests notice a key added on one side only.
 */
import { Type, type TSchema } from "@fastify/type-provider-typebox";
import { LINT_RULE_SETS } from "../../../core/issuance/lint-rule-sets.js";
import { REASONS } from "../../../core/revocation/reasons.js";
import { PROBLEM_CONTENT_TYPE } from "../problem.js";

const closed = { additionalProperties: false } as const;
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Time = Type.String({ format: "date-time" });

/** Colon hex, upper case (`4F:3A:…`), as every tsca output writes serials. */
export const Serial = Type.String({
  pattern: "^[0-9A-F]{2}(:[0-9A-F]{2})*$",
  description: "Serial number, colon-separated upper-case hex",
});

/** RFC 9457 problem details (problem.ts): the members it defines plus `code` and the error's fields. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: "urn:tsca:error:<CODE>" }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ pattern: "^ERR_[A-Z0-9_]+$" }),
  },
  { additionalProperties: Type.Union([Type.String(), Type.Number()]), description: "Problem details (RFC 9457)" },
);

const Extension = Type.Object(
  { oid: Type.String(), name: Type.String(), critical: Type.Boolean(), value: Type.Array(Type.String()) },
  closed,
);
const Fingerprints = Type.Object({ "SHA-256": Type.String(), "SHA-512": Type.String() }, closed);
const CaRef = Type.Object({ serial: Serial, name: Type.String() }, closed);

const caSummaryFields = {
  serial: Serial,
  name: Type.String(),
  enabled: Type.Boolean(),
  parent: Nullable(Serial),
  subject: Type.String(),
  common_name: Type.String(),
  not_before: Time,
  not_after: Time,
  path_length: Nullable(Type.Integer()),
  key_type: Type.String(),
  revoked: Type.Boolean(),
};

/** One entry of GET /cas: `list_cas --output-format json`. */
export const CaSummary = Type.Object({ ...caSummaryFields, revoked_ancestor: Nullable(CaRef) }, closed);

/** The URLs and names a CA puts into what it signs; also the writable `sign` member of PATCH. */
const SIGN_KEYS = [
  "crl_urls",
  "ocsp_urls",
  "issuer_urls",
  "issuer_alternative_names",
  "freshest_crl_urls",
  "certificate_policies",
] as const;

const CaStatusValue = Type.Union([Type.Literal("valid"), Type.Literal("revoked"), Type.Literal("expired"), Type.Literal("not yet valid")]);

/** GET /cas/{ca}: `view_ca --output-format json` without key_location (a path on the key host). */
export const Ca = Type.Object(
  {
    ...caSummaryFields,
    status: CaStatusValue,
    usable: Type.Boolean(),
    unusable_because: Nullable(Type.Object({ serial: Serial, name: Type.String(), status: Type.String() }, closed)),
    issuer: Type.String(),
    signature_algorithm: Type.String(),
    signature_hash: Nullable(Type.String()),
    lint_rule_sets: Type.Array(Type.String()),
    max_sub_ca_levels: Nullable(Type.Integer()),
    children: Type.Array(CaRef),
    key_backend: Type.String(),
    key_encrypted: Type.Boolean(),
    extensions: Type.Array(Extension),
    sign: Type.Object(Object.fromEntries(SIGN_KEYS.map((k) => [k, Type.Array(Type.String())])), closed),
    website: Nullable(Type.String()),
    terms_of_service: Nullable(Type.String()),
    caa_identity: Nullable(Type.String()),
    default_profile: Nullable(Type.String()),
    default_expires_days: Nullable(Type.Integer()),
    // Read-only here; changed with edit_ca --acme-* on the key host.
    acme: Type.Object(
      {
        enabled: Type.Boolean(),
        profile: Nullable(Type.String()),
        requires_contact: Type.Boolean(),
        eab_required: Type.Boolean(),
        allow: Type.Array(Type.String()),
        deny: Type.Array(Type.String()),
        directory_path: Type.String(),
        directory_url: Nullable(Type.String()),
      },
      closed,
    ),
    revoked_at: Nullable(Time),
    revoked_reason: Nullable(Type.String()),
    fingerprints: Fingerprints,
    pem: Type.String(),
  },
  closed,
);

export const CaList = Type.Object({ items: Type.Array(CaSummary) }, closed);

const UrlList = (what: string, schemes: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), {
    maxItems: 20,
    description: `${what}: ${schemes} URLs; {SERIAL_HEX}-style templates are filled in for this CA. [] removes them all.`,
  });

/**
 * PATCH /cas/{ca}: the writable part of the CA object (what edit_ca changes). Everything else in a CA is its
 * certificate, which only the CA key could change; plugin validation refuses such a field by name.
 */
export const CaPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    enabled: Type.Optional(Type.Boolean()),
    website: Type.Optional(Nullable(Type.String({ maxLength: 2048, description: "http(s) URL; null removes it" }))),
    terms_of_service: Type.Optional(Nullable(Type.String({ maxLength: 2048, description: "http(s) URL; null removes it" }))),
    caa_identity: Type.Optional(Nullable(Type.String({ maxLength: 253, description: "null removes it" }))),
    default_profile: Type.Optional(
      Nullable(
        Type.String({ minLength: 1, maxLength: 200, description: "Profile for requests that name none; null: the configured default" }),
      ),
    ),
    default_expires_days: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 1,
          maximum: 36500,
          description: "Validity in days for requests that name none; null: the profile's or the setting's",
        }),
      ),
    ),
    lint_rule_sets: Type.Optional(
      Type.Array(Type.Union(LINT_RULE_SETS.map((s) => Type.Literal(s))), {
        maxItems: LINT_RULE_SETS.length,
        description: "Rule sets for what the CA signs, replacing the stored ones; rfc5280 always applies",
      }),
    ),
    sign: Type.Optional(
      Type.Object(
        {
          crl_urls: Type.Optional(UrlList("CRL distribution points (RFC 5280 §4.2.1.13)", "http, https or ldap")),
          ocsp_urls: Type.Optional(UrlList("OCSP responders (RFC 5280 §4.2.2.1)", "http or https")),
          issuer_urls: Type.Optional(UrlList("CA issuers (RFC 5280 §4.2.2.1)", "http or https")),
          issuer_alternative_names: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), {
              maxItems: 20,
              description: "Issuer alternative names as general names (URI:…, DNS:…, email:…); [] removes them all",
            }),
          ),
          freshest_crl_urls: Type.Optional(UrlList("Freshest CRL, delta CRLs (RFC 5280 §4.2.1.15)", "http, https or ldap")),
          certificate_policies: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), {
              maxItems: 20,
              description:
                'Certificate policies for what it signs unless a request names some (RFC 5280 §4.2.1.4): "OID; cps:URL; notice:TEXT", qualifiers optional; [] removes them all',
            }),
          ),
        },
        closed,
      ),
    ),
  },
  closed,
);

export const Profile = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    default: Type.Boolean(),
    key_usage: Type.Array(Type.String()),
    extended_key_usage: Type.Array(Type.String({ description: "dotted OID" })),
    expires_days: Nullable(Type.Integer({ description: "null: the configured default" })),
    lint_rule_sets: Type.Array(Type.String()),
  },
  closed,
);
export const ProfileList = Type.Object({ items: Type.Array(Profile) }, closed);

const CertStatusValue = Type.Union([
  Type.Literal("valid"),
  Type.Literal("revoked"),
  Type.Literal("expired"),
  Type.Literal("not yet valid"),
]);

const certSummaryFields = {
  serial: Serial,
  common_name: Type.String(),
  subject: Type.String(),
  ca: Serial,
  not_before: Time,
  not_after: Time,
  status: CertStatusValue,
  profile: Nullable(Type.String()),
  autogenerated: Type.Boolean(),
  revoked_at: Nullable(Time),
  revoked_reason: Nullable(Type.String()),
  compromised_at: Nullable(Time),
  watchers: Type.Array(Type.String()),
};

/** One entry of GET /certificates: `list_certs --output-format json`. */
export const CertificateSummary = Type.Object(certSummaryFields, closed);

/** GET /certificates/{serial}: `view_cert --output-format json`. */
export const Certificate = Type.Object(
  {
    ...certSummaryFields,
    issuer: Type.String(),
    signature_algorithm: Type.String(),
    extensions: Type.Array(Extension),
    fingerprints: Fingerprints,
    pem: Type.String(),
  },
  closed,
);

export const CertificatePage = Type.Object(
  {
    items: Type.Array(CertificateSummary),
    next_cursor: Nullable(Type.String({ description: "Pass as `cursor` for the next page; null on the last page" })),
  },
  closed,
);

export const CertificateQuery = Type.Object(
  {
    ca: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "CA serial (prefix) or name" })),
    status: Type.Optional(
      Type.Union([Type.Literal("valid"), Type.Literal("revoked"), Type.Literal("expired"), Type.Literal("all")], {
        description: "valid (neither revoked nor expired), revoked, expired, or all (the default)",
      }),
    ),
    profile: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    expires_before: Type.Optional(Type.String({ format: "date-time", description: "Only certificates whose notAfter is earlier" })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Common name, SAN or serial prefix" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: "next_cursor of the previous page" })),
  },
  closed,
);

export const REVOCATION_REASONS = Object.keys(REASONS) as (keyof typeof REASONS)[];

export const RevokeBody = Type.Object(
  {
    reason: Type.Optional(
      Type.Union(
        REVOCATION_REASONS.map((r) => Type.Literal(r)),
        { default: "unspecified" },
      ),
    ),
    compromised: Type.Optional(
      Type.String({ maxLength: 64, description: "When the key was compromised: ISO 8601 with a time zone, in the past" }),
    ),
  },
  closed,
);

export const SignBody = Type.Object(
  {
    csr: Type.String({ minLength: 1, maxLength: 60_000, description: "PKCS#10 CSR in PEM" }),
    profile: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    subject: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2048, description: "Subject instead of the CSR's, e.g. /CN=www.example.com" }),
    ),
    alt: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), {
        maxItems: 100,
        description: "Subject alternative names, e.g. DNS:www.example.com",
      }),
    ),
    expires: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500, description: "Validity in days" })),
  },
  closed,
);

export const ResignBody = Type.Object(
  { expires: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500, description: "Validity in days" })) },
  closed,
);

export const WaitQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 60,
        description: "Seconds to wait for the certificate (serve --worker answers 201 when issued)",
      }),
    ),
  },
  closed,
);

export const SigningRequestJson = Type.Object(
  {
    id: Type.String({ pattern: "^[0-9a-f]+$" }),
    status: Type.Union([Type.Literal("pending"), Type.Literal("issued"), Type.Literal("failed")]),
    ca: Serial,
    created_at: Time,
    updated_at: Time,
    certificate: Type.Optional(Type.Object({ serial: Serial, pem: Type.String() }, closed)),
    error: Type.Optional(Problem),
  },
  closed,
);

export const CaParams = Type.Object({
  ca: Type.String({ minLength: 1, maxLength: 200, description: "Serial (hex, colons optional, unique prefix) or name" }),
});
export const SerialParams = Type.Object({
  serial: Type.String({ minLength: 1, maxLength: 200, description: "Serial (hex, colons optional, any case, unique prefix)" }),
});
export const RequestParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: "^[0-9a-fA-F]+$" }) });

/** What each problem status means here, and the headers it carries (RFC 6750 §3, RFC 9110 §10.2.3). */
const PROBLEM_STATUS: Record<number, { description: string; header?: [string, string] }> = {
  400: { description: "Invalid request; `field` names the member, parameter or query field" },
  401: { description: "No valid token", header: ["WWW-Authenticate", 'Bearer realm="tsca" (with error="invalid_token" for a bad token)'] },
  403: { description: "No grant for this, or a policy forbids it" },
  404: { description: "No such CA, certificate or request" },
  409: { description: "Conflicts with the stored state (already revoked, not on hold, name taken)" },
  413: { description: "Body over 64 KiB" },
  415: { description: "Body is not JSON" },
  429: { description: "Rate limited", header: ["Retry-After", "Seconds to wait"] },
  503: { description: "Database unavailable", header: ["Retry-After", "Seconds to wait"] },
};

interface ProblemResponse {
  description: string;
  headers?: Record<string, { description: string; schema: { type: "string" } }>;
  content: Record<string, { schema: typeof Problem }>;
}

/** The problem answers a route declares, by status (RFC 9457, `application/problem+json`). */
export function problems(...statuses: number[]): Record<number, ProblemResponse> {
  const out: Record<number, ProblemResponse> = {};
  for (const s of statuses) {
    const meta = PROBLEM_STATUS[s] ?? { description: "Problem details" };
    out[s] = {
      description: `${meta.description} (problem details, RFC 9457)`,
      ...(meta.header ? { headers: { [meta.header[0]]: { description: meta.header[1], schema: { type: "string" as const } } } } : {}),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } },
    };
  }
  return out;
}

/** Every authenticated route can answer these: bad input, no token, rate limited, database unavailable. */
export const COMMON_PROBLEMS = [400, 401, 413, 415, 429, 503] as const;

export const json = <T extends TSchema>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
