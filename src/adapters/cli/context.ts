/**
 * What CLI commands get from the composition root: settings and the ports, created lazily so that
 * `-h` and usage errors never open a database.
 */
import type { CaRepository } from "../../core/ports/ca-repository.js";
import type { CertificateRepository } from "../../core/ports/certificate-repository.js";
import type { Profiles } from "../../core/issuance/profiles.js";
import type { Clock } from "../../core/ports/clock.js";
import type { KeyStore } from "../../core/ports/key-store.js";
import type { Random } from "../../core/ports/random.js";

export interface CliSettings {
  caDir: string;
  defaultKeyType: import("../../core/x509/algorithms.js").KeyType;
  defaultKeySize: number;
  minKeySize: number;
  defaultEllipticCurve: import("../../core/x509/algorithms.js").EllipticCurve;
  defaultSignatureHash: import("../../core/x509/algorithms.js").HashAlgorithm;
  defaultCaExpires: number;
  defaultExpires: number;
  defaultCa: string | undefined;
}

export interface CliContext {
  settings: CliSettings;
  cas: CaRepository;
  certs: CertificateRepository;
  profiles: Profiles;
  keys: KeyStore;
  clock: Clock;
  random: Random;
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The raw arguments, for options whose meaning depends on their order (policy qualifiers). */
  argv: string[];
}

export type ContextFactory = () => Promise<CliContext>;
