/**
 * Token objects: finding them, reading their attributes, and the templates that create them. A key pair
 * is read back as a TokenKey (type, curve, public key as SPKI); the public key comes from the public
 * object, or from the private key's own attributes when there is none (RSA modulus and exponent, or
 * CKA_PUBLIC_KEY_INFO).
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { TscaError } from "../../../core/errors.js";
import type { KeyType } from "../../../core/x509/algorithms.js";
import {
  CKK_EC_EDWARDS,
  curveOfKey,
  curveOfParams,
  EC_PARAMS,
  ecSpki,
  jwkBuffers,
  rsaSpki,
  unwrapEcPoint,
  wrapEcPoint,
  type TokenCurve,
} from "./pkcs11-der.js";
import { ckrOf } from "./pkcs11-errors.js";
import type { Pkcs11Module, Template } from "./pkcs11-module.js";

/** CKA_PUBLIC_KEY_INFO (PKCS#11 v2.40 §4.7): the SPKI some modules keep on a private key. */
const CKA_PUBLIC_KEY_INFO = 0x129;

/** What one key pair on the token is: its objects, its public key and how to sign with it. */
export interface TokenKey {
  /** CKA_ID (empty when the object has none). */
  id: Buffer;
  priv: Buffer;
  pub: Buffer | undefined;
  keyType: KeyType;
  curve: TokenCurve | undefined;
  spki: Buffer;
  modulusBytes: number;
}

/** A private key that stays on the token (PKCS#11 v2.40 §4.9: sensitive, never extractable). */
export function privateFlags(m: Pkcs11Module): { type: number; value: boolean }[] {
  const { c } = m;
  return [
    { type: c.CKA_PRIVATE, value: true },
    { type: c.CKA_SENSITIVE, value: true },
    { type: c.CKA_EXTRACTABLE, value: false },
    { type: c.CKA_SIGN, value: true },
  ];
}

/** C_CreateObject templates of a parsed private key and its public key (PKCS#11 v2.40 §2.1.3/§2.3.3/§2.3.4). */
export function objectTemplates(m: Pkcs11Module, key: KeyObject, keyType: KeyType): { priv: Template; pub: Template } {
  const { c } = m;
  const j = jwkBuffers(key);
  const priv: Template = [{ type: c.CKA_CLASS, value: c.CKO_PRIVATE_KEY }];
  const pub: Template = [{ type: c.CKA_CLASS, value: c.CKO_PUBLIC_KEY }];
  if (keyType === "RSA") {
    const n = { type: c.CKA_MODULUS, value: j.n };
    const e = { type: c.CKA_PUBLIC_EXPONENT, value: j.e };
    return {
      priv: [
        ...priv,
        { type: c.CKA_KEY_TYPE, value: c.CKK_RSA },
        n,
        e,
        { type: c.CKA_PRIVATE_EXPONENT, value: j.d },
        { type: c.CKA_PRIME_1, value: j.p },
        { type: c.CKA_PRIME_2, value: j.q },
        { type: c.CKA_EXPONENT_1, value: j.dp },
        { type: c.CKA_EXPONENT_2, value: j.dq },
        { type: c.CKA_COEFFICIENT, value: j.qi },
      ],
      pub: [...pub, { type: c.CKA_KEY_TYPE, value: c.CKK_RSA }, n, e],
    };
  }
  const curve = curveOfKey(key);
  if (!curve)
    throw new TscaError(
      "ERR_KEY_INVALID",
      "The private key to import is on a curve a token key cannot use (P-256, P-384, P-521, Ed25519, Ed448).",
    );
  const type = { type: c.CKA_KEY_TYPE, value: keyType === "EC" ? c.CKK_EC : CKK_EC_EDWARDS };
  const params = { type: c.CKA_EC_PARAMS, value: EC_PARAMS[curve] };
  const point = keyType === "EC" ? Buffer.concat([Buffer.from([4]), j.x!, j.y!]) : j.x!;
  return {
    priv: [...priv, type, params, { type: c.CKA_VALUE, value: j.d }],
    pub: [...pub, type, params, { type: c.CKA_EC_POINT, value: wrapEcPoint(point) }],
  };
}

export function findObjects(m: Pkcs11Module, session: Buffer, template: Template): Buffer[] {
  const { p11 } = m;
  p11.C_FindObjectsInit(session, template);
  try {
    const found: Buffer[] = [];
    for (;;) {
      const batch = p11.C_FindObjects(session, 64);
      if (batch.length === 0) return found;
      found.push(...batch);
    }
  } finally {
    p11.C_FindObjectsFinal(session);
  }
}

/** One attribute of an object, undefined when the object has none (or hides it). */
export function attribute(m: Pkcs11Module, session: Buffer, handle: Buffer, type: number): Buffer | undefined {
  try {
    return m.p11.C_GetAttributeValue(session, handle, [{ type }])[0]?.value;
  } catch (e) {
    const rv = ckrOf(e);
    if (rv === m.c.CKR_ATTRIBUTE_TYPE_INVALID || rv === m.c.CKR_ATTRIBUTE_SENSITIVE) return undefined;
    throw e;
  }
}

/** A CK_ULONG attribute (native byte order and size; little-endian on the platforms Node supports). */
export const ulong = (b: Buffer | undefined): number | undefined =>
  b === undefined ? undefined : b.length >= 8 ? Number(b.readBigUInt64LE()) : b.readUInt32LE();

/** Type and public key of a private key, from its public object or, failing that, from the private key. */
export function readKey(m: Pkcs11Module, s: Buffer, priv: Buffer, pub: Buffer | undefined): TokenKey {
  const { c } = m;
  const from = (type: number): Buffer | undefined => (pub && attribute(m, s, pub, type)) ?? attribute(m, s, priv, type);
  const kt = ulong(attribute(m, s, priv, c.CKA_KEY_TYPE));
  const id = attribute(m, s, priv, c.CKA_ID) ?? Buffer.alloc(0);
  const invalid = (why: string): TscaError => new TscaError("ERR_KEY_INVALID", `The key on the PKCS#11 token ${why}.`);
  if (kt === c.CKK_RSA) {
    const n = from(c.CKA_MODULUS);
    const e = from(c.CKA_PUBLIC_EXPONENT);
    if (!n || !e) throw invalid("has no readable RSA public key");
    let modulusBytes = n.length;
    for (let i = 0; i < n.length && n[i] === 0; i++) modulusBytes--;
    return { id, priv, pub, keyType: "RSA", curve: undefined, spki: rsaSpki(n, e), modulusBytes };
  }
  if (kt !== c.CKK_EC && kt !== CKK_EC_EDWARDS) throw invalid(`is of an unsupported type (CKK ${kt})`);
  const params = from(c.CKA_EC_PARAMS);
  const curve = params && curveOfParams(params);
  if (!curve) throw invalid("is on an unsupported curve (P-256, P-384, P-521, Ed25519 and Ed448 are supported)");
  const keyType: KeyType = curve === "Ed25519" || curve === "Ed448" ? curve : "EC";
  const point = pub && attribute(m, s, pub, c.CKA_EC_POINT);
  let spki: Buffer;
  if (point) spki = ecSpki(curve, unwrapEcPoint(point, curve));
  else {
    const info = attribute(m, s, priv, CKA_PUBLIC_KEY_INFO);
    if (!info?.length) throw invalid("has no public key object and no CKA_PUBLIC_KEY_INFO");
    spki = createPublicKey({ key: info, format: "der", type: "spki" }).export({ type: "spki", format: "der" });
  }
  return { id, priv, pub, keyType, curve, spki, modulusBytes: 0 };
}
