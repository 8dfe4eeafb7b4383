/**
 * A PKCS#10 request as a web form or JSON body carries it: PEM (RFC 7468 §7), where `NEW CERTIFICATE
 * REQUEST` is the label older tools write. Shared by the REST API (body.csr) and the web admin (the CSR
 * field); `field` names where it came from in the refusal.
 */
import { TscaError } from "../../core/errors.js";
import { fromPemAll } from "../../core/x509/pem.js";

export function csrDerFromPem(pem: string, field: string): Buffer {
  const der = fromPemAll(pem, "CERTIFICATE REQUEST")[0] ?? fromPemAll(pem, "NEW CERTIFICATE REQUEST")[0];
  if (!der || der.length === 0)
    throw new TscaError("ERR_CSR_INVALID", `${field}: no PEM block labelled CERTIFICATE REQUEST.`, { fields: { field } });
  return der;
}
