/**
 * Keys as PKCS#8 PEM files in CA_DIR, named by serial, mode 0600 in a 0700 directory.
 *
 * New keys are first written to CA_DIR/.pending/<SERIAL>.<STAMP>.key (written, fsynced, directory fsynced)
 * and moved into place by `commit` after the database row exists (rename, then CA_DIR fsynced). STAMP
 * names the staging process by PID, start time and boot (process-stamp.ts), so a reused PID is not
 * mistaken for it. `recover` finishes (row exists) or removes (no row) what a process that is gone left
 * behind — killed, or failed to commit — so a key file never outlives a failed CA creation and a
 * committed row always finds its key by the next command. Errors of the file system are ERR_IO.
 */
import { createPrivateKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promises as fs } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { TscaError } from "../../core/errors.js";
import type { KeySpec, KeyStore, PendingKey } from "../../core/ports/key-store.js";
import type { Signer } from "../../core/ports/signer.js";
import { NODE_CURVE } from "../../core/x509/algorithms.js";
import { ensurePrivateDirectory, fsyncDirectory, ioError, writeNewFileDurably } from "../fs/durable-file.js";
import { NodeSigner } from "./node-signer.js";
import { encryptPkcs8 } from "./pkcs8-encryption.js";
import { ownStamp, parseStamp, stampedProcessMayBeAlive, STAMP_PATTERN } from "./process-stamp.js";

const generateKeyPairAsync = promisify(generateKeyPair) as (type: string, options: object) => Promise<{ privateKey: KeyObject }>;

const PENDING = ".pending";
/** <SERIAL>.<STAMP>.key; older versions wrote <SERIAL>.<PID>.key, which the stamp pattern includes. */
const PENDING_NAME = new RegExp(`^([0-9A-F]+)\\.(${STAMP_PATTERN})\\.key$`);

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
  const encryptedPem = isPem && data.toString("latin1").includes("ENCRYPTED");
  if (encryptedPem && password === undefined)
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
  // A wrong password fails the CBC padding check only 255 times in 256: otherwise the "decrypted" bytes
  // are garbage that fails to parse. Either way the password is what is wrong (PKCS #5 PBES2, RFC 8018 §6.2).
  if (encryptedPem && password !== undefined && !/MISSING_PASSPHRASE|passphrase required/i.test(String((first as Error)?.message)))
    throw new TscaError("ERR_KEY_PASSWORD_WRONG", `Could not decrypt ${what.toLowerCase()}: wrong password.`, { cause: first });
  throw keyLoadError(first, password !== undefined, what);
}

/** True when `data` is a private key that needs no password. */
export function parsesWithoutPassword(data: Buffer): boolean {
  try {
    parsePrivateKey(data, undefined, "The private key");
    return true;
  } catch {
    return false;
  }
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

  private async stage(serial: string, key: KeyObject, password: string | undefined): Promise<PendingKey> {
    const pendingDir = join(this.dir, PENDING);
    const keyRef = `${serial}.key`;
    const final = join(this.dir, keyRef);
    const staged = join(pendingDir, `${serial}.${ownStamp()}.key`);
    const der = key.export({ type: "pkcs8", format: "der" });
    const pem = password !== undefined ? await encryptPkcs8(der, password) : (key.export({ type: "pkcs8", format: "pem" }) as string);
    try {
      await ensurePrivateDirectory(this.dir);
      await ensurePrivateDirectory(pendingDir);
      // Durable before the row is inserted: a row must never outlive its staged key in a crash.
      await writeNewFileDurably(staged, pem);
    } catch (e) {
      throw ioError(pendingDir, "Cannot write the new CA key", e);
    }
    let committed = false;
    return {
      signer: new NodeSigner(key),
      keyRef,
      encrypted: password !== undefined,
      commit: async () => {
        await this.moveIntoPlace(staged, final);
        committed = true;
      },
      abort: async () => {
        if (!committed) await fs.rm(staged, { force: true });
      },
    };
  }

  /** The commit of a staged key: rename into CA_DIR, then make the new name durable. */
  private async moveIntoPlace(staged: string, final: string): Promise<void> {
    try {
      await fs.rename(staged, final);
    } catch (e) {
      throw ioError(final, "Cannot move the new CA key into place", e);
    }
    try {
      await fsyncDirectory(this.dir);
    } catch (e) {
      throw ioError(this.dir, "The new CA key is in place but cannot be flushed to disk", e);
    }
  }

  async generate(serial: string, spec: KeySpec, password?: string): Promise<PendingKey> {
    let pair: { privateKey: KeyObject };
    if (spec.keyType === "RSA") pair = await generateKeyPairAsync("rsa", { modulusLength: spec.keySize ?? 4096, publicExponent: 65537 });
    else if (spec.keyType === "EC") pair = await generateKeyPairAsync("ec", { namedCurve: NODE_CURVE[spec.curve ?? "secp256r1"] });
    else pair = await generateKeyPairAsync(spec.keyType.toLowerCase(), {});
    return this.stage(serial, pair.privateKey, password);
  }

  async import(serial: string, key: Buffer, importPassword: string | undefined, password: string | undefined): Promise<PendingKey> {
    // node:crypto ignores a passphrase for a key that is not encrypted: say so instead of accepting it silently.
    if (importPassword !== undefined && parsesWithoutPassword(key))
      throw new TscaError(
        "ERR_KEY_PASSWORD_UNEXPECTED",
        "A password was given for the private key to import, but that key is not encrypted.",
      );
    const parsed = parsePrivateKey(key, importPassword, "The private key to import");
    new NodeSigner(parsed); // refuses unsupported key types before anything is written
    return this.stage(serial, parsed, password);
  }

  async load(keyRef: string, password: string | undefined): Promise<Signer> {
    const path = join(this.dir, keyRef);
    let data: Buffer;
    try {
      data = await fs.readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(path, "Cannot read the private key", e);
      const serial = keyRef.replace(/\.key$/, "");
      const staged = (await fs.readdir(join(this.dir, PENDING)).catch(() => [] as string[])).some(
        (f) => PENDING_NAME.exec(f)?.[1] === serial,
      );
      const why = staged ? `: it is still in ${PENDING} (its CA creation has not finished)` : "";
      throw new TscaError("ERR_KEY_NOT_FOUND", `${path}: Private key file not found${why}.`, { cause: e });
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
      const m = PENDING_NAME.exec(entry);
      const stamp = m ? parseStamp(m[2]!) : undefined;
      if (!m || !stamp) continue;
      const staged = join(pendingDir, entry);
      try {
        const { mtimeMs } = await fs.stat(staged);
        if (stampedProcessMayBeAlive(stamp, mtimeMs)) continue; // still being created
        if (await rowExists(m[1]!)) await this.moveIntoPlace(staged, join(this.dir, `${m[1]}.key`));
        else await fs.rm(staged, { force: true });
      } catch {
        // Left for a later command: recovery must not stop an unrelated command (read-only or failing
        // disk, database down); a command that needs this key says that it is missing.
      }
    }
  }
}
