/**
 * The KeyStore contract (src/core/ports/key-store.ts), one suite for every backend: the file store plain
 * and with a password (file-key-store.test.ts), PKCS#11 with its own runner. Signatures are checked with
 * node:crypto against the SPKI the store reports, never with the store's own code. Backend-specific facts
 * (file modes, how a crashed creation looks) come from the runner through `KeyStoreUnderTest`.
 */
import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isTscaError } from "../../src/core/errors.js";
import type { KeySpec, KeyStore, PendingKey } from "../../src/core/ports/key-store.js";
import type { Signer } from "../../src/core/ports/signer.js";
import { NODE_HASH, type HashAlgorithm } from "../../src/core/x509/algorithms.js";

export interface KeyStoreUnderTest {
  store: KeyStore;
  /** The password CA keys are encrypted with at rest; undefined: the keys are plain. */
  password: string | undefined;
  /** Make the pending key of CA `serial` look like one a process left behind when it was killed. */
  orphan(serial: string): Promise<void>;
  /** Backend facts after a commit (file modes 0600/0700 for the file store). */
  checkCommitted?(keyRef: string): Promise<void>;
  /** Backend facts once nothing is pending or stored for `serial` (no staged file left). */
  checkGone?(serial: string): Promise<void>;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** Whether the runner's `password` is set: the suite then checks wrong and missing passwords. */
  encrypted: boolean;
  /** Key types the backend makes; all four by default. */
  keyTypes?: { name: string; spec: KeySpec; hash: HashAlgorithm | undefined }[];
}

const ALL_KEY_TYPES: NonNullable<ContractOptions["keyTypes"]> = [
  { name: "RSA 2048", spec: { keyType: "RSA", keySize: 2048 }, hash: "SHA-256" },
  { name: "EC P-256", spec: { keyType: "EC", curve: "secp256r1" }, hash: "SHA-256" },
  { name: "EC P-384", spec: { keyType: "EC", curve: "secp384r1" }, hash: "SHA-384" },
  { name: "Ed25519", spec: { keyType: "Ed25519" }, hash: undefined },
  { name: "Ed448", spec: { keyType: "Ed448" }, hash: undefined },
];

let serialCounter = 0;
/** A fresh CA serial (upper-case hex, as the stores name keys). */
const serial = (): string => `5E${Date.now().toString(16).toUpperCase()}${(++serialCounter).toString(16).toUpperCase().padStart(4, "0")}`;

/** Sign a message with the store's signer and verify it with node:crypto and the reported SPKI. */
async function expectSigns(signer: Signer, hash: HashAlgorithm | undefined): Promise<void> {
  const data = Buffer.from(`to be signed ${Math.random()}`);
  const signature = await signer.sign(data, hash);
  const key = createPublicKey({ key: signer.spki, format: "der", type: "spki" });
  const alg = signer.keyType === "Ed25519" || signer.keyType === "Ed448" ? null : NODE_HASH[hash ?? "SHA-256"];
  expect(verify(alg, data, key, signature)).toBe(true);
  expect(verify(alg, Buffer.concat([data, Buffer.from("x")]), key, signature)).toBe(false);
}

/** The TscaError code a promise rejects with, or "resolved". */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isTscaError(e)) return e.code;
    throw e;
  }
  return "resolved";
}

const spkiOf = (k: KeyObject): Buffer => createPublicKey(k).export({ type: "spki", format: "der" });

export function keyStoreContract(name: string, make: () => Promise<KeyStoreUnderTest>, options: ContractOptions): void {
  describe(`KeyStore contract: ${name}`, () => {
    let t: KeyStoreUnderTest;
    beforeEach(async () => {
      t = await make();
    });
    afterEach(async () => {
      await t.cleanup();
    });

    /** Commit a pending key and open it again as a later command would. */
    async function commitAndLoad(pending: PendingKey): Promise<Signer> {
      await pending.commit();
      await t.checkCommitted?.(pending.keyRef);
      return t.store.load(pending.keyRef, t.password);
    }

    it("names its backend and describes where a key is kept", async () => {
      expect(t.store.backend).toMatch(/^[a-z0-9]+$/);
      const pending = await t.store.generate(serial(), { keyType: "EC", curve: "secp256r1" }, t.password);
      expect(t.store.describe(pending.keyRef)).toContain(pending.keyRef);
      expect(pending.encrypted).toBe(t.password !== undefined);
      await pending.abort();
    });

    for (const k of options.keyTypes ?? ALL_KEY_TYPES)
      it(`generates ${k.name}: the pending signer signs, and after commit the loaded key is the same key`, async () => {
        const pending = await t.store.generate(serial(), k.spec, t.password);
        expect(pending.signer.keyType).toBe(k.spec.keyType);
        await expectSigns(pending.signer, k.hash);
        const loaded = await commitAndLoad(pending);
        expect(loaded.keyType).toBe(k.spec.keyType);
        expect(loaded.spki.equals(pending.signer.spki)).toBe(true);
        await expectSigns(loaded, k.hash);
      });

    it("imports PEM, DER (PKCS#8, PKCS#1, SEC1) and an encrypted PEM with its own password", async () => {
      const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
      const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
      const ed = generateKeyPairSync("ed25519").privateKey;
      const inputs: { key: Buffer; importPassword?: string; spki: Buffer }[] = [
        { key: Buffer.from(ec.export({ type: "pkcs8", format: "pem" }) as string), spki: spkiOf(ec) },
        { key: ed.export({ type: "pkcs8", format: "der" }), spki: spkiOf(ed) },
        { key: rsa.export({ type: "pkcs1", format: "der" }), spki: spkiOf(rsa) },
        { key: ec.export({ type: "sec1", format: "der" }), spki: spkiOf(ec) },
        {
          key: Buffer.from(ec.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "import secret" }) as string),
          importPassword: "import secret",
          spki: spkiOf(ec),
        },
      ];
      for (const i of inputs) {
        const pending = await t.store.import(serial(), i.key, i.importPassword, t.password);
        expect(pending.signer.spki.equals(i.spki)).toBe(true);
        expect(pending.encrypted).toBe(t.password !== undefined);
        const loaded = await commitAndLoad(pending);
        expect(loaded.spki.equals(i.spki)).toBe(true);
        await expectSigns(loaded, "SHA-256");
      }
    });

    it("refuses an import with a wrong, missing or unexpected import password, and garbage, storing nothing", async () => {
      const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
      const encrypted = Buffer.from(ec.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "right" }) as string);
      const plain = Buffer.from(ec.export({ type: "pkcs8", format: "pem" }) as string);
      const s = serial();
      expect(await codeOf(t.store.import(s, encrypted, "wrong", t.password))).toBe("ERR_KEY_PASSWORD_WRONG");
      expect(await codeOf(t.store.import(s, encrypted, undefined, t.password))).toBe("ERR_KEY_PASSWORD_REQUIRED");
      expect(await codeOf(t.store.import(s, plain, "unexpected", t.password))).toBe("ERR_KEY_PASSWORD_UNEXPECTED");
      expect(await codeOf(t.store.import(s, Buffer.from("not a key"), undefined, t.password))).toBe("ERR_KEY_INVALID");
      await t.checkGone?.(s);
    });

    if (options.encrypted)
      it("opens an encrypted key only with its password: wrong → ERR_KEY_PASSWORD_WRONG, none → ERR_KEY_PASSWORD_REQUIRED", async () => {
        const pending = await t.store.generate(serial(), { keyType: "EC", curve: "secp256r1" }, t.password);
        await pending.commit();
        expect(await codeOf(t.store.load(pending.keyRef, `${t.password}x`))).toBe("ERR_KEY_PASSWORD_WRONG");
        expect(await codeOf(t.store.load(pending.keyRef, undefined))).toBe("ERR_KEY_PASSWORD_REQUIRED");
        await expectSigns(await t.store.load(pending.keyRef, t.password), "SHA-256");
      });
    else
      it("refuses a password for a key that is not encrypted (ERR_KEY_PASSWORD_UNEXPECTED)", async () => {
        const pending = await t.store.generate(serial(), { keyType: "EC", curve: "secp256r1" }, undefined);
        await pending.commit();
        expect(await codeOf(t.store.load(pending.keyRef, "a password"))).toBe("ERR_KEY_PASSWORD_UNEXPECTED");
      });

    it("a pending key cannot be loaded before its commit; an aborted one never can (ERR_KEY_NOT_FOUND)", async () => {
      const s = serial();
      const pending = await t.store.generate(s, { keyType: "EC", curve: "secp256r1" }, t.password);
      expect(await codeOf(t.store.load(pending.keyRef, t.password))).toBe("ERR_KEY_NOT_FOUND");
      await pending.abort();
      expect(await codeOf(t.store.load(pending.keyRef, t.password))).toBe("ERR_KEY_NOT_FOUND");
      await t.checkGone?.(s);
    });

    it("abort after a commit removes nothing", async () => {
      const pending = await t.store.generate(serial(), { keyType: "EC", curve: "secp256r1" }, t.password);
      await pending.commit();
      await pending.abort();
      await expectSigns(await t.store.load(pending.keyRef, t.password), "SHA-256");
    });

    it("recover leaves the keys of a live process alone, commits an orphan whose row exists, removes one whose row does not", async () => {
      const live = await t.store.generate(serial(), { keyType: "EC", curve: "secp256r1" }, t.password);
      const kept = serial();
      const keptKey = await t.store.generate(kept, { keyType: "EC", curve: "secp256r1" }, t.password);
      const dropped = serial();
      const droppedKey = await t.store.generate(dropped, { keyType: "EC", curve: "secp256r1" }, t.password);
      await t.orphan(kept);
      await t.orphan(dropped);
      const asked: string[] = [];
      await t.store.recover(async (s) => {
        asked.push(s);
        return s === kept;
      });
      expect(asked.sort()).toEqual([kept, dropped].sort());
      // The orphan with a row is in place, the one without is gone, the live one is still pending.
      expect((await t.store.load(keptKey.keyRef, t.password)).spki.equals(keptKey.signer.spki)).toBe(true);
      expect(await codeOf(t.store.load(droppedKey.keyRef, t.password))).toBe("ERR_KEY_NOT_FOUND");
      await t.checkGone?.(dropped);
      expect(await codeOf(t.store.load(live.keyRef, t.password))).toBe("ERR_KEY_NOT_FOUND");
      await live.commit();
      await expectSigns(await t.store.load(live.keyRef, t.password), "SHA-256");
    });

    it("recover with nothing pending, or a row lookup that fails, is not an error", async () => {
      await t.store.recover(async () => true);
      const s = serial();
      const pending = await t.store.generate(s, { keyType: "EC", curve: "secp256r1" }, t.password);
      await t.orphan(s);
      await t.store.recover(async () => {
        throw new Error("database down");
      });
      // Left for a later call, which finishes it.
      await t.store.recover(async () => true);
      await expectSigns(await t.store.load(pending.keyRef, t.password), "SHA-256");
    });
  });
}
