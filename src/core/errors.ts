/**
 * Typed errors with stable codes. Every error a user can see is a TscaError: its `message` is one
 * sentence that is safe to show, its `code` is stable (documented in docs/errors.md, kept in step by a
 * test), and its `kind` decides the exit code / HTTP status at each surface. Internal detail goes in
 * `cause`, never in the message.
 */
export const ERROR_KINDS = [
  "usage",
  "invalid",
  "unauthenticated",
  "forbidden",
  "not-found",
  "conflict",
  "too-large",
  "unsupported-media-type",
  "rate-limited",
  "unavailable",
  "internal",
] as const;

/**
 * What went wrong, in terms every surface can map: each surface has exactly one table from kind to its own
 * status (CLI: adapters/cli/exit-codes.ts, HTTP: adapters/web/problem.ts, OCSP: adapters/web/ocsp-status.ts).
 */
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Every code with its kind and a description for docs/errors.md. */
export const ERROR_CODES = {
  ERR_USAGE: { kind: "usage", doc: "The command line is malformed: unknown option, missing argument, bad value." },
  ERR_CONFIG: { kind: "invalid", doc: "The configuration (environment or config file) is invalid." },
  ERR_INVALID_SUBJECT: { kind: "usage", doc: "A subject (distinguished name) cannot be parsed." },
  ERR_INVALID_GENERAL_NAME: {
    kind: "usage",
    doc: "A general name (DNS:, IP:, email:, URI:, dirName:, RID:, otherName:) is malformed, or a host name is not valid IDNA (UTS #46).",
  },
  ERR_INVALID_ARGUMENT: { kind: "usage", doc: "An option value is out of range or not of the expected form." },
  ERR_SUBJECT_NO_CN: { kind: "invalid", doc: "A CA subject has no common name." },
  ERR_KEY_PARAMETERS: { kind: "invalid", doc: "Key type, size, curve and signature hash do not fit together." },
  ERR_CA_NOT_FOUND: { kind: "not-found", doc: "No CA matches the given serial prefix or name." },
  ERR_CA_AMBIGUOUS: { kind: "usage", doc: "More than one CA matches the given serial prefix." },
  ERR_CA_NAME_TAKEN: { kind: "conflict", doc: "A CA with this name exists already." },
  ERR_CA_SERIAL_TAKEN: { kind: "conflict", doc: "A CA with this serial exists already (same certificate imported twice)." },
  ERR_PATH_LENGTH: {
    kind: "forbidden",
    doc: "The path length of the parent or an ancestor forbids another CA level, or a larger path length than it allows below it.",
  },
  ERR_FORBIDDEN: {
    kind: "forbidden",
    doc: "The acting user, token or account has no grant for this action on this CA (view, sign, revoke or edit).",
  },
  ERR_PARENT_UNUSABLE: { kind: "forbidden", doc: "The parent CA is disabled, expired, not yet valid or revoked." },
  ERR_ROOT_CA_URL: { kind: "invalid", doc: "A root CA cannot carry CRL, OCSP or CA issuer URLs in its own certificate." },
  ERR_KEY_NOT_FOUND: { kind: "not-found", doc: "The private key of a CA is not in the key store (wrong CA_DIR, or a web host)." },
  ERR_KEY_PASSWORD_REQUIRED: { kind: "invalid", doc: "The private key is encrypted and no password was given." },
  ERR_KEY_PASSWORD_UNEXPECTED: { kind: "invalid", doc: "A password was given but the private key is not encrypted." },
  ERR_KEY_PASSWORD_WRONG: { kind: "invalid", doc: "The private key cannot be decrypted with the given password." },
  ERR_KEY_INVALID: { kind: "invalid", doc: "A private key file cannot be read or is of an unsupported type." },
  ERR_KEY_MISMATCH: { kind: "invalid", doc: "A private key does not belong to the certificate." },
  ERR_KEY_BACKEND: {
    kind: "invalid",
    doc: "A CA names a key backend (key_backend) that this installation does not know or has not configured.",
  },
  ERR_PKCS11_LIBRARY: {
    kind: "invalid",
    doc: "The PKCS#11 module (TSCA_PKCS11_LIBRARY) is not set, not found, or cannot be loaded; or pkcs11js is not installed.",
  },
  ERR_PKCS11_TOKEN_NOT_FOUND: { kind: "not-found", doc: "No initialised PKCS#11 token has the given label or slot." },
  ERR_PKCS11_PIN_REQUIRED: {
    kind: "invalid",
    doc: "A PKCS#11 token needs its user PIN and none was given (TSCA_PKCS11_PIN, TSCA_PKCS11_PIN_FILE, --pkcs11-pin-file or a prompt).",
  },
  ERR_PKCS11_PIN_WRONG: { kind: "invalid", doc: "The PKCS#11 token refused the user PIN (wrong, or locked after too many tries)." },
  ERR_PKCS11_MECHANISM: { kind: "invalid", doc: "The PKCS#11 token cannot make or use a key of this type." },
  ERR_PKCS11_DEVICE: { kind: "unavailable", doc: "The PKCS#11 token failed or disappeared during an operation." },
  ERR_CERT_INVALID: { kind: "invalid", doc: "A certificate cannot be parsed." },
  ERR_NOT_A_CA: { kind: "invalid", doc: "A certificate to import as a CA is not a CA certificate." },
  ERR_NO_SKI: {
    kind: "invalid",
    doc: "A CA certificate to import has no Subject Key Identifier (RFC 5280 §4.2.1.2); import_ca --allow-missing-ski accepts it.",
  },
  ERR_NOT_SIGNED_BY_PARENT: { kind: "invalid", doc: "A certificate was not signed by the CA named as its issuer." },
  ERR_EXPIRES: { kind: "invalid", doc: "A validity period is out of range." },
  ERR_EXTENSION: { kind: "invalid", doc: "An extension value is invalid or not allowed here." },
  ERR_CERT_SERIAL_TAKEN: { kind: "conflict", doc: "A certificate with this serial is already stored." },
  ERR_CSR_INVALID: { kind: "invalid", doc: "The CSR cannot be parsed." },
  ERR_CSR_SIGNATURE: {
    kind: "invalid",
    doc: "The CSR's signature does not verify with its own key, or its signature algorithm is not one of that key's (no proof of possession).",
  },
  ERR_CSR_WEAK: { kind: "invalid", doc: "The CSR uses a weak signature hash (MD5, SHA-1) or a too-small or unsupported key." },
  ERR_CERT_NOT_FOUND: { kind: "not-found", doc: "No certificate matches the given serial prefix or common name." },
  ERR_CERT_AMBIGUOUS: { kind: "usage", doc: "More than one certificate matches the given serial prefix or common name." },
  ERR_NAME_CONSTRAINTS: {
    kind: "forbidden",
    doc: "A name of the certificate is outside the permitted or inside the excluded subtrees of its CA or an ancestor.",
  },
  ERR_CONTROL_CHARACTERS: {
    kind: "invalid",
    doc: "A name to be put into a certificate (subject attribute or SAN, e.g. from a CSR) contains a control character (C0, DEL, C1).",
  },
  ERR_LINT: {
    kind: "invalid",
    doc: "The certificate (or revocation) would break an RFC 5280 rule or a rule of a selected rule set (cabf-serverauth, cabf-smime); the message names the rule; nothing was signed.",
  },
  ERR_PROFILE: { kind: "usage", doc: "The named profile is not defined." },
  ERR_NO_NAME: { kind: "usage", doc: "A certificate needs a common name or at least one subject alternative name." },
  ERR_NO_SAN: {
    kind: "invalid",
    doc: "A server certificate (extended key usage serverAuth) would have no DNS or IP subject alternative name, e.g. because its CN is not a host name.",
  },
  ERR_CA_UNUSABLE: { kind: "forbidden", doc: "The CA cannot sign now: disabled, expired, not yet valid, revoked, or an ancestor is." },
  ERR_NO_USABLE_CA: { kind: "not-found", doc: "No CA is usable to sign (none configured as default and none valid)." },
  ERR_CA_NOT_PUBLISHED: {
    kind: "unavailable",
    doc: "A new CA was created and kept, but its first CRLs or its OCSP responder could not be made; the message names the commands that make them.",
  },
  ERR_ALREADY_REVOKED: { kind: "conflict", doc: "The certificate is already revoked." },
  ERR_NOT_ON_HOLD: { kind: "conflict", doc: "Only a certificate revoked with reason certificate_hold can be released." },
  ERR_TIMESTAMP: { kind: "usage", doc: "A timestamp lacks a time zone, is not ISO 8601, or lies in the future." },
  ERR_NOT_ISSUED_BY_CA: { kind: "invalid", doc: "A certificate to import was not signed by the named CA." },
  ERR_OCSP_MALFORMED_REQUEST: {
    kind: "invalid",
    doc: "An OCSP request cannot be parsed, is too large or uses a critical extension tsca does not know (OCSP malformedRequest).",
  },
  ERR_SERVER: { kind: "unavailable", doc: "tsca serve cannot start: the address is in use or not allowed, or a worker keeps failing." },
  ERR_CA_IS_ROOT: {
    kind: "forbidden",
    doc: "A root CA cannot be revoked: no issuer could publish its revocation (remove it from trust stores instead).",
  },
  ERR_CRL_INVALID: { kind: "invalid", doc: "A CRL cannot be parsed." },
  ERR_CRL_NO_BASE: {
    kind: "invalid",
    doc: "A delta CRL was asked for, but no complete CRL of that CA and scope exists to be its base (RFC 5280 §5.2.4).",
  },
  ERR_CRL_NOT_FOUND: { kind: "not-found", doc: "No CRL of this CA and scope has been generated yet (run generate_crls on the key host)." },
  ERR_REQUEST_NOT_FOUND: { kind: "not-found", doc: "No signing request has this id (or the actor may not view its CA)." },
  ERR_USER_NOT_FOUND: { kind: "not-found", doc: "No user has this name." },
  ERR_USER_NAME_TAKEN: { kind: "conflict", doc: "A user with this name exists already." },
  ERR_WEAK_PASSWORD: {
    kind: "invalid",
    doc: "A new password breaks a rule: at least 12 and at most 1024 characters, not containing the user name, not one character repeated.",
  },
  ERR_TOKEN_NOT_FOUND: { kind: "not-found", doc: "No API token has this name." },
  ERR_TOKEN_NAME_TAKEN: {
    kind: "conflict",
    doc: "An API token with this name exists already (token names are unique in the installation).",
  },
  ERR_AUDIT_BROKEN: {
    kind: "invalid",
    doc: "tsca audit --verify found the audit log's hash chain broken; the message names the first event that was changed, removed or reordered.",
  },
  ERR_CRL_CONTENDED: {
    kind: "conflict",
    doc: "Other processes kept storing newer CRLs of the same CA and scope while this one was being made; nothing was stored, try again.",
  },
  ERR_RENEWAL_INCOMPLETE: {
    kind: "unavailable",
    doc: "generate_crls or generate_ocsp_keys could not renew some CAs (key encrypted or not on this host, or a failure); it did the others and named each on stderr.",
  },
  ERR_MAIL_DELIVERY: {
    kind: "unavailable",
    doc: "notify_expiring_certs could not deliver some expiry mails (SMTP refused or unreachable); it sent the others, named each failure on stderr, and retries them on its next run.",
  },
  ERR_UNHEALTHY: {
    kind: "unavailable",
    doc: "tsca check found problems (a CA key not reachable, a CRL stale or about to lapse, a responder certificate expiring, requests pending too long, migrations, file modes, the audit chain); each is named in one sentence.",
  },
  ERR_BACKUP_TARGET: {
    kind: "conflict",
    doc: "tsca backup refuses a target directory that exists and is not empty (it never mixes two backups or overwrites files).",
  },
  ERR_BACKUP_MISMATCH: {
    kind: "invalid",
    doc: "tsca backup --verify found files that differ from the manifest (missing, changed, another mode, not listed) or no manifest at all; each is named.",
  },
  ERR_BAD_REQUEST: {
    kind: "usage",
    doc: "An HTTP request is malformed: a body that cannot be parsed, a bad URL, or a missing or invalid parameter.",
  },
  ERR_ROUTE_NOT_FOUND: { kind: "not-found", doc: "Nothing is served at this URL with this HTTP method." },
  ERR_UNAUTHENTICATED: {
    kind: "unauthenticated",
    doc: "The HTTP request carries no valid credentials (session, API token or ACME account key) where they are required.",
  },
  ERR_CSRF: {
    kind: "forbidden",
    doc: "A web admin form, or an API request authenticated by a web admin session, came without a valid CSRF token (the hidden field _csrf, or the X-CSRF-Token header).",
  },
  ERR_TOO_LARGE: { kind: "too-large", doc: "An HTTP request body is larger than this endpoint accepts." },
  ERR_UNSUPPORTED_MEDIA_TYPE: {
    kind: "unsupported-media-type",
    doc: "An HTTP request body has a content type this endpoint does not accept.",
  },
  ERR_RATE_LIMITED: {
    kind: "rate-limited",
    doc: "Too many requests from this client or for this account; wait as long as Retry-After says.",
  },
  ERR_ACME_KEY_IN_USE: {
    kind: "conflict",
    doc: "The ACME account key (its RFC 7638 thumbprint) already belongs to another account of this CA (newAccount race, key change).",
  },
  ERR_IO: { kind: "unavailable", doc: "A file cannot be read or written." },
  ERR_DATABASE: { kind: "unavailable", doc: "The database cannot be reached or refused the operation." },
  ERR_INTERNAL: { kind: "internal", doc: "An unexpected internal error, a bug (see --traceback, or the server log)." },
} as const satisfies Record<string, { kind: ErrorKind; doc: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class TscaError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  /**
   * Structured detail a surface may show next to the message (problem+json members, `--json` output):
   * the CA, the lint rule, the RFC section, the permission. Safe to show, like the message.
   */
  readonly fields: Readonly<Record<string, string | number>>;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; fields?: Record<string, string | number> }) {
    super(message, options);
    this.name = "TscaError";
    this.code = code;
    this.kind = ERROR_CODES[code].kind;
    this.fields = options?.fields ?? {};
  }
}

export function isTscaError(e: unknown): e is TscaError {
  return e instanceof TscaError;
}
