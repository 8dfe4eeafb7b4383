/**
 * A Signer over a private key on a token. The digest is computed here with node:crypto and only the
 * digest goes to the token: SoftHSM 2.6 has no CKM_ECDSA_SHA256, and hashing on the host is what every
 * HSM supports (CKM_ECDSA, CKM_RSA_PKCS). EdDSA signs the message itself (RFC 8032 §5.1.6), with
 * CKM_EDDSA. C_Sign runs asynchronously on a libuv thread, one session per signature (pkcs11-token.ts).
 */
import { createHash } from "node:crypto";
import type { Signer } from "../../../core/ports/signer.js";
import { NODE_HASH, type HashAlgorithm, type KeyType } from "../../../core/x509/algorithms.js";
import { CKM_EDDSA, DIGEST_INFO_PREFIX, rawEcdsaToDer, signatureSize, type TokenCurve } from "./pkcs11-der.js";
import { TscaError } from "../../../core/errors.js";
import { ckrOf, tokenError } from "./pkcs11-errors.js";
import type { Pkcs11Token } from "./pkcs11-token.js";

export class Pkcs11Signer implements Signer {
  private readonly size: number;

  constructor(
    private readonly token: Pkcs11Token,
    /** The private key's object handle, valid as long as this process is logged in to the token. */
    readonly handle: Buffer,
    readonly keyType: KeyType,
    readonly spki: Buffer,
    /** CKA_ID in upper-case hex, for messages. */
    private readonly keyRef: string,
    curve: TokenCurve | undefined,
    modulusBytes: number,
  ) {
    this.size = signatureSize(keyType, curve, modulusBytes);
  }

  async sign(data: Buffer, hash: HashAlgorithm | undefined): Promise<Buffer> {
    const { p11, c } = this.token.module;
    let mechanism: number;
    let input: Buffer;
    if (this.keyType === "Ed25519" || this.keyType === "Ed448") {
      mechanism = CKM_EDDSA;
      input = data;
    } else {
      const h = hash ?? "SHA-256";
      const digest = createHash(NODE_HASH[h]).update(data).digest();
      // RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.1): the token pads DigestInfo ‖ digest; ECDSA signs the digest.
      [mechanism, input] =
        this.keyType === "RSA" ? [c.CKM_RSA_PKCS, Buffer.concat([DIGEST_INFO_PREFIX[h], digest])] : [c.CKM_ECDSA, digest];
    }
    const signature = await this.token
      .withSession(async (session) => {
        p11.C_SignInit(session, { mechanism }, this.handle);
        return p11.C_SignAsync(session, input, Buffer.alloc(this.size));
      }, "signing")
      .catch((e: unknown) => {
        const rv = ckrOf(e);
        if (rv === c.CKR_OBJECT_HANDLE_INVALID || rv === c.CKR_KEY_HANDLE_INVALID)
          throw new TscaError("ERR_KEY_NOT_FOUND", `The key (id ${this.keyRef}) is no longer on PKCS#11 token "${this.token.label}".`, {
            cause: e,
          });
        throw tokenError(e, this.token.label, "signing");
      });
    return this.keyType === "EC" ? rawEcdsaToDer(signature) : signature;
  }
}
