/**
 * edit_ca: change what future certificates get and the CA's metadata. Given values replace stored ones;
 * `null` clears a value (an empty list clears a URL list). The CA certificate itself never changes.
 */
import { findCa } from "../ca/find-ca.js";
import { assertCaName } from "../ca/new-ca.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import type { CaRepository, CaUpdate } from "../ports/ca-repository.js";
import type { Clock } from "../ports/clock.js";
import { formatGeneralName, type GeneralName } from "../x509/general-name.js";

export interface EditCaRequest {
  ca: string;
  name?: string;
  enabled?: boolean;
  signCrlUrls?: GeneralName[];
  signOcspUrls?: GeneralName[];
  signIssuerUrls?: GeneralName[];
  signIssuerAltNames?: GeneralName[];
  signFreshestCrlUrls?: GeneralName[];
  website?: string | null;
  termsOfService?: string | null;
  caaIdentity?: string | null;
}

export async function editCa(deps: { cas: CaRepository; clock: Clock }, req: EditCaRequest): Promise<CertificateAuthority> {
  const ca = await findCa(deps.cas, req.ca);
  const patch: CaUpdate = {};
  if (req.name !== undefined) {
    assertCaName(req.name);
    patch.name = req.name;
  }
  if (req.enabled !== undefined) patch.enabled = req.enabled;
  const names = (g: GeneralName[] | undefined): string[] | undefined => g?.map(formatGeneralName);
  if (req.signCrlUrls) patch.signCrlUrls = names(req.signCrlUrls)!;
  if (req.signOcspUrls) patch.signOcspUrls = names(req.signOcspUrls)!;
  if (req.signIssuerUrls) patch.signIssuerUrls = names(req.signIssuerUrls)!;
  if (req.signIssuerAltNames) patch.signIssuerAltNames = names(req.signIssuerAltNames)!;
  if (req.signFreshestCrlUrls) patch.signFreshestCrlUrls = names(req.signFreshestCrlUrls)!;
  if (req.website !== undefined) patch.website = req.website;
  if (req.termsOfService !== undefined) patch.termsOfService = req.termsOfService;
  if (req.caaIdentity !== undefined) patch.caaIdentity = req.caaIdentity;
  await deps.cas.update(ca.serial, patch, deps.clock.now());
  return (await deps.cas.get(ca.serial))!;
}
