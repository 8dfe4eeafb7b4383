/**
 * The key-store registry: a CA's key is opened in the store its row names (key_backend, key_options),
 * never looked for in another; an unknown backend is ERR_KEY_BACKEND naming it; a key that does not belong
 * to the CA's certificate is refused before it signs anything (ERR_KEY_MISMATCH).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileKeyStore } from "../../src/adapters/keys/file-key-store.js";
import { BackendKeyStoreRegistry } from "../../src/adapters/keys/key-store-registry.js";
import type { CertificateAuthority } from "../../src/core/ca/certificate-authority.js";
import { TscaError } from "../../src/core/errors.js";
import { signCaCertificate } from "../../src/core/issuance/ca-certificate.js";
import { loadCaSigner } from "../../src/core/issuance/ca-signer.js";
import type { KeyOptions } from "../../src/core/ports/key-store-registry.js";
import { encodeName, parseName } from "../../src/core/x509/name.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tsca-registry-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function caWithKey(files: FileKeyStore, serial: string): Promise<CertificateAuthority> {
  const pending = await files.generate(serial, { keyType: "EC", curve: "secp256r1" });
  await pending.commit();
  const now = new Date("2026-01-01T00:00:00Z");
  const der = await signCaCertificate({
    serial,
    subject: encodeName(parseName(`/CN=${serial}`)),
    notBefore: now,
    notAfter: new Date(now.getTime() + 86_400_000 * 365),
    signer: pending.signer,
    hash: "SHA-256",
    certificate: {
      pathLength: null,
      crlUrls: [],
      ocspUrls: [],
      issuerUrls: [],
      nameConstraints: { permitted: [], excluded: [] },
      policies: [],
      subjectAltNames: [],
      issuerAltNames: [],
    },
    lintRuleSets: [],
  });
  return { serial, name: serial, keyBackend: files.backend, keyOptions: {}, keyRef: pending.keyRef, der } as CertificateAuthority;
}

describe("key-store registry", () => {
  it("lists its backends with the default first, and makes one store per backend and options", () => {
    const made: KeyOptions[] = [];
    const registry = new BackendKeyStoreRegistry(
      {
        file: () => new FileKeyStore(join(root, "a")),
        other: (o) => {
          made.push(o);
          return new FileKeyStore(join(root, "b"));
        },
      },
      "other",
    );
    expect(registry.backends).toEqual(["other", "file"]);
    expect(registry.defaultBackend).toBe("other");
    const one = registry.get("other", { slot: 1, label: "x" });
    expect(registry.get("other", { label: "x", slot: 1 })).toBe(one);
    expect(registry.get("other", { slot: 2, label: "x" })).not.toBe(one);
    expect(made).toEqual([
      { slot: 1, label: "x" },
      { slot: 2, label: "x" },
    ]);
  });

  it("refuses an unknown backend with ERR_KEY_BACKEND naming it, also for inherited property names", () => {
    const registry = new BackendKeyStoreRegistry({ file: () => new FileKeyStore(join(root, "c")) });
    for (const name of ["pkcs11", "toString", "__proto__"]) {
      let error: unknown;
      try {
        registry.get(name);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TscaError);
      expect((error as TscaError).code).toBe("ERR_KEY_BACKEND");
      expect((error as TscaError).message).toBe(`${name}: Unknown key backend (this installation has file).`);
    }
    expect(() => new BackendKeyStoreRegistry({ file: () => new FileKeyStore(root) }, "pkcs11")).toThrow(/pkcs11: Unknown key backend/);
  });

  it("opens a CA's key in the backend its row names, and only there", async () => {
    const files = new FileKeyStore(join(root, "d"));
    const registry = new BackendKeyStoreRegistry({ file: () => files });
    const ca = await caWithKey(files, "0D01");
    const signer = await loadCaSigner(registry, ca, undefined);
    expect(signer.spki.equals((await files.load(ca.keyRef, undefined)).spki)).toBe(true);
    await expect(loadCaSigner(registry, { ...ca, keyBackend: "pkcs11" }, undefined)).rejects.toMatchObject({ code: "ERR_KEY_BACKEND" });
  });

  it("refuses a key that does not belong to the CA's certificate (ERR_KEY_MISMATCH)", async () => {
    const files = new FileKeyStore(join(root, "e"));
    const registry = new BackendKeyStoreRegistry({ file: () => files });
    const a = await caWithKey(files, "0E01");
    const b = await caWithKey(files, "0E02");
    await expect(loadCaSigner(registry, { ...a, keyRef: b.keyRef }, undefined)).rejects.toMatchObject({ code: "ERR_KEY_MISMATCH" });
  });
});
