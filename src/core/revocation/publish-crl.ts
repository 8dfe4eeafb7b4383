/**
 * Publishing one CRL of a CA: gather what the scope covers, encode and sign it with a number allocated
 * by the repository, store it. dump_crl, generate_crls and revoke_ca all go through here, so every CRL
 * tsca makes follows the same rules:
 *
 * - Entries: revoked end-entity certificates (user scope) and revoked child CAs (CA scope), limited to the
 *   scope's reasons. An expired certificate stays until it has appeared on one CRL issued after it expired
 *   (RFC 5280 §5.1.2.6), then drops out.
 * - A delta CRL (§5.2.4) is computed against the newest complete CRL of the same scope by reading that
 *   CRL's own entries: it lists every revocation the base does not (or with another reason), and
 *   removeFromCRL (§5.3.1) for base entries that are no longer revoked (released from certificateHold).
 * - Entries are read in batches and encoded as they come, before the number is allocated; the
 *   transaction that holds the number lock only signs and stores.
 */
import { TscaError } from "../errors.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { CertificateRepository } from "../ports/certificate-repository.js";
import type { RevokedEntry } from "../ports/crl-repository.js";
import type { Clock } from "../ports/clock.js";
import type { CrlRepository, StoredCrl } from "../ports/crl-repository.js";
import type { Signer } from "../ports/signer.js";
import { keyIdentifier, parseCertificate } from "../x509/certificate.js";
import { parseCrl } from "../x509/crl.js";
import { subjectKeyIdentifier } from "../x509/extensions/key-identifiers.js";
import { findExtension } from "../x509/extensions/registry.js";
import { signCrl } from "./crl-builder.js";
import { RevokedCertificatesWriter, type CrlEntry } from "./crl-entries.js";
import { describeScope, scopeCoversReason, scopeExtension, type CrlScope } from "./crl-scope.js";
import { parseReason, reasonCode, type RevocationReason } from "./reasons.js";

export interface CrlDeps {
  cas: CaRepository;
  certs: CertificateRepository;
  crls: CrlRepository;
  clock: Clock;
}

export interface PublishCrlRequest {
  ca: CertificateAuthority;
  signer: Signer;
  scope: CrlScope;
  /** Seconds from thisUpdate to nextUpdate. */
  expiresSeconds: number;
  delta?: boolean;
}

export interface PublishedCrl {
  crl: StoredCrl;
  entryCount: number;
}

/** removeFromCRL (RFC 5280 §5.3.1): only in delta CRLs, so it is not a reason one can revoke with. */
const REMOVE_FROM_CRL = 8;

type ReasonOf = (stored: string | null) => RevocationReason | null;

/** Revocation reasons as stored (either spelling), memoized: a CRL reads the same few strings a million times. */
function reasonReader(): ReasonOf {
  const memo = new Map<string, RevocationReason>();
  return (stored) => {
    if (stored === null || stored === "") return null;
    let r = memo.get(stored);
    if (r === undefined) {
      try {
        r = parseReason(stored);
      } catch {
        r = "unspecified"; // anything unreadable counts as unspecified
      }
      memo.set(stored, r);
    }
    return r;
  };
}

const codeOf = (r: RevocationReason | null): number | null => (r === null ? null : reasonCode(r));

/** One revocation: a certificate row, or a revoked child CA in that shape. */
type Candidate = Pick<RevokedEntry, "serial" | "revokedAt" | "reason" | "compromisedAt">;

/** Every revocation the scope covers, of certificates not expired before `notAfterSince`, in batches. */
async function* candidates(
  deps: CrlDeps,
  ca: CertificateAuthority,
  scope: CrlScope,
  notAfterSince: Date,
  reasonOf: ReasonOf,
): AsyncGenerator<Candidate[]> {
  if (scope.kind !== "ca") {
    for await (const batch of deps.crls.revokedCertificates(ca.serial, notAfterSince))
      yield scope.onlySomeReasons.length ? batch.filter((r) => scopeCoversReason(scope, reasonOf(r.reason))) : batch;
  }
  if (scope.kind !== "user") {
    const children: Candidate[] = [];
    for (const child of await deps.cas.list()) {
      if (child.parentSerial !== ca.serial || !child.revokedAt || child.notAfter < notAfterSince) continue;
      if (scopeCoversReason(scope, reasonOf(child.revokedReason)))
        children.push({ serial: child.serial, revokedAt: child.revokedAt, reason: child.revokedReason, compromisedAt: null });
    }
    yield children;
  }
}

const toEntry = (c: Candidate, reasonOf: ReasonOf): CrlEntry => ({
  serial: c.serial,
  revokedAt: c.revokedAt,
  reasonCode: codeOf(reasonOf(c.reason)),
  invalidityDate: c.compromisedAt,
});

async function* completeEntries(source: AsyncIterable<Candidate[]>, reasonOf: ReasonOf): AsyncGenerator<CrlEntry[]> {
  for await (const batch of source) yield batch.map((c) => toEntry(c, reasonOf));
}

/** The entries of a delta CRL against `base` (§5.2.4). */
async function deltaEntries(
  deps: CrlDeps,
  ca: CertificateAuthority,
  scope: CrlScope,
  base: StoredCrl,
  source: AsyncIterable<Candidate[]>,
  now: Date,
  reasonOf: ReasonOf,
): Promise<CrlEntry[]> {
  const onBase = new Map<string, { revokedAt: Date; reasonCode: number | null }>();
  for (const e of parseCrl(base.der).entries()) onBase.set(e.serial, { revokedAt: e.revokedAt, reasonCode: e.reasonCode });
  const out: CrlEntry[] = [];
  for await (const batch of source)
    for (const c of batch) {
      const entry = toEntry(c, reasonOf);
      const was = onBase.get(c.serial);
      // A base entry without reasonCode means unspecified (0), which we never write either.
      if (!was || (was.reasonCode ?? 0) !== (entry.reasonCode ?? 0)) out.push(entry);
      onBase.delete(c.serial);
    }
  // Base entries not revoked any more: released from hold (listed with removeFromCRL), or expired (left out).
  for (const [serial, was] of onBase) {
    const cert = scope.kind !== "ca" ? await deps.certs.get(serial) : undefined;
    const child = cert ? undefined : await deps.cas.get(serial);
    const item = cert ?? (child?.parentSerial === ca.serial ? child : undefined);
    if (item && !item.revokedAt && item.notAfter >= now)
      out.push({ serial, revokedAt: was.revokedAt, reasonCode: REMOVE_FROM_CRL, invalidityDate: null });
  }
  return out;
}

/**
 * The issuer name and the AKI key identifier of the CA's CRLs: its SKI extension (§5.2.1 → §4.2.1.1), or
 * computed as §4.2.1.2 (1) when it has none. The signer must hold the CA certificate's key.
 */
function crlIssuer(ca: CertificateAuthority, signer: Signer): { issuer: Buffer; keyId: Buffer } {
  const cert = parseCertificate(ca.der);
  if (!signer.spki.equals(cert.spki))
    throw new TscaError("ERR_KEY_MISMATCH", `The private key of "${ca.name}" does not belong to its certificate.`);
  return { issuer: cert.subjectDer, keyId: findExtension(cert.extensions, subjectKeyIdentifier) ?? keyIdentifier(cert.spki) };
}

export async function publishCrl(deps: CrlDeps, req: PublishCrlRequest): Promise<PublishedCrl> {
  const { ca, scope } = req;
  if (!Number.isInteger(req.expiresSeconds) || req.expiresSeconds <= 0)
    throw new TscaError("ERR_EXPIRES", `${req.expiresSeconds}: The CRL validity must be a positive number of seconds.`);
  const { issuer, keyId } = crlIssuer(ca, req.signer);
  const now = new Date(Math.floor(deps.clock.now().getTime() / 1000) * 1000);
  const nextUpdate = new Date(now.getTime() + req.expiresSeconds * 1000);
  const previous = await deps.crls.latest(ca.serial, scope, "complete");
  if (req.delta && !previous)
    throw new TscaError(
      "ERR_CRL_NO_BASE",
      `There is no complete ${describeScope(scope)} CRL of CA "${ca.name}" to base a delta CRL on; make one without --delta first.`,
    );

  // §5.1.2.6: keep an expired certificate until one CRL issued after its expiry has listed it.
  const notAfterSince = previous && previous.thisUpdate < now ? previous.thisUpdate : now;
  const reasonOf = reasonReader();
  const source = candidates(deps, ca, scope, req.delta ? now : notAfterSince, reasonOf);
  const entries = req.delta
    ? await RevokedCertificatesWriter.of(await deltaEntries(deps, ca, scope, previous!, source, now, reasonOf))
    : await RevokedCertificatesWriter.of(completeEntries(source, reasonOf));
  const idp = scopeExtension(scope);

  const crl = await deps.crls.store(ca.serial, scope, now, async (number) => {
    const signed = await signCrl(
      {
        issuer,
        authorityKeyId: keyId,
        number: BigInt(number),
        thisUpdate: now,
        nextUpdate,
        entries,
        ...(idp ? { issuingDistributionPoint: idp } : {}),
        ...(req.delta ? { baseCrlNumber: BigInt(previous!.number) } : {}),
      },
      req.signer,
      ca.signatureHash ?? undefined,
    );
    return { delta: Boolean(req.delta), baseNumber: req.delta ? previous!.number : null, thisUpdate: now, nextUpdate, der: signed.der };
  });
  return { crl, entryCount: entries.count };
}
