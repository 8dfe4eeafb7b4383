/** A Signer over a node:crypto KeyObject (file-backed keys). */
import { createPublicKey, sign, type KeyObject } from "node:crypto";
import { NODE_HASH, type HashAlgorithm, type KeyType } from "../../core/x509/algorithms.js";
import type { Signer } from "../../core/ports/signer.js";
import { TscaError } from "../../core/errors.js";

export function keyTypeOf(key: KeyObject): KeyType {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return "RSA";
    case "ec":
      return "EC";
    case "ed25519":
      return "Ed25519";
    case "ed448":
      return "Ed448";
    default:
      throw new TscaError(
        "ERR_KEY_INVALID",
        `${key.asymmetricKeyType ?? "unknown"}: Unsupported private key type (RSA, EC, Ed25519 and Ed448 are supported).`,
      );
  }
}

export class NodeSigner implements Signer {
  readonly keyType: KeyType;
  readonly spki: Buffer;

  constructor(private readonly key: KeyObject) {
    this.keyType = keyTypeOf(key);
    this.spki = createPublicKey(key).export({ type: "spki", format: "der" });
  }

  sign(data: Buffer, hash: HashAlgorithm | undefined): Promise<Buffer> {
    // EdDSA signs the message itself (RFC 8032); RSA PKCS#1 v1.5 and DER-encoded ECDSA otherwise.
    const alg = this.keyType === "Ed25519" || this.keyType === "Ed448" ? null : NODE_HASH[hash ?? "SHA-256"];
    return Promise.resolve(sign(alg, data, this.key));
  }
}
