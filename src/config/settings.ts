/**
 * Settings: built-in defaults, then an optional JSON config file, then environment variables (highest
 * precedence). Validated once at start; any problem is one sentence naming the setting and its source.
 *
 * | variable                      | file key              | default                                  |
 * | TSCA_HOME                     | –                     | $XDG_DATA_HOME/tsca or ~/.local/share/tsca |
 * | TSCA_CONFIG                   | –                     | $TSCA_HOME/tsca.json (if present)        |
 * | TSCA_CA_DIR                   | caDir                 | $TSCA_HOME/ca                            |
 * | TSCA_DATABASE_URL             | databaseUrl           | $TSCA_HOME/tsca.sqlite3                  |
 * | TSCA_DATABASE_TIMEOUT         | databaseTimeout       | 5000 (ms; tsca serve: PostgreSQL connect and statement limit, SQLite lock wait, OCSP wait for the database) |
 * | TSCA_DEFAULT_KEY_TYPE         | defaultKeyType        | RSA                                      |
 * | TSCA_DEFAULT_KEY_SIZE         | defaultKeySize        | 4096                                     |
 * | TSCA_MIN_KEY_SIZE             | minKeySize            | 2048                                     |
 * | TSCA_DEFAULT_ELLIPTIC_CURVE   | defaultEllipticCurve  | secp256r1                                |
 * | TSCA_DEFAULT_SIGNATURE_HASH   | defaultSignatureHash  | auto (RSA: SHA-256; EC: the curve's hash, always) |
 * | TSCA_DEFAULT_CA_EXPIRES       | defaultCaExpires      | 3650 (days)                              |
 * | TSCA_DEFAULT_EXPIRES          | defaultExpires        | 100 (days, end-entity certificates)      |
 * | TSCA_DEFAULT_CA               | defaultCa             | unset: the usable CA that expires last   |
 * | TSCA_DEFAULT_PROFILE          | defaultProfile        | webserver                                |
 * | TSCA_PROFILES (JSON)          | profiles              | {} (added to / replacing the built-ins)  |
 * | TSCA_CRL_EXPIRES              | crlExpires            | 86400 (seconds, CRLs of generate_crls)   |
 * | TSCA_CRL_RENEWAL              | crlRenewal            | 43200 (seconds before nextUpdate; < expires) |
 * | TSCA_DEFAULT_HOSTNAME         | defaultHostname       | unset: new CAs get no default CRL/OCSP/issuer URLs |
 * | TSCA_OCSP_KEY_DIR             | ocspKeyDir            | $TSCA_HOME/ocsp (delegated responder keys; never CA_DIR) |
 * | TSCA_OCSP_RESPONDER_VALIDITY  | ocspResponderValidity | 3 (days, responder certificates)          |
 * | TSCA_OCSP_RESPONDER_RENEWAL   | ocspResponderRenewal  | 24 (hours left when generate_ocsp_keys renews) |
 * | TSCA_OCSP_RESPONSE_VALIDITY   | ocspResponseValidity  | 86400 (seconds, thisUpdate→nextUpdate; per CA) |
 * | TSCA_OCSP_POLL_INTERVAL       | ocspPollInterval      | 500 (ms between revocation change-feed polls) |
 * | TSCA_OCSP_CACHE_SIZE          | ocspCacheSize         | 100000 (certificates kept in memory)      |
 * | TSCA_OCSP_CACHE_BYTES         | ocspCacheBytes        | 67108864 (64 MiB; bytes the OCSP cache may hold) |
 * | TSCA_HTTP_HEADERS_TIMEOUT     | httpHeadersTimeout    | 5000 or the request timeout if shorter (ms for the request line and headers) |
 * | TSCA_HTTP_REQUEST_TIMEOUT     | httpRequestTimeout    | 10000 (ms for the whole request, body included) |
 * | TSCA_HTTP_IDLE_TIMEOUT        | httpIdleTimeout       | 65000 (ms a connection may be silent: keep-alive, stalled) |
 * | TSCA_HTTP_MAX_CONNECTIONS     | httpMaxConnections    | 10000 (open connections per server process) |
 * | TSCA_API_AUTH_FAILURES_PER_MINUTE | apiAuthFailuresPerMinute | 30 (failed API authentications per client address, then 429) |
 * | TSCA_API_RATE_LIMIT           | apiRateLimit          | 6000 (API requests per token and minute, then 429; 0: no limit) |
 * | TSCA_ADMIN_SESSION_IDLE_TIMEOUT | adminSessionIdleTimeout | 1800 (seconds a web admin session may go unused) |
 * | TSCA_ADMIN_SESSION_MAX_AGE    | adminSessionMaxAge    | 43200 (seconds a web admin session lasts at most) |
 * | TSCA_ADMIN_LOGIN_ATTEMPTS_PER_MINUTE | adminLoginAttemptsPerMinute | 10 (web admin logins per address, failed ones per user name) |
 * | TSCA_TRUST_PROXY              | trustProxy            | unset: none (addresses or CIDRs of reverse proxies whose X-Forwarded-* is believed) |
 * | TSCA_CA_PASSWORDS_FILE        | caPasswordsFile       | unset (JSON serial → password of encrypted CA keys, mode 0600, for timers) |
 * | TSCA_CHECK_CRL_MARGIN         | checkCrlMargin        | 14400 (seconds; tsca check: a CRL closer than this to nextUpdate) |
 * | TSCA_CHECK_RESPONDER_MARGIN   | checkResponderMargin  | 6 (hours; tsca check: a responder certificate with less left) |
 * | TSCA_CHECK_PENDING_AGE        | checkPendingAge       | 3600 (seconds; tsca check: a signing request pending longer) |
 * | TSCA_METRICS_TOKEN            | metricsToken          | unset: /metrics only on `serve --metrics-port` (bearer token, ≥ 16 characters, for /metrics) |
 * | TSCA_SMTP_URL                 | smtpUrl               | unset: notify_expiring_certs cannot send (smtp:// with STARTTLS, or smtps://; auth in the URL) |
 * | TSCA_MAIL_FROM                | mailFrom              | unset: required by notify_expiring_certs |
 * | TSCA_EXPIRY_NOTIFY_DAYS       | expiryNotifyDays      | 14,7,3,1 (days before expiry when watchers are mailed) |
 * | TSCA_PKCS11_LIBRARY           | pkcs11Library         | unset: no PKCS#11 CA keys (path of the token's PKCS#11 module) |
 * | TSCA_PKCS11_PIN_FILE          | pkcs11PinFile         | unset (file whose first line is the token's user PIN, mode 0600; for timers and the worker) |
 * | TSCA_PKCS11_PIN               | –                     | unset (the user PIN itself; environment only, never in the config file) |
 * | TSCA_EXTERNAL_URL             | externalUrl           | unset: ACME URLs from the request's scheme and Host (http(s)://host[:port][/path], no query) |
 * | TSCA_ACME_HTTP01_PORT         | acmeHttp01Port        | 80 (port the validator connects to for http-01) |
 * | TSCA_ACME_TLSALPN01_PORT      | acmeTlsAlpn01Port     | 443 (port the validator connects to for tls-alpn-01) |
 * | TSCA_ACME_DNS_RESOLVER        | acmeDnsResolver       | unset: the system's resolvers (address:port of the DNS server for A/AAAA/TXT/CAA) |
 * | TSCA_ACME_ALLOW_LOOPBACK      | acmeAllowLoopback     | 0 (1: the validator may connect to loopback addresses) |
 * | TSCA_ACME_DENY_NETWORKS       | acmeDenyNetworks      | unset (addresses or CIDRs the validator never connects to, beyond the built-in ones) |
 * | TSCA_ACME_ORDER_VALIDITY      | acmeOrderValidity     | 86400 (seconds an order and its authorizations stay usable) |
 * | TSCA_ACME_VALIDATION_TIMEOUT  | acmeValidationTimeout | 10000 (ms for one challenge validation: DNS, connect, response) |
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { TscaError } from "../core/errors.js";
import { PROFILE_CONFIG_KEYS, type ProfileConfig } from "../core/issuance/profiles.js";
import { parseDefaultHostname } from "../core/ca/default-urls.js";
import { checkResponseValidity } from "../core/usecases/generate-ocsp-keys.js";
import { DEFAULT_EXPIRY_NOTIFY_DAYS, parseExpiryDays } from "../core/notifications/expiry-thresholds.js";
import { parseWatcher } from "../core/usecases/cert-watchers.js";
import {
  parseEllipticCurve,
  parseHashAlgorithm,
  parseKeyType,
  type EllipticCurve,
  type HashAlgorithm,
  type KeyType,
} from "../core/x509/algorithms.js";

export interface Settings {
  home: string;
  caDir: string;
  databaseUrl: string;
  /** Milliseconds `tsca serve` waits for the database: connecting, each statement, an SQLite lock, one OCSP answer. */
  databaseTimeout: number;
  defaultKeyType: KeyType;
  defaultKeySize: number;
  minKeySize: number;
  defaultEllipticCurve: EllipticCurve;
  /** Hash for new RSA CAs; undefined ("auto"): SHA-256. EC CAs always get their curve's hash unless --algorithm is given. */
  defaultSignatureHash: HashAlgorithm | undefined;
  defaultCaExpires: number;
  defaultExpires: number;
  defaultCa: string | undefined;
  defaultProfile: string;
  profiles: Record<string, ProfileConfig>;
  /** Validity of the CRLs generate_crls makes, and how long before their nextUpdate they are renewed (seconds). */
  crlExpires: number;
  crlRenewal: number;
  /** HOST[:PORT] of `tsca serve` for default CRL/OCSP/issuer URLs of new CAs. */
  defaultHostname: string | undefined;
  ocspKeyDir: string;
  /** Days; hours; seconds; milliseconds; entries (see the table above). */
  ocspResponderValidity: number;
  ocspResponderRenewal: number;
  ocspResponseValidity: number;
  ocspPollInterval: number;
  ocspCacheSize: number;
  /** Bytes (estimated) the OCSP responder's memory may hold. */
  ocspCacheBytes: number;
  /** `tsca serve` connection limits: milliseconds, milliseconds, milliseconds, connections. */
  httpHeadersTimeout: number;
  httpRequestTimeout: number;
  httpIdleTimeout: number;
  httpMaxConnections: number;
  /** REST API limits per server process: failed authentications per client address and minute; requests per token and minute (0: none). */
  apiAuthFailuresPerMinute: number;
  apiRateLimit: number;
  /** Web admin sessions (issue 9): idle and absolute lifetime, in seconds. */
  adminSessionIdleTimeout: number;
  adminSessionMaxAge: number;
  /** Web admin login attempts per client address and minute, and failed ones per user name and minute. */
  adminLoginAttemptsPerMinute: number;
  /**
   * Reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For/-Proto are believed: the
   * client address for rate limits and whether the request came over https (the session cookie's Secure).
   * Empty: none, the TCP peer is the client.
   */
  trustProxy: string[];
  /** JSON file of CA serial → password of its encrypted key (mode 0600), read by generate_crls and generate_ocsp_keys. */
  caPasswordsFile: string | undefined;
  /** `tsca check` thresholds: seconds before a CRL's nextUpdate; hours a responder certificate must have left; seconds a request may be pending. */
  checkCrlMargin: number;
  checkResponderMargin: number;
  checkPendingAge: number;
  /**
   * Bearer token a Prometheus scrape must send for /metrics (RFC 6750). Set: /metrics is also served on the
   * main port, and the token is required on --metrics-port too. Never logged.
   */
  metricsToken: string | undefined;
  /** Expiry mail (notify_expiring_certs): the SMTP server (may carry a password: never log it), the From address, the thresholds in days. */
  smtpUrl: string | undefined;
  mailFrom: string | undefined;
  expiryNotifyDays: number[];
  /** PKCS#11 CA keys (docs/hsm.md): the module's path, and a file holding the user PIN (its first line). */
  pkcs11Library: string | undefined;
  pkcs11PinFile: string | undefined;
  /** TSCA_PKCS11_PIN, from the environment only: a secret is never read from the config file. Never logged. */
  pkcs11Pin: string | undefined;
  /** Base URL of the ACME server as clients reach it (behind a TLS proxy); unset: from each request. No trailing slash. */
  externalUrl: string | undefined;
  /** ACME validator (RFC 8555 §8): ports it connects to, DNS server, loopback, refused networks, time bound. */
  acmeHttp01Port: number;
  acmeTlsAlpn01Port: number;
  /** "host:port" of the DNS server, or undefined: the system's. */
  acmeDnsResolver: string | undefined;
  acmeAllowLoopback: boolean;
  acmeDenyNetworks: string[];
  /** Seconds an ACME order (and its authorizations) stays usable. */
  acmeOrderValidity: number;
  acmeValidationTimeout: number;
  /** Where the values came from, for error messages. */
  configFile: string | undefined;
}

type Raw = Record<string, unknown>;

const FILE_KEYS: Record<string, string> = {
  caDir: "TSCA_CA_DIR",
  databaseUrl: "TSCA_DATABASE_URL",
  databaseTimeout: "TSCA_DATABASE_TIMEOUT",
  defaultKeyType: "TSCA_DEFAULT_KEY_TYPE",
  defaultKeySize: "TSCA_DEFAULT_KEY_SIZE",
  minKeySize: "TSCA_MIN_KEY_SIZE",
  defaultEllipticCurve: "TSCA_DEFAULT_ELLIPTIC_CURVE",
  defaultSignatureHash: "TSCA_DEFAULT_SIGNATURE_HASH",
  defaultCaExpires: "TSCA_DEFAULT_CA_EXPIRES",
  defaultExpires: "TSCA_DEFAULT_EXPIRES",
  defaultCa: "TSCA_DEFAULT_CA",
  defaultProfile: "TSCA_DEFAULT_PROFILE",
  profiles: "TSCA_PROFILES",
  crlExpires: "TSCA_CRL_EXPIRES",
  crlRenewal: "TSCA_CRL_RENEWAL",
  defaultHostname: "TSCA_DEFAULT_HOSTNAME",
  ocspKeyDir: "TSCA_OCSP_KEY_DIR",
  ocspResponderValidity: "TSCA_OCSP_RESPONDER_VALIDITY",
  ocspResponderRenewal: "TSCA_OCSP_RESPONDER_RENEWAL",
  ocspResponseValidity: "TSCA_OCSP_RESPONSE_VALIDITY",
  ocspPollInterval: "TSCA_OCSP_POLL_INTERVAL",
  ocspCacheSize: "TSCA_OCSP_CACHE_SIZE",
  ocspCacheBytes: "TSCA_OCSP_CACHE_BYTES",
  httpHeadersTimeout: "TSCA_HTTP_HEADERS_TIMEOUT",
  httpRequestTimeout: "TSCA_HTTP_REQUEST_TIMEOUT",
  httpIdleTimeout: "TSCA_HTTP_IDLE_TIMEOUT",
  httpMaxConnections: "TSCA_HTTP_MAX_CONNECTIONS",
  apiAuthFailuresPerMinute: "TSCA_API_AUTH_FAILURES_PER_MINUTE",
  apiRateLimit: "TSCA_API_RATE_LIMIT",
  adminSessionIdleTimeout: "TSCA_ADMIN_SESSION_IDLE_TIMEOUT",
  adminSessionMaxAge: "TSCA_ADMIN_SESSION_MAX_AGE",
  adminLoginAttemptsPerMinute: "TSCA_ADMIN_LOGIN_ATTEMPTS_PER_MINUTE",
  trustProxy: "TSCA_TRUST_PROXY",
  caPasswordsFile: "TSCA_CA_PASSWORDS_FILE",
  checkCrlMargin: "TSCA_CHECK_CRL_MARGIN",
  checkResponderMargin: "TSCA_CHECK_RESPONDER_MARGIN",
  checkPendingAge: "TSCA_CHECK_PENDING_AGE",
  metricsToken: "TSCA_METRICS_TOKEN",
  smtpUrl: "TSCA_SMTP_URL",
  mailFrom: "TSCA_MAIL_FROM",
  expiryNotifyDays: "TSCA_EXPIRY_NOTIFY_DAYS",
  pkcs11Library: "TSCA_PKCS11_LIBRARY",
  pkcs11PinFile: "TSCA_PKCS11_PIN_FILE",
  externalUrl: "TSCA_EXTERNAL_URL",
  acmeHttp01Port: "TSCA_ACME_HTTP01_PORT",
  acmeTlsAlpn01Port: "TSCA_ACME_TLSALPN01_PORT",
  acmeDnsResolver: "TSCA_ACME_DNS_RESOLVER",
  acmeAllowLoopback: "TSCA_ACME_ALLOW_LOOPBACK",
  acmeDenyNetworks: "TSCA_ACME_DENY_NETWORKS",
  acmeOrderValidity: "TSCA_ACME_ORDER_VALIDITY",
  acmeValidationTimeout: "TSCA_ACME_VALIDATION_TIMEOUT",
};

function configError(setting: string, source: string, why: string): TscaError {
  return new TscaError("ERR_CONFIG", `Invalid setting ${setting} (from ${source}): ${why}`);
}

function readConfigFile(path: string): Raw {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new TscaError("ERR_CONFIG", `${path}: The config file is not readable JSON.`, { cause: e });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new TscaError("ERR_CONFIG", `${path}: The config file must hold a JSON object.`);
  for (const key of Object.keys(parsed))
    if (!(key in FILE_KEYS))
      throw new TscaError("ERR_CONFIG", `${path}: Unknown setting "${key}" (known: ${Object.keys(FILE_KEYS).join(", ")}).`);
  return parsed as Raw;
}

function positiveInt(v: unknown, setting: string, source: string): number {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n <= 0) throw configError(setting, source, `"${String(v)}" is not a positive integer.`);
  return n;
}

function nonNegativeInt(v: unknown, setting: string, source: string): number {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0) throw configError(setting, source, `"${String(v)}" is not a non-negative integer.`);
  return n;
}

function parseWith<T>(fn: (s: string) => T, v: unknown, setting: string, source: string): T {
  try {
    return fn(String(v));
  } catch (e) {
    throw configError(setting, source, (e as Error).message);
  }
}

/**
 * The forms adapters/db/connection.ts opens: postgres:// or postgresql:// (PostgreSQL), sqlite:PATH or
 * sqlite://PATH, or a plain file path. Anything else that starts like a URL (`mysql://…`) is refused: it
 * would otherwise become the path of a new, empty SQLite file in the current directory.
 */
function databaseUrlValue(v: unknown, setting: string, source: string): string {
  const url = nonEmptyString(v, setting, source);
  const ok = !/^[a-z][a-z0-9+.-]+:/i.test(url) || url.startsWith("sqlite:") || /^postgres(ql)?:\/\//.test(url);
  if (!ok)
    throw configError(
      setting,
      source,
      `"${url.replace(/\/\/[^@/]*@/, "//…@")}" is not a database tsca can open: give postgres://…, postgresql://…, sqlite:PATH or a file path.`,
    );
  return url;
}

/**
 * smtp:// or smtps://, checked here so a typo fails at start; the adapter (adapters/mail/smtp-mailer.ts)
 * reads the rest. A password in the URL never reaches a message.
 */
function smtpUrlValue(v: unknown, setting: string, source: string): string {
  const url = typeof v === "string" ? v.trim() : "";
  if (!/^smtps?:\/\/[^/?#]+/i.test(url))
    throw configError(setting, source, "must be smtp://[user:password@]host[:port] or smtps://[user:password@]host[:port].");
  return url;
}

function nonEmptyString(v: unknown, setting: string, source: string): string {
  if (typeof v !== "string" || v.trim() === "") throw configError(setting, source, "must be a non-empty string.");
  return v;
}

/**
 * Trusted proxies: a comma-separated string (environment) or an array (config file) of IPv4/IPv6 addresses
 * or CIDR ranges, or the names proxy-addr knows (loopback, linklocal, uniquelocal). A host name is refused:
 * trust is decided on the TCP peer's address.
 */
function isCidr(item: string): boolean {
  const [address, bits, ...rest] = item.split("/");
  const family = isIP(address ?? "");
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

function proxyList(v: unknown, setting: string, source: string): string[] {
  const items = Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : undefined;
  if (!items) throw configError(setting, source, "must be a list of addresses or CIDR ranges.");
  const list = items.map((i) => String(i).trim()).filter((i) => i !== "");
  for (const item of list)
    if (!/^(loopback|linklocal|uniquelocal)$/.test(item) && !isCidr(item))
      throw configError(setting, source, `"${item}" is not an IP address, a CIDR range, loopback, linklocal or uniquelocal.`);
  return list;
}

function portValue(v: unknown, setting: string, source: string): number {
  const n = positiveInt(v, setting, source);
  if (n > 65_535) throw configError(setting, source, `${n} is not a TCP port (1-65535).`);
  return n;
}

/** 1/0, true/false, yes/no (environment text or a JSON boolean). */
function flagValue(v: unknown, setting: string, source: string): boolean {
  if (typeof v === "boolean") return v;
  const t = String(v).trim().toLowerCase();
  if (["1", "true", "yes"].includes(t)) return true;
  if (["0", "false", "no", ""].includes(t)) return false;
  throw configError(setting, source, `"${String(v)}" is not 1 or 0.`);
}

/** address:port of a DNS server; an IPv6 address in brackets ([::1]:53). */
function dnsResolverValue(v: unknown, setting: string, source: string): string {
  const t = String(v).trim();
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(t);
  const port = Number(m?.[3]);
  // node:dns setServers takes addresses only: a name here could never be used.
  if (!m || port < 1 || port > 65_535 || isIP(m[1] ?? m[2] ?? "") === 0)
    throw configError(setting, source, `"${t}" is not address:port (an IP address; for IPv6: [address]:port).`);
  return t;
}

/** An absolute http(s) URL without query or fragment; a trailing slash is dropped. */
function externalUrlValue(v: unknown, setting: string, source: string): string {
  const t = String(v).trim();
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    throw configError(setting, source, `"${t}" is not an absolute URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw configError(setting, source, `"${t}" must be an http or https URL.`);
  if (url.search || url.hash || url.username || url.password)
    throw configError(setting, source, `"${t}" must not carry a query, a fragment or credentials.`);
  return t.replace(/\/+$/, "");
}

/** Profiles come as an object (config file) or JSON text (environment); each entry is validated by Profiles. */
function profilesValue(v: unknown, setting: string, source: string): Record<string, ProfileConfig> {
  let parsed = v;
  if (typeof v === "string") {
    try {
      parsed = JSON.parse(v);
    } catch {
      throw configError(setting, source, "is not valid JSON.");
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw configError(setting, source, "must be an object of profiles.");
  for (const [name, profile] of Object.entries(parsed)) {
    if (typeof profile !== "object" || profile === null || Array.isArray(profile))
      throw configError(setting, source, `profile "${name}" must be an object.`);
    // A misspelt key ("extendedKeyUsages") would otherwise be ignored and the profile silently differ.
    for (const key of Object.keys(profile))
      if (!(key in PROFILE_CONFIG_KEYS))
        throw configError(
          setting,
          source,
          `profile "${name}" has an unknown key "${key}" (known: ${Object.keys(PROFILE_CONFIG_KEYS).join(", ")}).`,
        );
  }
  return parsed as Record<string, ProfileConfig>;
}

/**
 * The data directory must be a directory, or not exist yet (it is created on first use). A file there, or
 * a file in the middle of its path, would otherwise surface as a raw EEXIST or ENOTDIR from whatever first
 * tries to create something in it.
 */
function assertHomeIsDirectory(home: string, what: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(home);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOTDIR")
      throw new TscaError("ERR_CONFIG", `${home}: ${what} cannot be used, because a part of its path is a file, not a directory.`);
    return; // missing: created on first use; unreadable: reported where it is used
  }
  if (!st.isDirectory()) throw new TscaError("ERR_CONFIG", `${home}: ${what} is not a directory.`);
}

/** The data directory: TSCA_HOME, else $XDG_DATA_HOME/tsca, else ~/.local/share/tsca (read, never created here). */
export function dataHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.TSCA_HOME || join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "tsca"));
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const home = dataHome(env);
  assertHomeIsDirectory(home, env.TSCA_HOME ? "TSCA_HOME" : "The data directory ($XDG_DATA_HOME/tsca or ~/.local/share/tsca)");
  const explicitConfig = env.TSCA_CONFIG;
  const configFile = explicitConfig ? resolve(explicitConfig) : existsSync(join(home, "tsca.json")) ? join(home, "tsca.json") : undefined;
  if (explicitConfig && !existsSync(configFile!))
    throw new TscaError("ERR_CONFIG", `${configFile}: TSCA_CONFIG names a file that does not exist.`);
  const file = configFile ? readConfigFile(configFile) : {};

  const get = (key: string): { value: unknown; source: string } | undefined => {
    const envName = FILE_KEYS[key]!;
    if (env[envName] !== undefined && env[envName] !== "") return { value: env[envName], source: `environment variable ${envName}` };
    if (file[key] !== undefined) return { value: file[key], source: `${configFile} key "${key}"` };
    return undefined;
  };
  const val = <T>(key: string, def: T, parse: (v: unknown, setting: string, source: string) => T): T => {
    const got = get(key);
    return got ? parse(got.value, key, got.source) : def;
  };
  const str = (v: unknown, setting: string, source: string): string => {
    if (typeof v !== "string" || v.trim() === "") throw configError(setting, source, "must be a non-empty string.");
    return v;
  };

  const httpRequestTimeout = val("httpRequestTimeout", 10_000, positiveInt);
  const settings: Settings = {
    home,
    caDir: resolve(val("caDir", join(home, "ca"), str)),
    databaseUrl: val("databaseUrl", join(home, "tsca.sqlite3"), databaseUrlValue),
    databaseTimeout: val("databaseTimeout", 5_000, positiveInt),
    defaultKeyType: val("defaultKeyType", "RSA" as KeyType, (v, s, src) => parseWith(parseKeyType, v, s, src)),
    defaultKeySize: val("defaultKeySize", 4096, positiveInt),
    minKeySize: val("minKeySize", 2048, positiveInt),
    defaultEllipticCurve: val("defaultEllipticCurve", "secp256r1" as EllipticCurve, (v, s, src) =>
      parseWith(parseEllipticCurve, v, s, src),
    ),
    // "auto" (the default) matches the key; a fixed value applies to RSA only, never forcing SHA-512 on P-256 (CA/B BR §7.1.3.2.2).
    defaultSignatureHash: val<HashAlgorithm | undefined>("defaultSignatureHash", undefined, (v, s, src) =>
      /^\s*auto\s*$/i.test(String(v)) ? undefined : parseWith(parseHashAlgorithm, v, s, src),
    ),
    defaultCaExpires: val("defaultCaExpires", 3650, positiveInt),
    defaultExpires: val("defaultExpires", 100, positiveInt),
    defaultCa: val<string | undefined>("defaultCa", undefined, str),
    defaultProfile: val("defaultProfile", "webserver", str),
    profiles: val("profiles", {}, profilesValue),
    crlExpires: val("crlExpires", 86_400, positiveInt),
    crlRenewal: val("crlRenewal", 43_200, positiveInt),
    defaultHostname: val<string | undefined>("defaultHostname", undefined, (v, s, src) => parseWith(parseDefaultHostname, v, s, src)),
    ocspKeyDir: resolve(val("ocspKeyDir", join(home, "ocsp"), str)),
    ocspResponderValidity: val("ocspResponderValidity", 3, positiveInt),
    ocspResponderRenewal: val("ocspResponderRenewal", 24, positiveInt),
    ocspResponseValidity: val("ocspResponseValidity", 86_400, (v, s, src) =>
      parseWith((x) => checkResponseValidity(positiveInt(x, s, src)), v, s, src),
    ),
    ocspPollInterval: val("ocspPollInterval", 500, positiveInt),
    ocspCacheSize: val("ocspCacheSize", 100_000, positiveInt),
    ocspCacheBytes: val("ocspCacheBytes", 64 * 1024 * 1024, positiveInt),
    // Unset, it follows a shorter request timeout down, so setting only that one is always valid.
    httpHeadersTimeout: val("httpHeadersTimeout", Math.min(5_000, httpRequestTimeout), positiveInt),
    httpRequestTimeout,
    httpIdleTimeout: val("httpIdleTimeout", 65_000, positiveInt),
    httpMaxConnections: val("httpMaxConnections", 10_000, positiveInt),
    apiAuthFailuresPerMinute: val("apiAuthFailuresPerMinute", 30, positiveInt),
    apiRateLimit: val("apiRateLimit", 6_000, nonNegativeInt),
    adminSessionIdleTimeout: val("adminSessionIdleTimeout", 1_800, positiveInt),
    adminSessionMaxAge: val("adminSessionMaxAge", 43_200, positiveInt),
    adminLoginAttemptsPerMinute: val("adminLoginAttemptsPerMinute", 10, positiveInt),
    trustProxy: val("trustProxy", [], proxyList),
    caPasswordsFile: val<string | undefined>("caPasswordsFile", undefined, (v, s, src) => resolve(str(v, s, src))),
    checkCrlMargin: val("checkCrlMargin", 14_400, positiveInt),
    checkResponderMargin: val("checkResponderMargin", 6, positiveInt),
    checkPendingAge: val("checkPendingAge", 3_600, positiveInt),
    metricsToken: val<string | undefined>("metricsToken", undefined, (v, s, src) => {
      const token = str(v, s, src).trim();
      // A short token could be guessed by a scraper that is allowed to try as often as it likes.
      if (token.length < 16 || /\s/.test(token)) throw configError(s, src, "must be at least 16 characters without spaces.");
      return token;
    }),
    smtpUrl: val<string | undefined>("smtpUrl", undefined, smtpUrlValue),
    mailFrom: val<string | undefined>("mailFrom", undefined, (v, s, src) => parseWith(parseWatcher, v, s, src)),
    expiryNotifyDays: val("expiryNotifyDays", [...DEFAULT_EXPIRY_NOTIFY_DAYS], (v, s, src) =>
      parseWith(parseExpiryDays, Array.isArray(v) ? v.join(",") : v, s, src),
    ),
    pkcs11Library: val<string | undefined>("pkcs11Library", undefined, (v, s, src) => resolve(str(v, s, src))),
    pkcs11PinFile: val<string | undefined>("pkcs11PinFile", undefined, (v, s, src) => resolve(str(v, s, src))),
    pkcs11Pin: env.TSCA_PKCS11_PIN || undefined,
    externalUrl: val<string | undefined>("externalUrl", undefined, externalUrlValue),
    acmeHttp01Port: val("acmeHttp01Port", 80, portValue),
    acmeTlsAlpn01Port: val("acmeTlsAlpn01Port", 443, portValue),
    acmeDnsResolver: val<string | undefined>("acmeDnsResolver", undefined, dnsResolverValue),
    acmeAllowLoopback: val("acmeAllowLoopback", false, flagValue),
    acmeDenyNetworks: val("acmeDenyNetworks", [], (v, s, src) => {
      const list = proxyList(v, s, src);
      for (const item of list) if (!isCidr(item)) throw configError(s, src, `"${item}" is not an IP address or a CIDR range.`);
      return list;
    }),
    acmeOrderValidity: val("acmeOrderValidity", 86_400, positiveInt),
    acmeValidationTimeout: val("acmeValidationTimeout", 10_000, positiveInt),
    configFile,
  };
  if (settings.crlRenewal >= settings.crlExpires)
    throw configError(
      "crlRenewal",
      "settings",
      `${settings.crlRenewal} must be less than crlExpires (${settings.crlExpires}), or every run would make new CRLs.`,
    );
  if (settings.ocspResponderRenewal >= settings.ocspResponderValidity * 24)
    throw configError(
      "ocspResponderRenewal",
      "settings",
      `${settings.ocspResponderRenewal} hours must be less than ocspResponderValidity (${settings.ocspResponderValidity} days).`,
    );
  // Node refuses a headers timeout longer than the request timeout (it could never fire).
  if (settings.httpHeadersTimeout > settings.httpRequestTimeout)
    throw configError(
      "httpHeadersTimeout",
      "settings",
      `${settings.httpHeadersTimeout} ms must not exceed httpRequestTimeout (${settings.httpRequestTimeout} ms).`,
    );
  if (settings.minKeySize < 2048) throw configError("minKeySize", "settings", "must be at least 2048.");
  if (settings.defaultKeySize < settings.minKeySize || (settings.defaultKeySize & (settings.defaultKeySize - 1)) !== 0)
    throw configError(
      "defaultKeySize",
      "settings",
      `${settings.defaultKeySize} must be a power of two and at least minKeySize (${settings.minKeySize}).`,
    );
  return settings;
}
