/**
 * ACME Renewal Information (RFC 9773 §4): GET renewal-info/{certID}, unauthenticated, answers when the
 * CA suggests renewing a certificate it issued; a revoked certificate gets a window in the past, so
 * clients renew at once. A certID this CA did not issue is 404 malformed.
 */
import { certificateAriId, parseAriCertId, serialHexFromDer, suggestedWindow } from "../../acme/ari.js";
import { AcmeProblem } from "../../acme/problem.js";
import type { AcmeDeps, AcmeRequest } from "./deps.js";

export async function renewalInfo(deps: AcmeDeps, r: AcmeRequest, certId: string): Promise<{ start: Date; end: Date }> {
  const { serial } = parseAriCertId(certId);
  const cert = await deps.certs.get(serialHexFromDer(serial));
  if (!cert || cert.caSerial !== r.ca.serial || certificateAriId(cert.der) !== certId)
    throw new AcmeProblem("malformed", "This CA issued no certificate with that ARI identifier.", { status: 404 });
  return suggestedWindow(cert.notBefore, cert.notAfter, cert.revokedAt !== null, deps.clock.now());
}
