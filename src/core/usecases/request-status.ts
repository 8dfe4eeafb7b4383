/**
 * request_status: what became of a signing request — pending, issued (with the certificate's serial) or
 * failed (with the error code and the sentence sign_cert would have printed). Seeing it takes the view
 * permission on its CA; a request the actor may not see is reported as not found (no hint at what exists).
 */
import type { UseCaseContext } from "../access/context.js";
import { allows } from "../access/permissions.js";
import { TscaError } from "../errors.js";
import type { SigningRequest, SigningRequestRepository } from "../ports/signing-requests.js";

export async function requestStatus(
  ctx: UseCaseContext,
  deps: { signingRequests: SigningRequestRepository },
  id: string,
): Promise<SigningRequest> {
  const req = /^[0-9a-f]{1,64}$/i.test(id) ? await deps.signingRequests.get(id.toLowerCase()) : undefined;
  if (!req || !allows(ctx.access, "view", req.caSerial)) throw new TscaError("ERR_REQUEST_NOT_FOUND", `${id}: Signing request not found.`);
  return req;
}
