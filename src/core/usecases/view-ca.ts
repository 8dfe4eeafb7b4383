/** view_ca: everything an operator needs to know about one CA (never its key). */
import type { UseCaseContext } from "../access/context.js";
import { authorize } from "../access/permissions.js";
import { caStatus, type CaStatus, type CertificateAuthority } from "../ca/certificate-authority.js";
import { caBlocker, type CaBlocker } from "../ca/ca-blocker.js";
import { findCa } from "../ca/find-ca.js";
import { ancestry, maxSubCaLevels } from "../ca/hierarchy.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { Clock } from "../ports/clock.js";
import { fingerprint, parseCertificate, type ParsedCertificate } from "../x509/certificate.js";
import { describeExtension, type DescribedExtension } from "../x509/extensions/registry.js";
import { signatureAlgorithmName } from "../x509/algorithms.js";

export interface CaView {
  ca: CertificateAuthority;
  cert: ParsedCertificate;
  status: CaStatus;
  /** Why this CA cannot sign now: itself or the first ancestor that is revoked, disabled, expired or not yet valid; undefined = usable. */
  blocker: CaBlocker | undefined;
  parent: CertificateAuthority | undefined;
  children: CertificateAuthority[];
  /** How many CA levels may still be created below this CA; null = unlimited. */
  maxSubCaLevels: number | null;
  keyLocation: string;
  signatureAlgorithm: string;
  extensions: DescribedExtension[];
  fingerprints: { "SHA-256": string; "SHA-512": string };
  /** DER of this CA and its ancestors up to the root, this CA first. */
  chain: Buffer[];
}

export async function viewCa(
  ctx: UseCaseContext,
  deps: { cas: CaRepository; clock: Clock; describeKey: (ca: CertificateAuthority) => string },
  identifier: string,
): Promise<CaView> {
  const ca = await findCa(deps.cas, identifier);
  authorize(ctx, "view", ca.serial, ca.name);
  const all = await deps.cas.list();
  const bySerial = new Map(all.map((c) => [c.serial, c]));
  const chain = ancestry(ca, (s) => bySerial.get(s));
  const cert = parseCertificate(ca.der);
  const now = deps.clock.now();
  return {
    ca,
    cert,
    status: caStatus(ca, now),
    blocker: caBlocker(ca, (s) => bySerial.get(s), now),
    parent: ca.parentSerial ? bySerial.get(ca.parentSerial) : undefined,
    children: all.filter((c) => c.parentSerial === ca.serial),
    maxSubCaLevels: maxSubCaLevels(chain),
    keyLocation: deps.describeKey(ca),
    signatureAlgorithm: signatureAlgorithmName(cert.signatureAlgorithmOid),
    extensions: cert.extensions.map(describeExtension).sort((a, b) => a.name.localeCompare(b.name)),
    fingerprints: { "SHA-256": fingerprint(ca.der, "sha256"), "SHA-512": fingerprint(ca.der, "sha512") },
    chain: chain.map((c) => c.der),
  };
}
