/**
 * Encoding OCSP responses directly in DER (RFC 6960 §4.2.1), with every per-responder part encoded once:
 *
 *   OCSPResponse      ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
 *   ResponseBytes     ::= SEQUENCE { responseType OBJECT IDENTIFIER (id-pkix-ocsp-basic), response OCTET STRING }
 *   BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm AlgorithmIdentifier,
 *                         signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 *   ResponseData      ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1 (omitted, DER), responderID ResponderID,
 *                         producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse,
 *                         responseExtensions [1] EXPLICIT Extensions OPTIONAL }
 *   SingleResponse    ::= SEQUENCE { certID CertID, certStatus CertStatus, thisUpdate GeneralizedTime,
 *                         nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1] EXPLICIT Extensions OPTIONAL }
 *   CertStatus        ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL }
 *   RevokedInfo       ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
 */
import type { Signer } from "../ports/signer.js";
import { signatureAlgorithmIdentifier, type HashAlgorithm } from "../x509/algorithms.js";
import { keyIdentifier } from "../x509/certificate.js";
import { bitString, enumerated, explicit, generalizedTime, implicitConstructed, octetString, oid, sequence } from "../x509/der.js";
import { encodeExtension } from "../x509/extensions/extension.js";
import { OID } from "../x509/oids.js";

/** OCSPResponseStatus (§4.2.1); 4 is not used. */
export const OCSP_RESPONSE_STATUS = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
} as const;
export type OcspResponseStatus = keyof typeof OCSP_RESPONSE_STATUS;
export type OcspErrorStatus = Exclude<OcspResponseStatus, "successful">;

/** Error responses carry no responseBytes and are never signed (§4.2.1), so they are constants. */
export const OCSP_ERROR_RESPONSES: Readonly<Record<OcspErrorStatus, Buffer>> = {
  malformedRequest: sequence(enumerated(1)),
  internalError: sequence(enumerated(2)),
  tryLater: sequence(enumerated(3)),
  sigRequired: sequence(enumerated(5)),
  unauthorized: sequence(enumerated(6)),
};

export type SingleStatus =
  | { kind: "good" }
  /** `reason` is the CRLReason code; undefined for unspecified, which is left out as on CRLs (RFC 5280 §5.3.1). */
  | { kind: "revoked"; revokedAt: Date; reason: number | undefined; invalidityDate: Date | undefined }
  | { kind: "unknown" };

const GOOD = Buffer.from([0x80, 0x00]);
const UNKNOWN = Buffer.from([0x82, 0x00]);

export function encodeCertStatus(s: SingleStatus): Buffer {
  if (s.kind === "good") return GOOD;
  if (s.kind === "unknown") return UNKNOWN;
  return implicitConstructed(1, generalizedTime(s.revokedAt), ...(s.reason !== undefined ? [explicit(0, enumerated(s.reason))] : []));
}

/**
 * One SingleResponse. The CertID is the client's own encoding, so that it matches byte for byte whatever
 * hash algorithm it chose (§4.2.1). A known compromise time becomes the CRL entry extension
 * invalidityDate, which §4.4.7 (RFC 5280 §5.3.2) allows among singleExtensions.
 */
export function encodeSingleResponse(certIdRaw: Buffer, status: SingleStatus, thisUpdate: Date, nextUpdate: Date | undefined): Buffer {
  const invalidity =
    status.kind === "revoked" && status.invalidityDate
      ? [
          explicit(
            1,
            sequence(encodeExtension({ oid: OID.invalidityDate, critical: false, value: generalizedTime(status.invalidityDate) })),
          ),
        ]
      : [];
  return sequence(
    certIdRaw,
    encodeCertStatus(status),
    generalizedTime(thisUpdate),
    ...(nextUpdate ? [explicit(0, generalizedTime(nextUpdate))] : []),
    ...invalidity,
  );
}

/** A delegated responder (§4.2.2.2) ready to sign: everything that does not change per response is pre-encoded. */
export interface OcspSigningKey {
  signer: Signer;
  hash: HashAlgorithm | undefined;
  /** The responder certificate (DER), sent in `certs` so clients can check the delegation. */
  certificate: Buffer;
  notAfter: Date;
  /** ResponderID byKey: [2] EXPLICIT OCTET STRING, the SHA-1 of the responder's public key bits (§4.2.2.3). */
  responderId: Buffer;
  signatureAlgorithm: Buffer;
  /** certs [0] EXPLICIT SEQUENCE OF Certificate. */
  certs: Buffer;
}

export function prepareSigningKey(signer: Signer, certificate: Buffer, notAfter: Date): OcspSigningKey {
  const hash: HashAlgorithm | undefined = signer.keyType === "RSA" || signer.keyType === "EC" ? "SHA-256" : undefined;
  return {
    signer,
    hash,
    certificate,
    notAfter,
    responderId: explicit(2, octetString(keyIdentifier(signer.spki))),
    signatureAlgorithm: signatureAlgorithmIdentifier(signer.keyType, hash),
    certs: explicit(0, sequence(certificate)),
  };
}

/**
 * Sign ResponseData and wrap it into a successful OCSPResponse. `nonceExtension` is the client's nonce
 * Extension, echoed as received (RFC 8954 §2.1, RFC 6960 §4.4.1).
 */
export async function signOcspResponse(key: OcspSigningKey, producedAt: Date, singles: Buffer[], nonceExtension?: Buffer): Promise<Buffer> {
  const tbs = sequence(
    key.responderId,
    generalizedTime(producedAt),
    sequence(...singles),
    ...(nonceExtension ? [explicit(1, sequence(nonceExtension))] : []),
  );
  const signature = await key.signer.sign(tbs, key.hash);
  const basic = sequence(tbs, key.signatureAlgorithm, bitString(signature), key.certs);
  return sequence(enumerated(OCSP_RESPONSE_STATUS.successful), explicit(0, sequence(oid(OID.ocspBasic), octetString(basic))));
}
