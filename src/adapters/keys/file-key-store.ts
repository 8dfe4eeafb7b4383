/**
 * Keys as PKCS#8 PEM files in CA_DIR, named by serial, mode 0600 in a 0700 directory. New keys are first
 * written to CA_DIR/.pending/<SERIAL>.<PID>.key and moved into place by `commit` after the database row
 * exists; `recover` finishes (row exists) or removes (no row) what a killed process left behind, so a
 * key file never outlives a failed CA creation and a committed row always finds its key.
 */
import { createPrivateKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promises as fs, constants as fsConstants } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { TscaError } from "../../core/errors.js";
import type { KeySpec, KeyStore, PendingKey } from "../../core/ports/key-store.js";
import type { Signer } from "../../core/ports/signer.js";
import { NODE_CURVE } from "../../core/x509/algorithms.js";
import { NodeSigner } from "./node-signer.js";
import { encryptPkcs8 } from "./pkcs8-encryption.js";

const generateKeyPairAsync = promisify(generateKeyPair) as (type: string, options: object) => Promise<{ privateKey: KeyObject }>;

const PENDING = ".pending";

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Translate node:crypto key errors into one clear sentence. */
export function keyLoadError(e: unknown, passwordGiven: boolean, what: string): TscaError {
  const err = e as { code?: string; message?: string };
  const msg = `${err.code ?? ""} ${err.message ?? ""}`;
  if (/MISSING_PASSPHRASE|passphrase required|interrupted or cancelled/i.test(msg))
    return new TscaError("ERR_KEY_PASSWORD_REQUIRED", `${what} is encrypted and no password was given.`, { cause: e });
  if (passwordGiven && /bad decrypt|wrong password|bad password|maybe wrong/i.test(msg))
    return new TscaError("ERR_KEY_PASSWORD_WRONG", `Could not decrypt ${what.toLowerCase()}: wrong password.`, { cause: e });
  return new TscaError("ERR_KEY_INVALID", `${what} cannot be read as a private key (PEM or DER, PKCS#8, PKCS#1 or SEC1).`, { cause: e });
}

/** Parse a private key from PEM or DER bytes, decrypting with `password` when it is encrypted. */
export function parsePrivateKey(data: Buffer, password: string | undefined, what: string): KeyObject {
  const isPem = data.toString("latin1").includes("-----BEGIN");
  if (isPem && data.toString("latin1").includes("ENCRYPTED") && password === undefined)
    throw new TscaError("ERR_KEY_PASSWORD_REQUIRED", `${what} is encrypted and no password was given.`);
  const attempts: object[] = isPem
    ? [{ key: data, format: "pem" }]
    : [
        { key: data, format: "der", type: "pkcs8" },
        { key: data, format: "der", type: "pkcs1" },
        { key: data, format: "der", type: "sec1" },
      ];
  let first: unknown;
  for (const a of attempts) {
    try {
      return createPrivateKey({ ...a, ...(password !== undefined ? { passphrase: password } : {}) } as Parameters<
        typeof createPrivateKey
      >[0]);
    } catch (e) {
      first ??= e;
    }
  }
  throw keyLoadError(first, password !== undefined, what);
}

export class FileKeyStore implements KeyStore {
  readonly backend = "file";
  private readonly dir: string;

  constructor(caDir: string) {
    this.dir = resolve(caDir);
  }

  describe(keyRef: string): string {
    return join(this.dir, keyRef);
  }

  private async ensureDir(path: string): Promise<void> {
    await fs.mkdir(path, { recursive: true, mode: 0o700 });
    // mkdir's mode is filtered by the umask and does not touch existing directories: enforce 0700.
    await fs.chmod(path, 0o700);
  }

  private async stage(serial: string, key: KeyObject, password: string | undefined): Promise<PendingKey> {
    const pendingDir = join(this.dir, PENDING);
    await this.ensureDir(this.dir);
    await this.ensureDir(pendingDir);
    const keyRef = `${serial}.key`;
    const final = join(this.dir, keyRef);
    const staged = join(pendingDir, `${serial}.${process.pid}.key`);
    const der = key.export({ type: "pkcs8", format: "der" });
    const pem = password !== undefined ? await encryptPkcs8(der, password) : (key.export({ type: "pkcs8", format: "pem" }) as string);
    const handle = await fs.open(staged, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
    try {
      await handle.writeFile(pem);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return {
      signer: new NodeSigner(key),
      keyRef,
      encrypted: password !== undefined,
      commit: async () => {
        await fs.rename(staged, final);
      },
      abort: async () => {
        await fs.rm(staged, { force: true });
      },
    };
  }

  async generate(serial: string, spec: KeySpec, password?: string): Promise<PendingKey> {
    let pair: { privateKey: KeyObject };
    if (spec.keyType === "RSA") pair = await generateKeyPairAsync("rsa", { modulusLength: spec.keySize ?? 4096, publicExponent: 65537 });
    else if (spec.keyType === "EC") pair = await generateKeyPairAsync("ec", { namedCurve: NODE_CURVE[spec.curve ?? "secp256r1"] });
    else pair = await generateKeyPairAsync(spec.keyType.toLowerCase(), {});
    return this.stage(serial, pair.privateKey, password);
  }

  async import(serial: string, key: Buffer, importPassword: string | undefined, password: string | undefined): Promise<PendingKey> {
    const parsed = parsePrivateKey(key, importPassword, "The private key to import");
    new NodeSigner(parsed); // refuses unsupported key types before anything is written
    return this.stage(serial, parsed, password);
  }

  async load(keyRef: string, password: string | undefined): Promise<Signer> {
    let data: Buffer;
    try {
      data = await fs.readFile(join(this.dir, keyRef));
    } catch (e) {
      throw new TscaError("ERR_KEY_NOT_FOUND", `${join(this.dir, keyRef)}: Private key file not found.`, { cause: e });
    }
    const encrypted = data.toString("latin1").includes("ENCRYPTED PRIVATE KEY");
    if (!encrypted && password !== undefined)
      throw new TscaError("ERR_KEY_PASSWORD_UNEXPECTED", "A password was given but the private key is not encrypted.");
    return new NodeSigner(parsePrivateKey(data, password, "The private key"));
  }

  async recover(rowExists: (serial: string) => Promise<boolean>): Promise<void> {
    const pendingDir = join(this.dir, PENDING);
    let entries: string[];
    try {
      entries = await fs.readdir(pendingDir);
    } catch {
      return;
    }
    for (const entry of entries) {
      const m = /^([0-9A-F]+)\.(\d+)\.key$/.exec(entry);
      if (!m) continue;
      const pid = Number(m[2]);
      if (pid === process.pid || pidAlive(pid)) continue; // still being created by a live process
      const staged = join(pendingDir, entry);
      if (await rowExists(m[1]!)) await fs.rename(staged, join(this.dir, `${m[1]}.key`));
      else await fs.rm(staged, { force: true });
    }
  }
}
