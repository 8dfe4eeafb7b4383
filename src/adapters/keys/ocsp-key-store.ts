/**
 * Delegated OCSP responder keys as files in TSCA_OCSP_KEY_DIR (default $TSCA_HOME/ocsp), never in CA_DIR:
 * the web host that answers OCSP reads this directory and must hold no CA key. Each file is PKCS#8
 * encrypted (PBES2/AES-256-CBC, see pkcs8-encryption.ts) with its own random 256-bit secret, which is
 * returned for the database row; a copy of the directory alone or of the database alone gives no key.
 * Because the secret is random and full-strength, PBKDF2 stretching adds nothing, so a small iteration
 * count keeps server start-up fast. Files are 0600 in a 0700 directory, written atomically (a fsynced
 * temporary file renamed into place, then the directory fsynced, see durable-file.ts): never a partial key.
 */
import { generateKeyPair, randomBytes, type KeyObject } from "node:crypto";
import { promises as fs } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { TscaError } from "../../core/errors.js";
import type { KeySpec } from "../../core/ports/key-store.js";
import type { OcspKeyStore } from "../../core/ports/ocsp-key-store.js";
import type { Signer } from "../../core/ports/signer.js";
import { NODE_CURVE } from "../../core/x509/algorithms.js";
import { ensurePrivateDirectory, isTemporaryFile, systemErrorText, writeFileAtomically } from "../fs/durable-file.js";
import { parsePrivateKey } from "./file-key-store.js";
import { NodeSigner } from "./node-signer.js";
import { encryptPkcs8 } from "./pkcs8-encryption.js";

const generateKeyPairAsync = promisify(generateKeyPair) as (type: string, options: object) => Promise<{ privateKey: KeyObject }>;

/** Stretching a random 256-bit secret is pointless; this only keeps the format standard. */
const SECRET_PBKDF2_ITERATIONS = 2048;

const STALE_TEMPORARY_MS = 3_600_000;

const SAFE_REF = /^[0-9A-Za-z][0-9A-Za-z._-]*\.key$/;

export class FileOcspKeyStore implements OcspKeyStore {
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  describe(keyRef: string): string {
    return join(this.dir, keyRef);
  }

  /** Key references come from the database: never let one name a file outside the directory. */
  private path(keyRef: string): string {
    if (!SAFE_REF.test(keyRef) || keyRef.includes(".."))
      throw new TscaError("ERR_KEY_INVALID", `${keyRef}: Not a valid OCSP responder key reference.`);
    return join(this.dir, keyRef);
  }

  async generate(name: string, spec: KeySpec): Promise<{ signer: Signer; keyRef: string; secret: string }> {
    let pair: { privateKey: KeyObject };
    if (spec.keyType === "RSA") pair = await generateKeyPairAsync("rsa", { modulusLength: spec.keySize ?? 2048, publicExponent: 65537 });
    else if (spec.keyType === "EC") pair = await generateKeyPairAsync("ec", { namedCurve: NODE_CURVE[spec.curve ?? "secp256r1"] });
    else pair = await generateKeyPairAsync(spec.keyType.toLowerCase(), {});
    const secret = randomBytes(32).toString("base64url");
    const keyRef = `${name}.${Date.now().toString(36)}${randomBytes(4).toString("hex")}.key`;
    const pem = await encryptPkcs8(pair.privateKey.export({ type: "pkcs8", format: "der" }), secret, SECRET_PBKDF2_ITERATIONS);
    const path = this.path(keyRef);
    try {
      await ensurePrivateDirectory(this.dir);
      // A full disk or an I/O error must not leave a 0-byte or truncated key under its final name.
      await writeFileAtomically(path, pem);
    } catch (e) {
      // The rename may have happened before the directory fsync failed: no row will name this key.
      await fs.rm(path, { force: true }).catch(() => undefined);
      throw new TscaError("ERR_IO", `${this.dir}: Cannot write the OCSP responder key (check TSCA_OCSP_KEY_DIR): ${systemErrorText(e)}.`, {
        cause: e,
      });
    }
    return { signer: new NodeSigner(pair.privateKey), keyRef, secret };
  }

  async load(keyRef: string, secret: string): Promise<Signer> {
    let data: Buffer;
    try {
      data = await fs.readFile(this.path(keyRef));
    } catch (e) {
      if (e instanceof TscaError) throw e;
      throw new TscaError("ERR_KEY_NOT_FOUND", `${this.describe(keyRef)}: OCSP responder key file not found (check TSCA_OCSP_KEY_DIR).`, {
        cause: e,
      });
    }
    return new NodeSigner(parsePrivateKey(data, secret, "The OCSP responder key"));
  }

  async remove(keyRef: string): Promise<void> {
    await fs.rm(this.path(keyRef), { force: true });
  }

  async prune(name: string, keep: string[]): Promise<number> {
    let entries: string[];
    try {
      entries = await fs.readdir(this.dir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const e of entries) {
      // A temporary file of a writer killed mid-write (an hour is far beyond any write in progress).
      if (isTemporaryFile(e) && e.startsWith(`.${name}.`)) {
        const stat = await fs.stat(join(this.dir, e)).catch(() => undefined);
        if (stat && Date.now() - stat.mtimeMs > STALE_TEMPORARY_MS) await fs.rm(join(this.dir, e), { force: true });
        continue;
      }
      if (!e.startsWith(`${name}.`) || !e.endsWith(".key") || keep.includes(e)) continue;
      await fs.rm(join(this.dir, e), { force: true });
      removed++;
    }
    return removed;
  }
}
