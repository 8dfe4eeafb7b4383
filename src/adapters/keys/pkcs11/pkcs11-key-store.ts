/**
 * CA keys on a PKCS#11 token (issue 12). Keys are made on the token (C_GenerateKeyPair) or written to it
 * (C_CreateObject, for import_ca), always sensitive and non-extractable, so they never leave it. A key is
 * found by CKA_ID (16 random bytes, its keyRef in hex), because labels are not unique on a token.
 *
 * The pending protocol of the file store (ports/key-store.ts), with labels instead of file names: a new
 * key pair is labelled `tsca-pending.<SERIAL>.<STAMP>.<ms>.<final label>` (STAMP: the process, see
 * process-stamp.ts; ms: when it was written). `commit` sets CKA_LABEL to the final label on both objects,
 * `abort` destroys them, and `recover` finishes or removes what a process that is gone left pending.
 * `load` opens only keys with a final label, so a pending or aborted key is never used.
 */
import { createPublicKey, randomBytes, verify } from "node:crypto";
import { TscaError } from "../../../core/errors.js";
import type { KeyOptions } from "../../../core/ports/key-store-registry.js";
import type { KeySpec, KeyStore, PendingKey } from "../../../core/ports/key-store.js";
import type { Signer } from "../../../core/ports/signer.js";
import { parsePrivateKey, parsesWithoutPassword } from "../file-key-store.js";
import { keyTypeOf } from "../node-signer.js";
import { CKM_EC_EDWARDS_KEY_PAIR_GEN, curveOfKey, EC_PARAMS } from "./pkcs11-der.js";
import { ckrOf, tokenError } from "./pkcs11-errors.js";
import { openModule } from "./pkcs11-module.js";
import { attribute, findObjects, objectTemplates, privateFlags, readKey, type TokenKey } from "./pkcs11-objects.js";
import { PENDING_PREFIX, pendingLabel, recoverToken } from "./pkcs11-pending.js";
import { Pkcs11Signer } from "./pkcs11-signer.js";
import { allTokens, findToken, type PinSource, type Pkcs11Token, type TokenRef } from "./pkcs11-token.js";

export interface Pkcs11Settings {
  /** TSCA_PKCS11_LIBRARY; undefined: not configured (every use → ERR_PKCS11_LIBRARY naming the variable). */
  library: string | undefined;
  /** The user PIN: `configured()` without asking (env/file; undefined if none), `ask()` may prompt
   *  (throws ERR_PKCS11_PIN_REQUIRED when it cannot). Called at most once per token and process. */
  pin: PinSource;
}

/** Return values that mean "this token cannot make or hold that kind of key". */
const UNSUPPORTED = new Set([0x70, 0x71, 0x130, 0x140, 0x162, 0xd1, 0x13, 0x12]); // MECHANISM(_PARAM)_INVALID, DOMAIN_PARAMS, CURVE_NOT_SUPPORTED, KEY_SIZE_RANGE, TEMPLATE_INCONSISTENT, ATTRIBUTE_VALUE_INVALID, ATTRIBUTE_TYPE_INVALID

const describeSpec = (spec: KeySpec): string =>
  spec.keyType === "RSA" ? `RSA ${spec.keySize ?? 4096}` : spec.keyType === "EC" ? `EC ${spec.curve ?? "secp256r1"}` : spec.keyType;

/** Signers of committed keys by token and keyRef: object handles stay valid while the process is logged in. */
const loaded = new WeakMap<Pkcs11Token, Map<string, Promise<Pkcs11Signer>>>();

export class Pkcs11KeyStore implements KeyStore {
  readonly backend = "pkcs11";
  private readonly ref: TokenRef;
  private readonly label: string | undefined;

  /** options: a CA row's key_options or a request's: { token?: label, slot?: index, label?: key label }. */
  constructor(
    private readonly settings: Pkcs11Settings,
    options: KeyOptions,
  ) {
    this.ref = {
      ...(typeof options.token === "string" ? { token: options.token } : {}),
      ...(typeof options.slot === "number" && Number.isInteger(options.slot) ? { slot: options.slot } : {}),
    };
    this.label = typeof options.label === "string" ? options.label : undefined;
  }

  describe(keyRef: string): string {
    const token =
      this.ref.token !== undefined ? `"${this.ref.token}"` : this.ref.slot !== undefined ? `in slot ${this.ref.slot}` : "(the first one)";
    return `PKCS#11 token ${token}, key${this.label !== undefined ? ` "${this.label}"` : ""} (id ${keyRef})`;
  }

  /** The token of this store's options, logged in (asking for the PIN if the settings can). */
  private async token(): Promise<Pkcs11Token> {
    const t = findToken(openModule(this.settings.library), this.ref);
    await t.ensureLogin(this.settings.pin);
    return t;
  }

  async generate(serial: string, spec: KeySpec, password?: string): Promise<PendingKey> {
    refusePassword(password);
    const t = await this.token();
    const { p11, c } = t.module;
    const id = randomBytes(16);
    const finalLabel = this.label ?? `tsca-${serial}`;
    const label = pendingLabel(serial, finalLabel);
    let mechanism: number;
    let publicParams: { type: number; value: Buffer | number }[];
    if (spec.keyType === "RSA") {
      mechanism = c.CKM_RSA_PKCS_KEY_PAIR_GEN;
      publicParams = [
        { type: c.CKA_MODULUS_BITS, value: spec.keySize ?? 4096 },
        { type: c.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
      ];
    } else {
      mechanism = spec.keyType === "EC" ? c.CKM_EC_KEY_PAIR_GEN : CKM_EC_EDWARDS_KEY_PAIR_GEN;
      publicParams = [{ type: c.CKA_EC_PARAMS, value: EC_PARAMS[spec.keyType === "EC" ? (spec.curve ?? "secp256r1") : spec.keyType] }];
    }
    const unsupported = (e?: unknown): TscaError =>
      new TscaError(
        "ERR_PKCS11_MECHANISM",
        `PKCS#11 token "${t.label}" cannot generate ${describeSpec(spec)} keys${e instanceof Error ? ` (${e.message})` : ""}.`,
        e === undefined ? undefined : { cause: e },
      );
    let supported: boolean;
    try {
      supported = p11.C_GetMechanismList(t.slot).includes(mechanism);
      if (supported && spec.keyType === "RSA") {
        // CK_MECHANISM_INFO gives RSA sizes in bits (PKCS#11 v2.40 §2.1.6).
        const { minKeySize, maxKeySize } = p11.C_GetMechanismInfo(t.slot, mechanism);
        const bits = spec.keySize ?? 4096;
        supported = bits >= minKeySize && (maxKeySize === 0 || bits <= maxKeySize);
      }
    } catch (e) {
      throw tokenError(e, t.label, "listing its mechanisms");
    }
    if (!supported) throw unsupported();
    const common = [
      { type: c.CKA_TOKEN, value: true },
      { type: c.CKA_ID, value: id },
      { type: c.CKA_LABEL, value: label },
    ];
    const pair = await t
      .withSession(
        (s) =>
          p11.C_GenerateKeyPairAsync(
            s,
            { mechanism },
            [...common, { type: c.CKA_PRIVATE, value: false }, { type: c.CKA_VERIFY, value: true }, ...publicParams],
            [...common, ...privateFlags(t.module)],
          ),
        "generating a key pair",
      )
      .catch((e: unknown) => {
        throw UNSUPPORTED.has(ckrOf(e) ?? -1) ? unsupported(e) : tokenError(e, t.label, "generating a key pair");
      });
    return this.staged(t, serial, finalLabel, pair.privateKey, pair.publicKey);
  }

  async import(serial: string, keyBytes: Buffer, importPassword: string | undefined, password: string | undefined): Promise<PendingKey> {
    refusePassword(password);
    // node:crypto ignores a passphrase for a key that is not encrypted: say so, as the file store does.
    if (importPassword !== undefined && parsesWithoutPassword(keyBytes))
      throw new TscaError(
        "ERR_KEY_PASSWORD_UNEXPECTED",
        "A password was given for the private key to import, but that key is not encrypted.",
      );
    const key = parsePrivateKey(keyBytes, importPassword, "The private key to import");
    const keyType = keyTypeOf(key);
    const t = await this.token();
    const { p11, c } = t.module;
    const id = randomBytes(16);
    const finalLabel = this.label ?? `tsca-${serial}`;
    const { priv, pub } = objectTemplates(t.module, key, keyType);
    const common = [
      { type: c.CKA_TOKEN, value: true },
      { type: c.CKA_ID, value: id },
      { type: c.CKA_LABEL, value: pendingLabel(serial, finalLabel) },
    ];
    const handles = await t
      .withSession((s) => {
        const privateKey = p11.C_CreateObject(s, [...common, ...priv, ...privateFlags(t.module)]);
        try {
          const publicKey = p11.C_CreateObject(s, [
            ...common,
            ...pub,
            { type: c.CKA_PRIVATE, value: false },
            { type: c.CKA_VERIFY, value: true },
          ]);
          return { privateKey, publicKey };
        } catch (e) {
          destroyQuietly(t, s, privateKey);
          throw e;
        }
      }, "writing the imported key")
      .catch((e: unknown) => {
        if (UNSUPPORTED.has(ckrOf(e) ?? -1))
          throw new TscaError("ERR_PKCS11_MECHANISM", `PKCS#11 token "${t.label}" cannot hold ${keyType} keys (${(e as Error).message}).`, {
            cause: e,
          });
        throw tokenError(e, t.label, "writing the imported key");
      });
    return this.staged(t, serial, finalLabel, handles.privateKey, handles.publicKey);
  }

  /** The pending key over two new objects; the objects are destroyed if even reading them back fails. */
  private async staged(t: Pkcs11Token, serial: string, finalLabel: string, priv: Buffer, pub: Buffer): Promise<PendingKey> {
    const { p11, c } = t.module;
    let key: TokenKey;
    try {
      key = await t.withSession((s) => readKey(t.module, s, priv, pub), "reading the new key");
    } catch (e) {
      await t.withSession((s) => (destroyQuietly(t, s, priv), destroyQuietly(t, s, pub)), "removing the new key").catch(() => undefined);
      throw tokenError(e, t.label, "reading the new key");
    }
    let committed = false;
    return {
      signer: signerOf(t, key),
      keyRef: key.id.toString("hex").toUpperCase(),
      keyOptions: { token: t.label, label: finalLabel },
      encrypted: false,
      commit: async () => {
        await t
          .withSession((s) => {
            for (const h of [priv, pub]) p11.C_SetAttributeValue(s, h, [{ type: c.CKA_LABEL, value: finalLabel }]);
          }, `labelling the key of CA ${serial}`)
          .catch((e: unknown) => {
            throw tokenError(e, t.label, `labelling the key of CA ${serial}`);
          });
        committed = true;
      },
      abort: async () => {
        if (committed) return;
        await t
          .withSession((s) => {
            for (const h of [priv, pub]) p11.C_DestroyObject(s, h);
          }, `removing the key of CA ${serial}`)
          .catch((e: unknown) => {
            throw tokenError(e, t.label, `removing the key of CA ${serial}`);
          });
      },
    };
  }

  async load(keyRef: string, password: string | undefined): Promise<Signer> {
    refusePassword(password);
    const t = await this.token();
    let perToken = loaded.get(t);
    if (!perToken) loaded.set(t, (perToken = new Map()));
    const cacheKey = `${keyRef}\0${this.label ?? ""}`;
    let signer = perToken.get(cacheKey);
    // A cached handle is checked first (one attribute read): the key may have been deleted on the token.
    if (
      signer &&
      !(await signer.then(
        (k) => stillThere(t, k),
        () => false,
      ))
    ) {
      perToken.delete(cacheKey);
      signer = undefined;
    }
    if (!signer) {
      signer = this.find(t, keyRef);
      perToken.set(cacheKey, signer);
      signer.catch(() => perToken.delete(cacheKey));
    }
    return signer;
  }

  private async find(t: Pkcs11Token, keyRef: string): Promise<Pkcs11Signer> {
    const { c } = t.module;
    const notFound = (why: string): TscaError =>
      new TscaError("ERR_KEY_NOT_FOUND", `PKCS#11 token "${t.label}" has no private key with id ${keyRef}${why}.`);
    if (!/^([0-9A-F]{2})+$/.test(keyRef)) throw notFound("");
    const id = Buffer.from(keyRef, "hex");
    const key = await t
      .withSession((s) => {
        const privs = findObjects(t.module, s, [
          { type: c.CKA_CLASS, value: c.CKO_PRIVATE_KEY },
          { type: c.CKA_ID, value: id },
        ]);
        const labels = privs.map((h) => attribute(t.module, s, h, c.CKA_LABEL)?.toString("utf8") ?? "");
        const i = labels.findIndex((l) => (this.label !== undefined ? l === this.label : !l.startsWith(PENDING_PREFIX)));
        if (i < 0)
          throw notFound(
            labels.some((l) => l.startsWith(PENDING_PREFIX))
              ? " that is ready: the key is still pending (its CA creation has not finished)"
              : this.label !== undefined
                ? ` and label "${this.label}"`
                : "",
          );
        const pub = findObjects(t.module, s, [
          { type: c.CKA_CLASS, value: c.CKO_PUBLIC_KEY },
          { type: c.CKA_ID, value: id },
        ])[0];
        return readKey(t.module, s, privs[i]!, pub);
      }, "looking up a key")
      .catch((e: unknown) => {
        throw tokenError(e, t.label, "looking up a key");
      });
    return signerOf(t, key);
  }

  /**
   * The operator's key already on the token (import_ca without a key file): the private key whose public
   * key is `spki`, among those labelled `label` if given. Its pending key changes nothing on the token,
   * except that a key without CKA_ID gets a random one, since tsca finds keys by id.
   */
  async findByCertificate(spki: Buffer, label?: string): Promise<PendingKey> {
    const t = await this.token();
    const { p11, c } = t.module;
    const m = t.module;
    const wanted = createPublicKey({ key: spki, format: "der", type: "spki" });
    const wantedType = keyTypeOf(wanted);
    // First the private keys whose public object (same CKA_ID, or any public object when the key has no
    // id) or own attributes give `spki`; keys whose public key cannot be read are kept as candidates.
    const search = await t
      .withSession((s) => {
        const candidates: { priv: Buffer; id: Buffer; key: TokenKey | undefined; label: string }[] = [];
        const template = [
          { type: c.CKA_CLASS, value: c.CKO_PRIVATE_KEY },
          ...(label !== undefined ? [{ type: c.CKA_LABEL, value: label }] : []),
        ];
        for (const priv of findObjects(m, s, template)) {
          const id = attribute(m, s, priv, c.CKA_ID) ?? Buffer.alloc(0);
          const pubTemplate = [{ type: c.CKA_CLASS, value: c.CKO_PUBLIC_KEY }, ...(id.length ? [{ type: c.CKA_ID, value: id }] : [])];
          const privLabel = attribute(m, s, priv, c.CKA_LABEL)?.toString("utf8") ?? "";
          let readable = false;
          for (const pub of [...findObjects(m, s, pubTemplate), undefined]) {
            try {
              const k = readKey(m, s, priv, pub);
              readable = true;
              if (k.spki.equals(spki)) return { priv, key: k, label: privLabel };
            } catch {
              // an object of another key type, or a public key this store cannot read: not this pair
            }
          }
          if (!readable) candidates.push({ priv, id, key: undefined, label: privLabel });
        }
        return candidates;
      }, "looking for the certificate's key")
      .catch((e: unknown) => {
        throw tokenError(e, t.label, "looking for the certificate's key");
      });
    const probe = randomBytes(32);
    const hash = wantedType === "RSA" || wantedType === "EC" ? "SHA-256" : undefined;
    /** Whether `key`'s private key signs for the certificate's public key: trusted only once it has. */
    const signsFor = async (key: TokenKey): Promise<boolean> => {
      try {
        return verify(hash && "sha256", probe, wanted, await signerOf(t, key).sign(probe, hash));
      } catch {
        return false;
      }
    };
    let found: { key: TokenKey; label: string } | undefined;
    if (!Array.isArray(search)) {
      if (!search.key || !(await signsFor(search.key)))
        throw new TscaError(
          "ERR_KEY_MISMATCH",
          `The private key on PKCS#11 token "${t.label}" does not sign for the certificate's public key.`,
        );
      found = { key: search.key, label: search.label };
    } else
      for (const candidate of search) {
        const details = wanted.asymmetricKeyDetails;
        const key: TokenKey = {
          id: candidate.id,
          priv: candidate.priv,
          pub: undefined,
          keyType: wantedType,
          curve: curveOfKey(wanted),
          spki,
          modulusBytes: Math.ceil((details?.modulusLength ?? 0) / 8),
        };
        if (await signsFor(key)) {
          found = { key, label: candidate.label };
          break;
        }
      }
    if (!found)
      throw new TscaError(
        "ERR_KEY_NOT_FOUND",
        `No private key on PKCS#11 token "${t.label}"${label !== undefined ? ` labelled "${label}"` : ""} matches the certificate's public key.`,
      );
    let key = found.key;
    if (key.id.length === 0) {
      // tsca finds keys by CKA_ID (labels are not unique): give the operator's key one, on both objects.
      const id = randomBytes(16);
      await t
        .withSession((s) => {
          for (const h of [key.priv, key.pub]) if (h) p11.C_SetAttributeValue(s, h, [{ type: c.CKA_ID, value: id }]);
        }, "setting the key's id")
        .catch((e: unknown) => {
          throw tokenError(e, t.label, "setting the key's id");
        });
      key = { ...key, id };
    }
    return {
      signer: signerOf(t, key),
      keyRef: key.id.toString("hex").toUpperCase(),
      keyOptions: { token: t.label, label: found.label },
      encrypted: false,
      commit: () => Promise.resolve(),
      abort: () => Promise.resolve(),
    };
  }

  async recover(rowExists: (serial: string) => Promise<boolean>): Promise<void> {
    let tokens: Pkcs11Token[];
    try {
      const m = openModule(this.settings.library);
      tokens = this.ref.token !== undefined || this.ref.slot !== undefined ? [findToken(m, this.ref)] : allTokens(m);
    } catch {
      return; // no module, no token: nothing this process can recover
    }
    for (const t of tokens) {
      try {
        if (
          await t.ensureLogin({ configured: () => this.settings.pin.configured(), ask: () => Promise.reject(new Error("no prompt")) }, true)
        )
          await recoverToken(t, rowExists);
      } catch {
        // Left for a later command: recovery never stops an unrelated one (wrong PIN, token failing).
      }
    }
  }
}

function refusePassword(password: string | undefined): void {
  if (password !== undefined)
    throw new TscaError(
      "ERR_KEY_PASSWORD_UNEXPECTED",
      "A password was given, but a token key is protected by the token's PIN, not a password.",
    );
}

const signerOf = (t: Pkcs11Token, k: TokenKey): Pkcs11Signer =>
  new Pkcs11Signer(t, k.priv, k.keyType, k.spki, k.id.toString("hex").toUpperCase(), k.curve, k.modulusBytes);

/** Whether the private key object of a cached signer still exists (its handle still names an object). */
async function stillThere(t: Pkcs11Token, signer: Pkcs11Signer): Promise<boolean> {
  return t
    .withSession((s) => t.module.p11.C_GetAttributeValue(s, signer.handle, [{ type: t.module.c.CKA_CLASS }]), "checking a key")
    .then(
      () => true,
      () => false,
    );
}

function destroyQuietly(t: Pkcs11Token, s: Buffer, h: Buffer): void {
  try {
    t.module.p11.C_DestroyObject(s, h);
  } catch {
    // best effort: recovery removes what is left pending
  }
}
