/**
 * The file key store (keys as PKCS#8 PEM in CA_DIR) against the KeyStore contract, plain and with a
 * password, plus what only files have: mode 0600 keys in a 0700 directory, the key encrypted at rest
 * exactly when a password was given, and no staged file left behind by an abort or a recovery.
 */
import { mkdtemp, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { FileKeyStore } from "../../src/adapters/keys/file-key-store.js";
import { ownStamp } from "../../src/adapters/keys/process-stamp.js";
import { keyStoreContract, type KeyStoreUnderTest } from "./key-store.contract.js";

async function fileStore(password: string | undefined): Promise<KeyStoreUnderTest> {
  const root = await mkdtemp(join(tmpdir(), "tsca-key-contract-"));
  const dir = join(root, "ca");
  const pending = join(dir, ".pending");
  const staged = async (serial: string): Promise<string[]> =>
    (await readdir(pending).catch(() => [] as string[])).filter((f) => f.startsWith(`${serial}.`));
  return {
    store: new FileKeyStore(dir),
    password,
    async orphan(serial) {
      // The same PID with another start time: an earlier process that is gone (process-stamp.ts).
      const [pid, start, boot] = ownStamp().split("-");
      expect(start, "this test needs /proc for process stamps").toBeDefined();
      for (const f of await staged(serial))
        await rename(join(pending, f), join(pending, `${serial}.${pid}-${Number(start) + 2}-${boot}.key`));
    },
    async checkCommitted(keyRef) {
      expect((await stat(join(dir, keyRef))).mode & 0o777).toBe(0o600);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(pending)).mode & 0o777).toBe(0o700);
      const pem = await readFile(join(dir, keyRef), "latin1");
      expect(pem.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----")).toBe(password !== undefined);
      expect(pem.includes("-----BEGIN PRIVATE KEY-----")).toBe(password === undefined);
    },
    async checkGone(serial) {
      expect(await staged(serial)).toEqual([]);
      await expect(stat(join(dir, `${serial}.key`))).rejects.toMatchObject({ code: "ENOENT" });
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

keyStoreContract("file store, plain", () => fileStore(undefined), { encrypted: false });
keyStoreContract("file store, with password", () => fileStore("correct horse battery staple"), { encrypted: true });
