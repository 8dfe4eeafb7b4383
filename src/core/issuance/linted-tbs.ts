/**
 * The lint token: a to-be-signed certificate that has passed lint. Only `lintForSigning` here makes one,
 * and the one function that signs certificates (sign-certificate.ts) accepts nothing else, so no
 * certificate — end entity, CA or OCSP responder — reaches a Signer without being linted first.
 *
 * The token holds the encoded TBSCertificate (RFC 5280 §4.1.1.1) with its signature algorithm already in
 * it (§4.1.2.3), so what was linted is byte for byte what is signed. The constructor is guarded by a
 * module-private symbol and every token made is remembered in a module-private WeakSet: a hand-made
 * object, a copy, or `Object.create(LintedTbs.prototype)` is refused at run time, not only by the types.
 * The bytes are copied in and out, so changing a buffer after lint cannot change what is signed.
 */
import { TscaError } from "../errors.js";
import { signatureAlgorithmIdentifier, type EllipticCurve, type HashAlgorithm, type KeyType } from "../x509/algorithms.js";
import { describeSpki, encodeTbsCertificate, type TbsFields } from "../x509/certificate.js";
import { decodeName } from "../x509/name.js";
import { lintByKind, refuse, type CertificateKind } from "./lint.js";
import type { ExtraRuleSet } from "./lint-rule-sets.js";

/** The TBSCertificate fields; the signature algorithm follows from the signing key and hash. */
export type CertificateToSign = Omit<TbsFields, "signatureAlgorithm">;

/** The issuing key as lint needs it: its type and curve, and the hash it signs with (none for EdDSA). */
export interface SigningKeyInfo {
  keyType: KeyType;
  curve?: EllipticCurve | undefined;
  hash: HashAlgorithm | undefined;
}

const MINT = Symbol("LintedTbs");
const minted = new WeakSet<object>();

export class LintedTbs {
  readonly #tbs: Buffer;
  readonly #algorithm: Buffer;

  private constructor(
    key: symbol,
    tbs: Buffer,
    algorithm: Buffer,
    readonly kind: CertificateKind["kind"],
    readonly signing: Readonly<SigningKeyInfo>,
  ) {
    if (key !== MINT) throw new TscaError("ERR_LINT", "Refused: a certificate can only be signed after lint.");
    this.#tbs = Buffer.from(tbs);
    this.#algorithm = Buffer.from(algorithm);
    minted.add(this);
    Object.freeze(this);
  }

  /** The DER TBSCertificate (a copy). */
  get tbs(): Buffer {
    return Buffer.from(this.#tbs);
  }

  /** The DER signature AlgorithmIdentifier inside the TBS, repeated outside it (§4.1.1.2; a copy). */
  get signatureAlgorithm(): Buffer {
    return Buffer.from(this.#algorithm);
  }

  /** @internal Only lintForSigning calls this. */
  static mint(key: symbol, tbs: Buffer, algorithm: Buffer, kind: CertificateKind["kind"], signing: SigningKeyInfo): LintedTbs {
    return new LintedTbs(key, tbs, algorithm, kind, Object.freeze({ ...signing }));
  }
}

/** True only for a token that lintForSigning made. */
export const isLintedTbs = (x: unknown): x is LintedTbs => typeof x === "object" && x !== null && minted.has(x);

/**
 * Lint the certificate as `kind` with the RFC 5280 rules and the selected rule sets, then encode it:
 * ERR_LINT naming the first finding, or the token that sign-certificate.ts needs. The subject and key type
 * are read back from the encoded fields, so the rules see what the certificate will carry.
 */
export function lintForSigning(
  cert: CertificateToSign,
  kind: CertificateKind,
  signing: SigningKeyInfo,
  sets: readonly ExtraRuleSet[] = [],
): LintedTbs {
  const { keyType } = describeSpki(cert.spki);
  if (keyType === "unknown")
    throw new TscaError(
      "ERR_LINT",
      "Refused by lint: the subject public key is of an unsupported type (spki_key_type, RFC 5280 §4.1.2.7).",
    );
  refuse(
    lintByKind(
      {
        serial: cert.serial,
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
        subject: decodeName(cert.subject),
        keyType,
        extensions: cert.extensions,
        signature: { issuerKeyType: signing.keyType, issuerCurve: signing.curve, hash: signing.hash },
      },
      kind,
      sets,
    ),
  );
  const algorithm = signatureAlgorithmIdentifier(signing.keyType, signing.hash);
  return LintedTbs.mint(MINT, encodeTbsCertificate({ ...cert, signatureAlgorithm: algorithm }), algorithm, kind.kind, signing);
}
