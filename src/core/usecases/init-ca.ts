/**
 * init_ca: create a root CA, or an intermediate signed by `parent`. Order matters for safety: everything
 * that can be refused (subject, key parameters, name, parent usability, path length, parent password) is
 * checked before a key exists; the key is then staged, the row inserted, and only then the key committed.
 * After that commit, initCaAndPublish makes the CA's first CRLs and OCSP responder.
 */
import { TscaError } from "../errors.js";
import { caExtensions, type CaCertificateOptions } from "../ca/ca-extensions.js";
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
import { resolveKeyParameters, type KeyDefaults, type KeyParameters } from "../ca/key-parameters.js";
import { newSerial } from "../issuance/serial.js";
import { notAfterForDays, signCertificate, wholeSeconds } from "../issuance/sign-certificate.js";
import { assertSigningHashAllowed } from "../issuance/lint.js";
import { mergeRuleSets, type ExtraRuleSet } from "../issuance/lint-rule-sets.js";
import type { Signer } from "../ports/signer.js";
import { keyIdentifier, parseCertificate } from "../x509/certificate.js";
import { formatGeneralName, parseGeneralName } from "../x509/general-name.js";
import { encodeName, formatName, type Name } from "../x509/name.js";
import { curveOfOid, type HashAlgorithm } from "../x509/algorithms.js";
import type { CaDeps } from "./deps.js";
import { publishNewCa, type PublicationOutcome, type PublicationSettings, type PublishNewCaDeps } from "./publish-new-ca.js";

export type { SignedCertificateUrls };

export interface InitCaRequest {
  name: string;
  subject: Name;
  key: KeyParameters;
  keyDefaults: KeyDefaults;
  password?: string;
  parent?: string;
  parentPassword?: string;
  expiresDays: number;
  certificate: CaCertificateOptions;
  sign: SignedCertificateUrls;
  website?: string;
  termsOfService?: string;
  caaIdentity?: string;
  /** Lint rule sets beyond RFC 5280 for what this CA signs (init_ca --lint). */
  lintRuleSets?: ExtraRuleSet[];
  /** HOST[:PORT] of `tsca serve`: empty URL groups get its default URLs (see ca/default-urls.ts). */
  defaultHostname?: string;
}

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

export async function initCa(deps: CaDeps, req: InitCaRequest): Promise<CertificateAuthority> {
  assertCaName(req.name);
  const cn = caCommonName(req.subject);
  if (!Number.isInteger(req.expiresDays) || req.expiresDays <= 0)
    throw new TscaError("ERR_EXPIRES", `${req.expiresDays}: Expiry must be a positive number of days.`);
  const { spec, hash } = resolveKeyParameters(req.key, req.keyDefaults);
  const lintRuleSets = req.lintRuleSets ?? [];
  // An explicit --algorithm that does not match the curve is allowed by RFC 5280, not by the CA/B sets.
  assertSigningHashAllowed(lintRuleSets, spec.keyType, spec.curve, hash ?? undefined);
  const now = wholeSeconds(deps.clock.now());

  await assertCaNameFree(deps.cas, req.name);

  let parent: CertificateAuthority | undefined;
  let parentSigner: Signer | undefined;
  let notAfter = notAfterForDays(now, req.expiresDays);
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
    parentSigner = await deps.keys.load(parent.keyRef, req.parentPassword);
  } else {
    assertRootWithoutOwnUrls(req.certificate);
  }

  const serial = newSerial(deps.random);
  const given = {
    // {SERIAL_HEX}-style templates (ca/url-templates.ts) are filled in now that the serials are known.
    sign: expandSignedCertificateUrls(req.sign, serial),
    certificate: parent ? expandOwnCertificateUrls(req.certificate, serial, parent.serial) : req.certificate,
  };
  const { sign, certificate } = req.defaultHostname
    ? withDefaultUrls(req.defaultHostname, serial, parent?.serial, given.sign, given.certificate)
    : given;
  const pending = await deps.keys.generate(serial, spec, req.password);
  return storeNewCa(deps.cas, pending, async () => {
    const subjectDer = encodeName(req.subject);
    const ski = keyIdentifier(pending.signer.spki);
    const issuerSigner = parentSigner ?? pending.signer;
    const issuerHash: HashAlgorithm | undefined = parent ? (parent.signatureHash ?? undefined) : (hash ?? undefined);
    const issuerKeyId = parent ? keyIdentifier(parentSigner!.spki) : ski;
    const issuerAltNames = parent ? parent.signIssuerAltNames.map((g) => parseGeneralName(g)) : [];
    const der = await signCertificate(
      {
        serial,
        issuer: parent ? parseIssuerDer(parent) : subjectDer,
        subject: subjectDer,
        notBefore: now,
        notAfter,
        spki: pending.signer.spki,
        extensions: caExtensions({ ...certificate, issuerAltNames: [...certificate.issuerAltNames, ...issuerAltNames] }, ski, issuerKeyId),
      },
      issuerSigner,
      issuerHash,
    );
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
      keyBackend: deps.keys.backend,
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
  deps: CaDeps & PublishNewCaDeps,
  req: InitCaRequest,
  settings: PublicationSettings,
): Promise<{ ca: CertificateAuthority; publication: PublicationOutcome }> {
  const ca = await initCa(deps, req);
  return { ca, publication: await publishNewCa(deps, ca, req.password, settings) };
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

/** The issuer field of a child is the parent's subject exactly as encoded in the parent certificate (§4.1.2.4). */
function parseIssuerDer(parent: CertificateAuthority): Buffer {
  return parseCertificate(parent.der).subjectDer;
}
