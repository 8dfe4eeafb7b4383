/**
 * A signing request as the API shows it: `{id, status, ca, created_at, updated_at}`, plus the certificate
 * (serial and PEM) once issued, or the problem (RFC 9457) it failed with — the same problem a direct
 * signing would have answered, so a script handles both the same way.
 */
import { ERROR_CODES, TscaError, type ErrorCode } from "../../../core/errors.js";
import type { IssuedCertificate } from "../../../core/certificates/certificate.js";
import { formatSerial } from "../../../core/issuance/serial.js";
import type { SigningRequest } from "../../../core/ports/signing-requests.js";
import { toPem } from "../../../core/x509/pem.js";
import { problemOf, type Problem } from "../problem.js";

/** The error a failed request records, as a TscaError again (its code decides the HTTP status). */
export function requestError(req: SigningRequest): TscaError {
  const code = req.errorCode && req.errorCode in ERROR_CODES ? (req.errorCode as ErrorCode) : "ERR_INTERNAL";
  const message = code === "ERR_INTERNAL" ? "An unexpected internal error occurred." : (req.errorMessage ?? "The request failed.");
  return new TscaError(code, message, { fields: { request: req.id } });
}

export interface SigningRequestJson {
  id: string;
  status: SigningRequest["status"];
  ca: string;
  created_at: string;
  updated_at: string;
  certificate?: { serial: string; pem: string };
  error?: Problem;
}

export function signingRequestJson(req: SigningRequest, certificate?: IssuedCertificate): SigningRequestJson {
  return {
    id: req.id,
    status: req.status,
    ca: formatSerial(req.caSerial),
    created_at: req.createdAt.toISOString(),
    updated_at: req.updatedAt.toISOString(),
    ...(certificate ? { certificate: { serial: formatSerial(certificate.serial), pem: toPem(certificate.der, "CERTIFICATE") } } : {}),
    ...(req.status === "failed" ? { error: problemOf(requestError(req)) } : {}),
  };
}
