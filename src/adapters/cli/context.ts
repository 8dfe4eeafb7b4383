/**
 * What CLI commands get from the composition root: settings and the ports, created lazily so that
 * `-h` and usage errors never open a database.
 */
import type { SigningRequestRepository } from "../../core/ports/signing-requests.js";
import type { CaRepository } from "../../core/ports/ca-repository.js";
import type { CertificateRepository } from "../../core/ports/certificate-repository.js";
import type { CrlRepository } from "../../core/ports/crl-repository.js";
import type { Profiles } from "../../core/issuance/profiles.js";
import type { Clock } from "../../core/ports/clock.js";
import type { KeyStoreRegistry } from "../../core/ports/key-store-registry.js";
import type { OcspKeyStore } from "../../core/ports/ocsp-key-store.js";
import type { OcspResponderRepository } from "../../core/ports/ocsp-responder-repository.js";
import type { RevocationChangeFeed } from "../../core/ports/revocation-change-feed.js";
import type { Random } from "../../core/ports/random.js";
import type { UnitOfWork } from "../../core/ports/unit-of-work.js";
import type { SigningQueue } from "../../core/ports/signing-queue.js";
import type { UseCaseContext } from "../../core/access/context.js";
import type { AuditReader } from "../../core/ports/audit-log.js";
import type { Defaults } from "../../core/usecases/defaults.js";
import type { UserRepository } from "../../core/ports/user-repository.js";
import type { TokenRepository } from "../../core/ports/token-repository.js";
import type { PasswordHasher } from "../../core/ports/password-hasher.js";
import type { ExpiryNoticeRepository } from "../../core/ports/expiry-notices.js";
import type { AcmeRepository } from "../../core/ports/acme-repository.js";
import type { Mailer } from "../../core/ports/mailer.js";
import type { CaPasswords } from "../../core/ports/ca-passwords.js";
import type { InstallationHealth } from "../../core/ports/installation-health.js";
import type { DatabaseSnapshot } from "../../core/ports/database-snapshot.js";

export interface CliSettings {
  caDir: string;
  defaultKeyType: import("../../core/x509/algorithms.js").KeyType;
  defaultKeySize: number;
  minKeySize: number;
  defaultEllipticCurve: import("../../core/x509/algorithms.js").EllipticCurve;
  /** undefined: match the key (RSA SHA-256, EC the curve's hash). */
  defaultSignatureHash: import("../../core/x509/algorithms.js").HashAlgorithm | undefined;
  defaultCaExpires: number;
  defaultExpires: number;
  defaultCa: string | undefined;
  defaultHostname: string | undefined;
  ocspResponderValidity: number;
  ocspResponderRenewal: number;
  ocspResponseValidity: number;
  crlExpires: number;
  crlRenewal: number;
  /** Expiry mail (notify_expiring_certs): TSCA_SMTP_URL (may carry a password), TSCA_MAIL_FROM, TSCA_EXPIRY_NOTIFY_DAYS. */
  smtpUrl: string | undefined;
  mailFrom: string | undefined;
  expiryNotifyDays: number[];
  /** The thresholds of `tsca check`. */
  checkCrlMargin: number;
  checkResponderMargin: number;
  checkPendingAge: number;
  /** TSCA_EXTERNAL_URL: view_ca shows the ACME directory URL under it. */
  externalUrl: string | undefined;
}

export interface CliContext {
  settings: CliSettings;
  cas: CaRepository;
  certs: CertificateRepository;
  crls: CrlRepository;
  profiles: Profiles;
  /** CA key stores by backend name (the CA row's key_backend). */
  keys: KeyStoreRegistry;
  /** The PKCS#11 user PIN of this command: `--pkcs11-pin-file` replaces TSCA_PKCS11_PIN_FILE (program.ts). */
  pkcs11Pin: { useFile(path: string): void };
  /** Delegated OCSP responders: their keys (outside CA_DIR), their rows, and the revocation change feed. */
  ocspKeys: OcspKeyStore;
  responders: OcspResponderRepository;
  changes: RevocationChangeFeed;
  clock: Clock;
  random: Random;
  uow: UnitOfWork;
  /** Settings-derived defaults, bound once by the composition root (core/usecases/defaults.ts). */
  defaults: Defaults;
  /** Who acts: the CLI user on the key host, with full rights; one request id per invocation. */
  caller: UseCaseContext;
  /** The audit log, read by `tsca audit` (list and verify). */
  auditLog: AuditReader;
  signingRequests: SigningRequestRepository;
  /** The signing queue's worker side (tsca worker), opened on demand; the caller closes it. */
  signingQueue: () => SigningQueue;
  /** Users, their API tokens, and the password hash (argon2id) create_user and set_password store. */
  users: UserRepository;
  tokens: TokenRepository;
  passwords: PasswordHasher;
  /** Expiry mail sent or failed, and a mailer over the SMTP URL (the caller closes it). */
  expiryNotices: ExpiryNoticeRepository;
  /** ACME: EAB keys (create_eab_key, list_eab_keys). */
  acme: AcmeRepository;
  mailer: (smtpUrl: string) => Mailer;
  /** Passwords of encrypted CA keys from TSCA_CA_PASSWORDS_FILE, read when asked for; undefined when unset. */
  caPasswords: () => CaPasswords | undefined;
  /** tsca check: schema, queue age and file modes; and why CA keys are not checked on this host (undefined: the key host). */
  installation: InstallationHealth;
  keysNotHere: string | undefined;
  /** tsca backup: the database to snapshot and the key directories (CA_DIR as ca/, TSCA_OCSP_KEY_DIR as ocsp/). */
  backupSources: { database: DatabaseSnapshot; keyDirs: { path: string; as: string }[] };
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The raw arguments, for options whose meaning depends on their order (policy qualifiers). */
  argv: string[];
}

export type ContextFactory = () => Promise<CliContext>;

/** `tsca serve` options, parsed by the CLI and run by the server composition root (src/main/server.ts). */
export interface ServeOptions {
  host: string;
  port: number;
  /** Worker processes (node:cluster); 1 = serve in this process. */
  workers: number;
  accessLog: boolean;
  /** Run a signing worker in the server (tsca serve --worker): needs CA_DIR on this host. */
  worker?: boolean;
  /** Serve /metrics (Prometheus) on this port of the same host (tsca serve --metrics-port). */
  metricsPort?: number;
  /** Also serve HTTPS on this port of --host with this certificate and key (tsca serve --tls-port, --tls-cert, --tls-key). */
  tls?: { port: number; certFile: string; keyFile: string };
}

/** Long-running commands the composition root provides without the CLI knowing the web adapter. */
export interface CliLaunchers {
  /** Resolves when the server has shut down (SIGTERM/SIGINT). */
  serve?: (options: ServeOptions) => Promise<void>;
}

/** `[caller, ports]` for a use case `(ctx, deps, …)`: the one-liner commands use. */
export async function withCaller<T = CliContext>(
  context: ContextFactory,
  pick: (c: CliContext) => T = (c) => c as unknown as T,
): Promise<[UseCaseContext, T]> {
  const c = await context();
  return [c.caller, pick(c)];
}

/** The request field of TSCA_CA_PASSWORDS_FILE for generate_crls and generate_ocsp_keys: absent when unset. */
export const withPasswords = (passwords: CaPasswords | undefined): { passwords?: CaPasswords } => (passwords ? { passwords } : {});
