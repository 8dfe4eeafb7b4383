/**
 * edit_ca: change what future certificates get and the CA's metadata. Given values replace stored ones;
 * `null` clears a value (an empty list clears a URL list). The CA certificate itself never changes.
 */
import { findCa } from "../ca/find-ca.js";
import { assertCaName } from "../ca/new-ca.js";
import { expandUrlTemplates, signedCertificateTemplateContext } from "../ca/url-templates.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { assertSigningHashAllowed } from "../issuance/lint.js";
import type { ExtraRuleSet } from "../issuance/lint-rule-sets.js";
import { curveOfOid } from "../x509/algorithms.js";
import { parseCertificate } from "../x509/certificate.js";
import type { CaRepository, CaUpdate } from "../ports/ca-repository.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import type { UseCaseContext } from "../access/context.js";
import { auditEvent, guardChange } from "../access/guard.js";
import { formatGeneralName, type GeneralName } from "../x509/general-name.js";
import type { PolicyInformation } from "../x509/extensions/certificate-policies.js";
import type { Profiles } from "../issuance/profiles.js";
import { TscaError } from "../errors.js";
import { applyAcmeSettingsChange, type AcmeSettingsChange } from "../acme/settings-change.js";

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
  /** Lint rule sets beyond RFC 5280 (edit_ca --lint); [] resets to RFC 5280 only. */
  lintRuleSets?: ExtraRuleSet[];
  /** Certificate policies for what it signs (ca/signing-policies.ts); [] removes them. */
  signCertificatePolicies?: PolicyInformation[];
  /** Profile and validity (days) for requests that name none; null removes them. */
  defaultProfile?: string | null;
  defaultExpiresDays?: number | null;
  /** ACME settings (edit_ca --acme-*): the given ones replace the stored ones, allow/deny patterns are added. */
  acme?: AcmeSettingsChange;
}

/** The longest validity a default may have: the same bound sign_cert's --expires has (100 years). */
export const MAX_DEFAULT_EXPIRES_DAYS = 36_500;

export async function editCa(
  ctx: UseCaseContext,
  deps: { cas: CaRepository; uow: UnitOfWork; profiles: Pick<Profiles, "get"> },
  req: EditCaRequest,
): Promise<CertificateAuthority> {
  const ca = await findCa(deps.cas, req.ca);
  await guardChange(ctx, "edit", ca, "ca.edit", `ca:${ca.serial}`);
  const patch: CaUpdate = {};
  if (req.name !== undefined) {
    assertCaName(req.name);
    patch.name = req.name;
  }
  if (req.enabled !== undefined) patch.enabled = req.enabled;
  // {SERIAL_HEX}-style templates are filled in for this CA (ca/url-templates.ts).
  const names = (g: GeneralName[] | undefined): string[] | undefined =>
    g && expandUrlTemplates(g, signedCertificateTemplateContext(ca.serial)).map(formatGeneralName);
  if (req.signCrlUrls) patch.signCrlUrls = names(req.signCrlUrls)!;
  if (req.signOcspUrls) patch.signOcspUrls = names(req.signOcspUrls)!;
  if (req.signIssuerUrls) patch.signIssuerUrls = names(req.signIssuerUrls)!;
  if (req.signIssuerAltNames) patch.signIssuerAltNames = names(req.signIssuerAltNames)!;
  if (req.signFreshestCrlUrls) patch.signFreshestCrlUrls = names(req.signFreshestCrlUrls)!;
  if (req.website !== undefined) patch.website = req.website;
  if (req.termsOfService !== undefined) patch.termsOfService = req.termsOfService;
  if (req.caaIdentity !== undefined) patch.caaIdentity = req.caaIdentity;
  if (req.lintRuleSets !== undefined) {
    // A CA/B set on a CA whose stored hash does not match its curve would refuse everything it signs.
    assertSigningHashAllowed(req.lintRuleSets, ca.keyType, curveOfOid(parseCertificate(ca.der).curveOid), ca.signatureHash ?? undefined);
    patch.lintRuleSets = req.lintRuleSets;
  }
  if (req.signCertificatePolicies !== undefined) patch.signCertificatePolicies = req.signCertificatePolicies;
  if (req.defaultProfile !== undefined) {
    // An unknown profile would make every request without one fail at signing time; refuse it now.
    if (req.defaultProfile !== null) deps.profiles.get(req.defaultProfile);
    patch.defaultProfile = req.defaultProfile;
  }
  if (req.defaultExpiresDays !== undefined) {
    const d = req.defaultExpiresDays;
    if (d !== null && (!Number.isInteger(d) || d < 1 || d > MAX_DEFAULT_EXPIRES_DAYS))
      throw new TscaError(
        "ERR_INVALID_ARGUMENT",
        `${d}: The default expiry must be a whole number of days from 1 to ${MAX_DEFAULT_EXPIRES_DAYS}.`,
      );
    patch.defaultExpiresDays = d;
  }
  // The audit event names each ACME setting that changed (acme.enabled, acme.allowIdentifiers, …).
  let acmeChanged: string[] = [];
  if (req.acme !== undefined) {
    const { settings, changed } = applyAcmeSettingsChange(ca.acme, req.acme, deps.profiles);
    patch.acme = settings;
    acmeChanged = changed;
  }
  const changedFields = [...Object.keys(patch).filter((k) => k !== "acme"), ...acmeChanged].sort();
  const now = ctx.clock.now();
  await deps.uow.run(async (tx) => {
    await tx.cas.update(ca.serial, patch, now);
    await tx.audit.append(auditEvent(ctx, "ca.edit", `ca:${ca.serial}`, { changed: changedFields }), now);
  });
  return (await deps.cas.get(ca.serial))!;
}
