/**
 * init_ca: create a root CA, or an intermediate signed by `parent`. Order matters for safety: everything
 * that can be refused (subject, key parameters, name, parent usability, path length, parent password) is
 * checked before a key exists; the key is then staged, the row inserted, and only then the key committed.
 * After that commit, initCaAndPublish makes the CA's first CRLs and OCSP responder.
 */
import { TscaError } from "../errors.js";
import type { CaCertificateOptions } from "../ca/ca-extensions.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { findCa } from "../ca/find-ca.js";
import {
  assertCaName,
  assertCaNameFree,
  caCommonName,
  expandSignedCertificateUrls,
  signUrlFields,
  storeNewCa,
  type SignedCertificateUrls,
} from "../ca/new-ca.js";
import { expandUrlTemplates, ownCertificateTemplateContext } from "../ca/url-templates.js";
import { withDefaultUrls } from "../ca/default-urls.js";
import { ancestry, assertAllowsIntermediate, assertUsable } from "../ca/hierarchy.js";
import { resolveKeyParameters, type KeyParameters } from "../ca/key-parameters.js";
import { newSerial } from "../issuance/serial.js";
import { notAfterForDays, wholeSeconds } from "../issuance/sign-certificate.js";
import { signCaCertificate } from "../issuance/ca-certificate.js";
import { caKeyStore, loadCaSigner } from "../issuance/ca-signer.js";
import { assertSigningHashAllowed } from "../issuance/lint.js";
import { mergeRuleSets, type ExtraRuleSet } from "../issuance/lint-rule-sets.js";
import { parseCertificate } from "../x509/certificate.js";
import { formatGeneralName } from "../x509/general-name.js";
import { encodeName, formatName, type Name } from "../x509/name.js";
import { curveOfOid } from "../x509/algorithms.js";
import type { CaDeps, WriteDeps } from "./deps.js";
import { publishNewCa, type PublicationOutcome, type PublishNewCaDeps } from "./publish-new-ca.js";
import type { UseCaseContext } from "../access/context.js";
import { guardKeyHost } from "../access/guard.js";
import { recordedInsert } from "../ca/recorded-insert.js";
import type { KeyOptions } from "../ports/key-store-registry.js";
import type { Profiles } from "../issuance/profiles.js";
import { applyAcmeSettingsChange, type AcmeSettingsChange } from "../acme/settings-change.js";

export type { SignedCertificateUrls };

export interface InitCaRequest {
  name: string;
  subject: Name;
  /** The key type defaults to the configured one (Defaults.keyType), sizes and curves to Defaults.key. */
  key: Omit<KeyParameters, "keyType"> & { keyType?: KeyParameters["keyType"] };
  password?: string;
  parent?: string;
  parentPassword?: string;
  /** Days; undefined: Defaults.caExpiresDays. */
  expiresDays?: number;
  certificate: CaCertificateOptions;
  sign: SignedCertificateUrls;
  website?: string;
  termsOfService?: string;
  caaIdentity?: string;
  /** Lint rule sets beyond RFC 5280 for what this CA signs (init_ca --lint). */
  lintRuleSets?: ExtraRuleSet[];
  /** HOST[:PORT] of `tsca serve`: empty URL groups get its default URLs (see ca/default-urls.ts). */
  defaultHostname?: string | false;
  /** The key store for the new key (registry name) and its options (PKCS#11: token, key label); default: the registry's default, none. */
  keyBackend?: string;
  keyOptions?: KeyOptions;
  /** ACME settings of the new CA (init_ca --acme-*); absent: ACME disabled. */
  acme?: AcmeSettingsChange;
}

/** Without the configured profiles, no profile can be named. */
const NO_PROFILES: Pick<Profiles, "get"> = {
  get: (name) => {
    throw new TscaError("ERR_PROFILE", `${name}: Profile is not defined (no profiles were given to init_ca).`);
  },
};

/** A root CA has no issuer that could publish its status (spec: "CRLs cannot be used to revoke root CAs"). */
function assertRootWithoutOwnUrls(c: CaCertificateOptions): void {
  if (c.crlUrls.length)
    throw new TscaError("ERR_ROOT_CA_URL", "CRLs cannot be used to revoke root CAs, so a root CA cannot have --ca-crl-url.");
  if (c.ocspUrls.length)
    throw new TscaError(
      "ERR_ROOT_CA_URL",
      `${c.ocspUrls.map(formatGeneralName).join(", ")}: An OCSP responder cannot be added to root CAs.`,
    );
  if (c.issuerUrls.length)
    throw new TscaError("ERR_ROOT_CA_URL", `${c.issuerUrls.map(formatGeneralName).join(", ")}: A CA issuer cannot be added to root CAs.`);
}

/** init_ca checks a named ACME profile against the configured profiles (when `acme.profile` is given they are needed). */
export type InitCaDeps = CaDeps & WriteDeps & { profiles?: Pick<Profiles, "get"> };

export async function initCa(ctx: UseCaseContext, deps: InitCaDeps, req: InitCaRequest): Promise<CertificateAuthority> {
  await guardKeyHost(ctx, "ca.create", `ca-name:${req.name}`);
  assertCaName(req.name);
  const cn = caCommonName(req.subject);
  const expiresDays = req.expiresDays ?? deps.defaults.caExpiresDays;
  if (!Number.isInteger(expiresDays) || expiresDays <= 0)
    throw new TscaError("ERR_EXPIRES", `${expiresDays}: Expiry must be a positive number of days.`);
  const { spec, hash } = resolveKeyParameters({ ...req.key, keyType: req.key.keyType ?? deps.defaults.keyType }, deps.defaults.key);
  const lintRuleSets = req.lintRuleSets ?? [];
  // An explicit --algorithm that does not match the curve is allowed by RFC 5280, not by the CA/B sets.
  assertSigningHashAllowed(lintRuleSets, spec.keyType, spec.curve, hash ?? undefined);
  // Refused before a key exists, like every other bad option (unknown profile, malformed pattern).
  const acme = req.acme && applyAcmeSettingsChange(undefined, req.acme, deps.profiles ?? NO_PROFILES).settings;
  const now = wholeSeconds(deps.clock.now());

  await assertCaNameFree(deps.cas, req.name);

  let parent: CertificateAuthority | undefined;
  let parentSigner: Awaited<ReturnType<typeof loadCaSigner>> | undefined;
  let notAfter = notAfterForDays(now, expiresDays);
  if (req.parent !== undefined) {
    parent = await findCa(deps.cas, req.parent);
    const all = new Map((await deps.cas.list()).map((ca) => [ca.serial, ca]));
    const chain = ancestry(parent, (s) => all.get(s));
    assertUsable(chain, now, "Parent CA");
    assertAllowsIntermediate(chain, req.certificate.pathLength);
    // An intermediate never outlives its parent (RFC 5280 §6.1.3 (a)(2) would reject the path after that).
    if (notAfter > parent.notAfter) notAfter = parent.notAfter;
    // The parent signs this certificate: under the CA/B sets (its own or the new CA's) with its curve's hash.
    assertSigningHashAllowed(
      mergeRuleSets(parent.lintRuleSets, lintRuleSets),
      parent.keyType,
      curveOfOid(parseCertificate(parent.der).curveOid),
      parent.signatureHash ?? undefined,
    );
    parentSigner = await loadCaSigner(deps.keys, parent, req.parentPassword);
  } else {
    assertRootWithoutOwnUrls(req.certificate);
  }

  const serial = newSerial(deps.random);
  const given = {
    // {SERIAL_HEX}-style templates (ca/url-templates.ts) are filled in now that the serials are known.
    sign: expandSignedCertificateUrls(req.sign, serial),
    certificate: parent ? expandOwnCertificateUrls(req.certificate, serial, parent.serial) : req.certificate,
  };
  const hostname = req.defaultHostname === false ? undefined : (req.defaultHostname ?? deps.defaults.hostname);
  const { sign, certificate } = hostname ? withDefaultUrls(hostname, serial, parent?.serial, given.sign, given.certificate) : given;
  // The row records the backend and what the store says it needs to find the key again (PendingKey.keyOptions).
  const store = caKeyStore(deps.keys, { keyBackend: req.keyBackend ?? deps.keys.defaultBackend, keyOptions: req.keyOptions ?? {} });
  const pending = await store.generate(serial, spec, req.password);
  return storeNewCa(recordedInsert(ctx, deps.uow, "ca.create"), pending, async () => {
    // Linted as a CA certificate, then signed by the parent or, for a root, by its own key (issuance/ca-certificate.ts).
    const der = await signCaCertificate({
      serial,
      subject: encodeName(req.subject),
      notBefore: now,
      notAfter,
      signer: pending.signer,
      hash: hash ?? undefined,
      certificate,
      lintRuleSets,
      ...(parent && parentSigner ? { parent: { ca: parent, signer: parentSigner } } : {}),
    });
    return {
      serial,
      name: req.name,
      parentSerial: parent?.serial ?? null,
      enabled: true,
      commonName: cn,
      subject: formatName(req.subject),
      notBefore: now,
      notAfter,
      pathLength: req.certificate.pathLength,
      keyType: spec.keyType,
      signatureHash: hash,
      keyBackend: store.backend,
      keyOptions: pending.keyOptions ?? req.keyOptions ?? {},
      keyRef: pending.keyRef,
      keyEncrypted: pending.encrypted,
      der,
      ...signUrlFields(sign),
      website: req.website ?? null,
      termsOfService: req.termsOfService ?? null,
      caaIdentity: req.caaIdentity ?? null,
      revokedAt: null,
      revokedReason: null,
      lintRuleSets,
      ...(acme ? { acme } : {}),
      createdAt: now,
      updatedAt: now,
    };
  });
}

/**
 * init_ca as the command runs it: the CA (committed first, complete on its own), then its first CRLs and
 * its OCSP responder with the same password (publish-new-ca.ts), so its URLs answer at once. A failure of
 * that second step keeps the CA and is reported in `publication`.
 */
export async function initCaAndPublish(
  ctx: UseCaseContext,
  deps: InitCaDeps & PublishNewCaDeps,
  req: InitCaRequest,
): Promise<{ ca: CertificateAuthority; publication: PublicationOutcome }> {
  const ca = await initCa(ctx, deps, req);
  return { ca, publication: await publishNewCa(ctx, deps, ca, req.password) };
}

/** The URLs in an intermediate's own certificate, templates filled in (ca/url-templates.ts). */
function expandOwnCertificateUrls(c: CaCertificateOptions, serial: string, parentSerial: string): CaCertificateOptions {
  const ctx = ownCertificateTemplateContext(serial, parentSerial);
  return {
    ...c,
    crlUrls: expandUrlTemplates(c.crlUrls, ctx),
    ocspUrls: expandUrlTemplates(c.ocspUrls, ctx),
    issuerUrls: expandUrlTemplates(c.issuerUrls, ctx),
  };
}
