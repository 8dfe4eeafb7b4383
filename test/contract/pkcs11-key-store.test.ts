/**
 * The PKCS#11 key store on a real SoftHSM2 token against the KeyStore contract, plus what only a token
 * has: keys that cannot leave it (sensitive, non-extractable), one login shared by every store of the
 * process, a session pool under concurrent signing, PIN errors that never show the PIN, missing tokens
 * and modules, the operator's own key found by its certificate, and a token that disappears.
 *
 * SoftHSM reads SOFTHSM2_CONF once per process, so this file makes every token it needs first (vitest
 * runs each test file in a process of its own).
 */
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { TscaError, isTscaError } from "../../src/core/errors.js";
import type { KeyStore } from "../../src/core/ports/key-store.js";
import type { KeyOptions } from "../../src/core/ports/key-store-registry.js";
import { Pkcs11KeyStore, type Pkcs11Settings } from "../../src/adapters/keys/pkcs11/pkcs11-key-store.js";
import { openModule } from "../../src/adapters/keys/pkcs11/pkcs11-module.js";
import { findToken } from "../../src/adapters/keys/pkcs11/pkcs11-token.js";
import { ownStamp } from "../../src/adapters/keys/process-stamp.js";
import { makeSoftHsm, softhsmSkipReason, type SoftHsm } from "../helpers/softhsm.js";
import { codeOf, keyStoreContract } from "./key-store.contract.js";

const skip = softhsmSkipReason();
let hsm: SoftHsm | undefined;
/** The token directory of each token (SoftHSM names them by UUID), for the removal test. */
const tokenDirs = new Map<string, string>();
let operatorSpki: Buffer | undefined;

if (!skip) {
  hsm = makeSoftHsm("tsca");
  const dirs = (): string[] => readdirSync(hsm!.tokenDir);
  for (const label of ["shared", "wrongpin", "nopin", "operator", "removable"]) {
    const before = new Set(dirs());
    hsm.addToken(label);
    tokenDirs.set(
      label,
      dirs().find((d) => !before.has(d))!,
    );
  }
  // The operator's way of putting a key on a token, before tsca ever sees it.
  const tool = ["--module", hsm.library, "--token-label", "operator", "--login", "--pin", hsm.pin];
  hsm.run("pkcs11-tool", [...tool, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "op-key", "--id", "0a1b", "--usage-sign"]);
  const spkiFile = join(hsm.tokenDir, "..", "op.spki.der");
  hsm.run("pkcs11-tool", [...tool, "--read-object", "--type", "pubkey", "--id", "0a1b", "--output-file", spkiFile]);
  operatorSpki = createPublicKey({ key: readFileSync(spkiFile), format: "der", type: "spki" }).export({ type: "spki", format: "der" });
  process.env.SOFTHSM2_CONF = hsm.conf;
}

afterAll(() => hsm?.cleanup());

/** Settings with a fixed PIN and a prompt that cannot prompt; counts how often each is used. */
function settings(pin: string | undefined, library = hsm?.library): Pkcs11Settings & { asked: { configured: number; ask: number } } {
  const asked = { configured: 0, ask: 0 };
  return {
    library,
    asked,
    pin: {
      configured: () => (asked.configured++, pin),
      ask: () => {
        asked.ask++;
        return Promise.reject(new TscaError("ERR_PKCS11_PIN_REQUIRED", "No PIN for the token and no terminal to ask for one."));
      },
    },
  };
}

async function errorOf(p: Promise<unknown>): Promise<TscaError> {
  try {
    await p;
  } catch (e) {
    if (isTscaError(e)) return e;
    throw e;
  }
  throw new Error("resolved");
}

/** A session on `label` (logged in by the stores of this process), for looking at objects directly. */
async function onToken<T>(label: string, fn: (s: Buffer, m: ReturnType<typeof openModule>) => T): Promise<T> {
  const m = openModule(hsm!.library);
  const t = findToken(m, { token: label });
  return t.withSession((s) => fn(s, m), "test inspection");
}

function objects(s: Buffer, m: ReturnType<typeof openModule>): { handle: Buffer; label: string; id: string }[] {
  const { p11, c } = m;
  p11.C_FindObjectsInit(s, [{ type: c.CKA_TOKEN, value: true }]);
  const found = p11.C_FindObjects(s, 10_000);
  p11.C_FindObjectsFinal(s);
  return found.map((handle) => {
    const [label, id] = p11.C_GetAttributeValue(s, handle, [{ type: c.CKA_LABEL }, { type: c.CKA_ID }]);
    return { handle, label: label!.value.toString("utf8"), id: id!.value.toString("hex").toUpperCase() };
  });
}

/** The store with every keyRef it hands out recorded by serial, so checkGone can look for the ids too. */
function recording(store: Pkcs11KeyStore, ids: Map<string, string[]>): KeyStore {
  const note = (serial: string, keyRef: string): void => void ids.set(serial, [...(ids.get(serial) ?? []), keyRef]);
  return {
    backend: store.backend,
    describe: (k) => store.describe(k),
    generate: async (serial, spec, password) => {
      const p = await store.generate(serial, spec, password);
      note(serial, p.keyRef);
      return p;
    },
    import: async (serial, key, importPassword, password) => {
      const p = await store.import(serial, key, importPassword, password);
      note(serial, p.keyRef);
      return p;
    },
    load: (k, p) => store.load(k, p),
    recover: (r) => store.recover(r),
  };
}

const isPending = (label: string, serial: string): boolean => label.startsWith(`tsca-pending.${serial}.`);

/** Make the pending key of `serial` look like one a process that is gone left behind. */
async function orphan(token: string, serial: string): Promise<void> {
  // The same PID with another start time: an earlier process that is gone (process-stamp.ts).
  const [pid, start, boot] = ownStamp().split("-");
  expect(start, "this test needs /proc for process stamps").toBeDefined();
  await onToken(token, (s, m) => {
    const pending = objects(s, m).filter((o) => isPending(o.label, serial));
    expect(pending).toHaveLength(2);
    for (const o of pending) {
      const rest = o.label.slice(`tsca-pending.${serial}.${ownStamp()}.`.length);
      m.p11.C_SetAttributeValue(s, o.handle, [
        { type: m.c.CKA_LABEL, value: `tsca-pending.${serial}.${pid}-${Number(start) + 2}-${boot}.${rest}` },
      ]);
    }
  });
}

describe.skipIf(skip !== undefined)("PKCS#11 key store on SoftHSM2", () => {
  keyStoreContract(
    "pkcs11 (SoftHSM2)",
    async () => {
      const ids = new Map<string, string[]>();
      const store = new Pkcs11KeyStore(settings(hsm!.pin), { token: "tsca" });
      return {
        store: recording(store, ids),
        password: undefined,
        orphan: (serial) => orphan("tsca", serial),
        async checkCommitted(keyRef) {
          await onToken("tsca", (s, m) => {
            const { p11, c } = m;
            const mine = objects(s, m).filter((o) => o.id === keyRef);
            expect(mine).toHaveLength(2); // the private and the public key
            for (const o of mine) expect(o.label).toMatch(/^tsca-5E[0-9A-F]+$/);
            p11.C_FindObjectsInit(s, [
              { type: c.CKA_CLASS, value: c.CKO_PRIVATE_KEY },
              { type: c.CKA_ID, value: Buffer.from(keyRef, "hex") },
            ]);
            const [priv] = p11.C_FindObjects(s, 2);
            p11.C_FindObjectsFinal(s);
            const flags = p11.C_GetAttributeValue(s, priv!, [
              { type: c.CKA_TOKEN },
              { type: c.CKA_PRIVATE },
              { type: c.CKA_SENSITIVE },
              { type: c.CKA_EXTRACTABLE },
              { type: c.CKA_SIGN },
            ]);
            expect(flags.map((f) => f.value[0])).toEqual([1, 1, 1, 0, 1]);
            // The secret part: CKA_PRIVATE_EXPONENT of an RSA key, CKA_VALUE of an EC or Edwards key.
            const rsa = p11.C_GetAttributeValue(s, priv!, [{ type: c.CKA_KEY_TYPE }])[0]!.value.readUInt32LE() === c.CKK_RSA;
            const secret = rsa ? c.CKA_PRIVATE_EXPONENT : c.CKA_VALUE;
            expect(() => p11.C_GetAttributeValue(s, priv!, [{ type: secret }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
          });
        },
        async checkGone(serial) {
          await onToken("tsca", (s, m) => {
            const all = objects(s, m);
            expect(all.filter((o) => isPending(o.label, serial))).toEqual([]);
            for (const id of ids.get(serial) ?? []) expect(all.filter((o) => o.id === id)).toEqual([]);
          });
        },
        cleanup: () => Promise.resolve(),
      };
    },
    {
      encrypted: false,
      // Everything SoftHSM 2.6.1 makes, Ed448 included; RSA 4096 works too but costs seconds per key.
      keyTypes: [
        { name: "RSA 2048", spec: { keyType: "RSA", keySize: 2048 }, hash: "SHA-256" },
        { name: "EC P-256", spec: { keyType: "EC", curve: "secp256r1" }, hash: "SHA-256" },
        { name: "EC P-384", spec: { keyType: "EC", curve: "secp384r1" }, hash: "SHA-384" },
        { name: "EC P-521", spec: { keyType: "EC", curve: "secp521r1" }, hash: "SHA-512" },
        { name: "Ed25519", spec: { keyType: "Ed25519" }, hash: undefined },
        { name: "Ed448", spec: { keyType: "Ed448" }, hash: undefined },
      ],
    },
  );

  describe("what only a token has", () => {
    const store = (options: KeyOptions, pin: string | undefined = hsm!.pin): Pkcs11KeyStore => new Pkcs11KeyStore(settings(pin), options);
    let n = 0;
    const serial = (): string => `7A${Date.now().toString(16).toUpperCase()}${(++n).toString(16).padStart(4, "0").toUpperCase()}`;

    it("keeps the private key on the token: sensitive, not extractable, CKA_VALUE unreadable, also for an imported key", async () => {
      const s = store({ token: "tsca" });
      const generated = await s.generate(serial(), { keyType: "EC", curve: "secp256r1" }, undefined);
      const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
      const imported = await s.import(serial(), Buffer.from(ec.export({ type: "pkcs8", format: "pem" }) as string), undefined, undefined);
      for (const p of [generated, imported]) {
        await p.commit();
        expect(p.keyOptions).toEqual({ token: "tsca", label: expect.stringMatching(/^tsca-7A/) });
        await onToken("tsca", (session, m) => {
          const { p11, c } = m;
          p11.C_FindObjectsInit(session, [
            { type: c.CKA_CLASS, value: c.CKO_PRIVATE_KEY },
            { type: c.CKA_ID, value: Buffer.from(p.keyRef, "hex") },
          ]);
          const [priv] = p11.C_FindObjects(session, 2);
          p11.C_FindObjectsFinal(session);
          const [sensitive, extractable, never] = p11.C_GetAttributeValue(session, priv!, [
            { type: c.CKA_SENSITIVE },
            { type: c.CKA_EXTRACTABLE },
            { type: c.CKA_NEVER_EXTRACTABLE },
          ]);
          expect([sensitive!.value[0], extractable!.value[0]]).toEqual([1, 0]);
          // Generated on the token: never extractable; imported: it was outside once.
          expect(never!.value[0]).toBe(p === generated ? 1 : 0);
          expect(() => p11.C_GetAttributeValue(session, priv!, [{ type: c.CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
        });
      }
      expect(s.describe(generated.keyRef)).toBe(`PKCS#11 token "tsca", key (id ${generated.keyRef})`);
    });

    it("refuses a password before touching the token", async () => {
      const s = new Pkcs11KeyStore(settings(undefined, "/nonexistent/module.so"), { token: "tsca" });
      const e = await errorOf(s.generate(serial(), { keyType: "EC", curve: "secp256r1" }, "secret"));
      expect(e.code).toBe("ERR_KEY_PASSWORD_UNEXPECTED");
      expect(e.message).toMatch(/token's PIN, not a password/);
    });

    it("logs in once per token for all stores of the process", async () => {
      const first = settings(hsm!.pin);
      const second = settings(undefined); // would fail if it were ever asked
      const a = new Pkcs11KeyStore(first, { token: "shared", label: "Root" });
      const b = new Pkcs11KeyStore(second, { token: "shared", label: "Root" });
      const pending = await a.generate(serial(), { keyType: "EC", curve: "secp256r1" }, undefined);
      await pending.commit();
      expect(pending.keyOptions).toEqual({ token: "shared", label: "Root" });
      const signer = await b.load(pending.keyRef, undefined);
      expect(signer.spki.equals(pending.signer.spki)).toBe(true);
      await a.load(pending.keyRef, undefined);
      expect(first.asked).toEqual({ configured: 1, ask: 0 });
      expect(second.asked).toEqual({ configured: 0, ask: 0 });
      expect(b.describe(pending.keyRef)).toBe(`PKCS#11 token "shared", key "Root" (id ${pending.keyRef})`);
    });

    it("signs 64 times concurrently on one key through the session pool; every signature verifies", async () => {
      const s = store({ token: "tsca" });
      for (const spec of [
        { keyType: "EC" as const, curve: "secp256r1" as const },
        { keyType: "RSA" as const, keySize: 2048 },
      ]) {
        const pending = await s.generate(serial(), spec, undefined);
        await pending.commit();
        const signer = await s.load(pending.keyRef, undefined);
        const key = createPublicKey({ key: signer.spki, format: "der", type: "spki" });
        const messages = Array.from({ length: 64 }, (_, i) => Buffer.from(`message ${i} ${Math.random()}`));
        const signatures = await Promise.all(messages.map((m) => signer.sign(m, "SHA-256")));
        signatures.forEach((sig, i) => expect(verify("sha256", messages[i]!, key, sig), `signature ${i}`).toBe(true));
      }
    });

    it("a wrong PIN is ERR_PKCS11_PIN_WRONG in one sentence without the PIN, and the PIN is not asked again", async () => {
      const wrong = settings("987654");
      const s = new Pkcs11KeyStore(wrong, { token: "wrongpin" });
      for (let i = 0; i < 2; i++) {
        const e = await errorOf(s.generate(serial(), { keyType: "EC", curve: "secp256r1" }, undefined));
        expect(e.code).toBe("ERR_PKCS11_PIN_WRONG");
        expect(e.message).toBe('PKCS#11 token "wrongpin" refused the user PIN: wrong PIN.');
        expect(`${e.message} ${String(e.stack)} ${String((e.cause as Error)?.message)}`).not.toContain("987654");
      }
      expect(wrong.asked.configured).toBe(1);
      // Recovery with the same wrong PIN does not throw.
      await s.recover(async () => true);
    });

    it("no PIN configured and no way to ask: ERR_PKCS11_PIN_REQUIRED; recovery never asks", async () => {
      const none = settings(undefined);
      const s = new Pkcs11KeyStore(none, { token: "nopin" });
      await s.recover(async () => true);
      expect(none.asked.ask).toBe(0);
      expect(await codeOf(s.generate(serial(), { keyType: "EC", curve: "secp256r1" }, undefined))).toBe("ERR_PKCS11_PIN_REQUIRED");
      expect(await codeOf(s.load("0A1B", undefined))).toBe("ERR_PKCS11_PIN_REQUIRED");
      expect(none.asked.ask).toBe(1);
      const recovery = new Pkcs11KeyStore(settings(undefined), {});
      await recovery.recover(async () => true); // scans every token, opens none without a PIN
    });

    it("a missing token label or slot is ERR_PKCS11_TOKEN_NOT_FOUND; a missing or unset module is ERR_PKCS11_LIBRARY", async () => {
      const missing = await errorOf(store({ token: "no such token" }).generate(serial(), { keyType: "EC" }, undefined));
      expect(missing.code).toBe("ERR_PKCS11_TOKEN_NOT_FOUND");
      expect(missing.message).toContain('"no such token"');
      expect(await codeOf(store({ slot: 99 }).load("0A1B", undefined))).toBe("ERR_PKCS11_TOKEN_NOT_FOUND");
      const noFile = new Pkcs11KeyStore(settings(hsm!.pin, "/nonexistent/libpkcs11.so"), { token: "tsca" });
      const e = await errorOf(noFile.generate(serial(), { keyType: "EC" }, undefined));
      expect(e.code).toBe("ERR_PKCS11_LIBRARY");
      expect(e.message).toContain("/nonexistent/libpkcs11.so");
      const notAModule = new Pkcs11KeyStore(settings(hsm!.pin, hsm!.conf), { token: "tsca" });
      expect(await codeOf(notAModule.load("0A1B", undefined))).toBe("ERR_PKCS11_LIBRARY");
      const unset = new Pkcs11KeyStore({ ...settings(hsm!.pin), library: undefined }, {});
      const u = await errorOf(unset.load("0A1B", undefined));
      expect(u.code).toBe("ERR_PKCS11_LIBRARY");
      expect(u.message).toContain("TSCA_PKCS11_LIBRARY");
      for (const s of [noFile, notAModule, unset, store({ token: "no such token" })]) await s.recover(async () => true);
    });

    it("findByCertificate finds the operator's key made by pkcs11-tool, changes nothing, and refuses a foreign public key", async () => {
      const s = store({ token: "operator" });
      const found = await s.findByCertificate(operatorSpki!);
      const before = await onToken("operator", (session, m) => objects(session, m));
      expect(before.map((o) => [o.label, o.id])).toEqual([
        ["op-key", "0A1B"],
        ["op-key", "0A1B"],
      ]);
      expect(found.keyRef).toBe("0A1B");
      expect(found.keyOptions).toEqual({ token: "operator", label: "op-key" });
      expect(found.signer.spki.equals(operatorSpki!)).toBe(true);
      const data = Buffer.from("tbs");
      expect(
        verify(
          "sha256",
          data,
          createPublicKey({ key: operatorSpki!, format: "der", type: "spki" }),
          await found.signer.sign(data, "SHA-256"),
        ),
      ).toBe(true);
      await found.commit();
      await found.abort();
      const after = await onToken("operator", (session, m) => objects(session, m));
      expect(after.map((o) => [o.label, o.id])).toEqual(before.map((o) => [o.label, o.id]));
      // As the CA row will open it: by id and label.
      const row = new Pkcs11KeyStore(settings(hsm!.pin), found.keyOptions!);
      expect((await row.load(found.keyRef, undefined)).spki.equals(operatorSpki!)).toBe(true);
      expect((await s.findByCertificate(operatorSpki!, "op-key")).keyRef).toBe("0A1B");
      const foreign = createPublicKey(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey).export({
        type: "spki",
        format: "der",
      });
      const e = await errorOf(s.findByCertificate(foreign));
      expect(e.code).toBe("ERR_KEY_NOT_FOUND");
      expect(e.message).toBe('No private key on PKCS#11 token "operator" matches the certificate\'s public key.');
      expect(await codeOf(s.findByCertificate(operatorSpki!, "another label"))).toBe("ERR_KEY_NOT_FOUND");
    });

    it("findByCertificate gives a key without CKA_ID a random one on both objects, so the CA row can find it", async () => {
      const s = store({ token: "operator" });
      await s.findByCertificate(operatorSpki!); // logged in
      const spki = await onToken("operator", (session, m) => {
        const { p11, c } = m;
        const common = [
          { type: c.CKA_TOKEN, value: true },
          { type: c.CKA_LABEL, value: "no-id" },
        ];
        const pair = p11.C_GenerateKeyPair(
          session,
          { mechanism: c.CKM_EC_KEY_PAIR_GEN },
          [...common, { type: c.CKA_VERIFY, value: true }, { type: c.CKA_EC_PARAMS, value: Buffer.from("06082a8648ce3d030107", "hex") }],
          [...common, { type: c.CKA_PRIVATE, value: true }, { type: c.CKA_SENSITIVE, value: true }, { type: c.CKA_SIGN, value: true }],
        );
        const point = p11.C_GetAttributeValue(session, pair.publicKey, [{ type: c.CKA_EC_POINT }])[0]!.value.subarray(2);
        const jwk = {
          kty: "EC",
          crv: "P-256",
          x: point.subarray(1, 33).toString("base64url"),
          y: point.subarray(33).toString("base64url"),
        };
        return createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "der" });
      });
      const found = await s.findByCertificate(spki, "no-id");
      expect(found.keyRef).toMatch(/^[0-9A-F]{32}$/);
      const labelled = await onToken("operator", (session, m) => objects(session, m).filter((o) => o.label === "no-id"));
      expect(labelled.map((o) => o.id)).toEqual([found.keyRef, found.keyRef]);
      const row = new Pkcs11KeyStore(settings(hsm!.pin), found.keyOptions!);
      expect((await row.load(found.keyRef, undefined)).spki.equals(spki)).toBe(true);
      // Without its public object the private key proves itself by signing: found all the same.
      await onToken("operator", (session, m) => {
        for (const o of objects(session, m).filter((x) => x.label === "no-id"))
          if (m.p11.C_GetAttributeValue(session, o.handle, [{ type: m.c.CKA_CLASS }])[0]!.value[0] === m.c.CKO_PUBLIC_KEY)
            m.p11.C_DestroyObject(session, o.handle);
      });
      const again = await s.findByCertificate(spki);
      expect(again.keyRef).toBe(found.keyRef);
      const data = Buffer.from("tbs");
      expect(
        verify("sha256", data, createPublicKey({ key: spki, format: "der", type: "spki" }), await again.signer.sign(data, "SHA-256")),
      ).toBe(true);
    });

    it("a token removed under a running store: one sentence (ERR_PKCS11_DEVICE or ERR_KEY_NOT_FOUND), no crash", async () => {
      const s = store({ token: "removable" });
      const pending = await s.generate(serial(), { keyType: "EC", curve: "secp256r1" }, undefined);
      await pending.commit();
      const signer = await s.load(pending.keyRef, undefined);
      await signer.sign(Buffer.from("before"), "SHA-256");
      rmSync(join(hsm!.tokenDir, tokenDirs.get("removable")!), { recursive: true, force: true });
      const outcomes = await Promise.all([
        signer.sign(Buffer.from("after"), "SHA-256").then(
          () => "signed",
          (e: unknown) => e,
        ),
        s.generate(serial(), { keyType: "EC", curve: "secp256r1" }, undefined).then(
          () => "generated",
          (e: unknown) => e,
        ),
        new Pkcs11KeyStore(settings(hsm!.pin), { token: "removable" })
          .load(pending.keyRef, undefined)
          .then((again) => again.sign(Buffer.from("after"), "SHA-256"))
          .then(
            () => "loaded and signed",
            (e: unknown) => e,
          ),
      ]);
      console.log(
        "after removal:",
        outcomes.map((o) => (isTscaError(o) ? `${o.code}: ${o.message}` : String(o))),
      );
      for (const o of outcomes) {
        expect(isTscaError(o), String(o)).toBe(true);
        expect(["ERR_PKCS11_DEVICE", "ERR_KEY_NOT_FOUND", "ERR_PKCS11_TOKEN_NOT_FOUND"]).toContain((o as TscaError).code);
        expect((o as TscaError).message).toMatch(/^[^\n]+\.$/);
      }
    });

    it("keys left pending by a killed process are committed or destroyed by recovery in another process", async () => {
      // The adapter bundled for a plain node child (the sources are TypeScript), next to node_modules for pkcs11js.
      const bundle = join(process.cwd(), "node_modules", ".cache", `tsca-test-pkcs11-${process.pid}.mjs`);
      mkdirSync(dirname(bundle), { recursive: true });
      await build({
        entryPoints: ["src/adapters/keys/pkcs11/pkcs11-key-store.ts"],
        bundle: true,
        platform: "node",
        format: "esm",
        external: ["pkcs11js"],
        outfile: bundle,
        logLevel: "error",
      });
      const child = `
        const { Pkcs11KeyStore } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
        const store = new Pkcs11KeyStore({ library: process.env.TSCA_PKCS11_LIBRARY, pin: { configured: () => process.env.TSCA_PKCS11_PIN, ask: () => Promise.reject(new Error("no prompt")) } }, { token: "tsca" });
        const p = await store.generate(process.argv[1], { keyType: "EC", curve: "secp256r1" }, undefined);
        console.log(p.keyRef);
        setInterval(() => {}, 1000); // staged, never committed: killed here`;
      /** Run a child that stages a key for `serial`, kill it once it has, and return the keyRef. */
      const killedCreator = async (serial: string): Promise<string> => {
        const proc = spawn(process.execPath, ["--input-type=module", "-e", child, serial], {
          env: { ...process.env, ...hsm!.env },
          stdio: ["ignore", "pipe", "inherit"],
        });
        const keyRef = await new Promise<string>((resolve, reject) => {
          proc.stdout.on("data", (d: Buffer) => resolve(d.toString().trim()));
          proc.on("exit", (code) => reject(new Error(`child exited with ${code} before staging a key`)));
        });
        const exited = new Promise((r) => proc.on("exit", r));
        proc.kill("SIGKILL");
        await exited;
        return keyRef;
      };
      try {
        const kept = serial();
        const dropped = serial();
        const keptRef = await killedCreator(kept);
        const droppedRef = await killedCreator(dropped);
        const s = store({ token: "tsca" });
        const pending = await errorOf(s.load(keptRef, undefined));
        expect([pending.code, pending.message]).toEqual([
          "ERR_KEY_NOT_FOUND",
          `PKCS#11 token "tsca" has no private key with id ${keptRef} that is ready: the key is still pending (its CA creation has not finished).`,
        ]);
        await s.recover(async (x) => x === kept);
        const signer = await s.load(keptRef, undefined);
        const data = Buffer.from("after recovery");
        expect(
          verify("sha256", data, createPublicKey({ key: signer.spki, format: "der", type: "spki" }), await signer.sign(data, "SHA-256")),
        ).toBe(true);
        expect(await codeOf(s.load(droppedRef, undefined))).toBe("ERR_KEY_NOT_FOUND");
        const left = await onToken("tsca", (session, m) => objects(session, m));
        expect(left.filter((o) => o.id === droppedRef)).toEqual([]);
        expect(left.filter((o) => o.id === keptRef).map((o) => o.label)).toEqual([`tsca-${kept}`, `tsca-${kept}`]);
      } finally {
        rmSync(bundle, { force: true });
      }
    });

    // Last: it logs in to every token of the process (the PIN and login tests above need tokens not yet opened).
    it("recover with no token named scans every token the configured PIN opens, and keeps the key's final label", async () => {
      const s = store({ token: "shared", label: "Sub CA" });
      const kept = serial();
      const keptKey = await s.generate(kept, { keyType: "EC", curve: "secp384r1" }, undefined);
      const dropped = serial();
      const droppedKey = await s.generate(dropped, { keyType: "Ed25519" }, undefined);
      await orphan("shared", kept);
      await orphan("shared", dropped);
      const asked: string[] = [];
      await new Pkcs11KeyStore(settings(hsm!.pin), {}).recover(async (x) => (asked.push(x), x === kept));
      expect(asked.sort()).toEqual([kept, dropped].sort());
      expect((await s.load(keptKey.keyRef, undefined)).spki.equals(keptKey.signer.spki)).toBe(true);
      expect(await codeOf(s.load(droppedKey.keyRef, undefined))).toBe("ERR_KEY_NOT_FOUND");
      const labels = await onToken("shared", (session, m) => objects(session, m));
      expect(labels.filter((o) => o.id === keptKey.keyRef).map((o) => o.label)).toEqual(["Sub CA", "Sub CA"]);
      expect(labels.filter((o) => o.id === droppedKey.keyRef)).toEqual([]);
    });
  });
});
