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
 *   transaction that holds the number lock only checks, signs and stores.
 * - CRLs never go backwards (RFC 5280 §5.2.3: numbers monotonically increase; §5.1.2.4): a higher number
 *   never has an earlier thisUpdate and never omits a revocation a lower number listed. Two publishers
 *   of one scope may read at once, and the one that read earlier may get the lock later. So the
 *   revocation change-feed position is noted before reading (`readFrom`: every revocation committed by
 *   then is in what is read) and after (`readTo`: nothing read committed later), and stored with the
 *   CRL. Under the number lock, if the newest stored CRL of the scope had read past our `readFrom`, or
 *   (for a delta) a newer complete CRL exists than our base, what we read may lack what it lists: the
 *   transaction rolls back (the number is freed) and we read again. Otherwise every earlier CRL read
 *   nothing we lack, whatever was revoked meanwhile (that goes on the next CRL), so a steady stream of
 *   revocations never forces a re-read; only another publisher storing first does. thisUpdate is taken
 *   under the lock and never earlier than the newest stored one (a host whose clock is behind).
 * - A complete full CRL of a CA that publishes delta CRLs (Freshest CRL URLs set, the same ones its
 *   certificates carry, §4.2.1.15) names them in the non-critical Freshest CRL extension (§5.2.6).
 */
import { TscaError } from "../errors.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { CertificateRepository } from "../ports/certificate-repository.js";
import type { RevokedEntry } from "../ports/crl-repository.js";
import type { Clock } from "../ports/clock.js";
import type { RevocationChangeFeed } from "../ports/revocation-change-feed.js";
import type { CrlRepository, CrlStamp, StoredCrl } from "../ports/crl-repository.js";
import type { Signer } from "../ports/signer.js";
import { keyIdentifier, parseCertificate } from "../x509/certificate.js";
import { parseCrl } from "../x509/crl.js";
import { subjectKeyIdentifier } from "../x509/extensions/key-identifiers.js";
import { freshestCrl } from "../x509/extensions/distribution-points.js";
import { makeExtension, type Extension } from "../x509/extensions/extension.js";
import { findExtension } from "../x509/extensions/registry.js";
import { parseGeneralName } from "../x509/general-name.js";
import { signCrl } from "./crl-builder.js";
import { RevokedCertificatesWriter, type CrlEntry } from "./crl-entries.js";
import { describeScope, isFullScope, scopeCoversReason, scopeExtension, type CrlScope } from "./crl-scope.js";
import { parseReason, reasonCode, type RevocationReason } from "./reasons.js";

export interface CrlDeps {
  cas: CaRepository;
  certs: CertificateRepository;
  crls: CrlRepository;
  /** Its position (latest()) tells whether another publisher read revocations this one has not. */
  changes: Pick<RevocationChangeFeed, "latest">;
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

/** How many times a publisher reads again while other publishers keep storing newer CRLs of its scope first. */
const MAX_ATTEMPTS = 8;

/** Thrown inside the number transaction when what this publisher read is older than a CRL stored since. */
class Overtaken extends Error {}

const wholeSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

/**
 * The Freshest CRL extension of a complete CRL (§5.2.6): only on the full CRL, because the delta CRLs at
 * those URLs are full-scope deltas (generate_crls) and a delta only extends a base of the same scope.
 */
export function freshestCrlExtension(ca: CertificateAuthority, scope: CrlScope): Extension | undefined {
  if (!isFullScope(scope) || ca.signFreshestCrlUrls.length === 0) return undefined;
  return makeExtension(freshestCrl, [ca.signFreshestCrlUrls.map((u) => parseGeneralName(u))], false);
}

/**
 * Whether `newest` (the newest CRL of the scope, seen under the number lock) may list a revocation that
 * a publisher which started reading at change-feed position `readFrom` lacks, or (a delta CRL based on
 * `base`) has a newer complete CRL than that base.
 */
function overtakes(newest: CrlStamp, readFrom: number, base: number | undefined): boolean {
  if (newest.revocationSeq !== null && newest.revocationSeq > readFrom) return true;
  const newestBase = newest.delta ? newest.baseNumber : newest.number;
  return base !== undefined && newestBase !== null && newestBase > base;
}

export async function publishCrl(deps: CrlDeps, req: PublishCrlRequest): Promise<PublishedCrl> {
  if (!Number.isInteger(req.expiresSeconds) || req.expiresSeconds <= 0)
    throw new TscaError("ERR_EXPIRES", `${req.expiresSeconds}: The CRL validity must be a positive number of seconds.`);
  const signing = crlIssuer(req.ca, req.signer);
  for (let attempt = 1; ; attempt++) {
    try {
      return await publishOnce(deps, req, signing);
    } catch (e) {
      if (!(e instanceof Overtaken)) throw e;
      // Each retry means another publisher stored a CRL of this scope first, so some CRL is always current.
      if (attempt === MAX_ATTEMPTS)
        throw new TscaError(
          "ERR_CRL_CONTENDED",
          `Other processes kept storing newer ${describeScope(req.scope)} CRLs of CA "${req.ca.name}" while this one was being made, so none was stored; try again.`,
        );
    }
  }
}

async function publishOnce(deps: CrlDeps, req: PublishCrlRequest, signing: { issuer: Buffer; keyId: Buffer }): Promise<PublishedCrl> {
  const { ca, scope } = req;
  const readFrom = await deps.changes.latest();
  const now = wholeSeconds(deps.clock.now());
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
  const readTo = await deps.changes.latest();
  const idp = scopeExtension(scope);
  const base = req.delta ? previous!.number : undefined;
  const freshest = req.delta ? undefined : freshestCrlExtension(ca, scope);

  const crl = await deps.crls.store(ca.serial, scope, now, async (number, newest) => {
    if (newest && overtakes(newest, readFrom, base)) throw new Overtaken();
    // §5.1.2.4: the issue date, so taken under the lock that orders the numbers; never before the newest.
    const signedAt = wholeSeconds(deps.clock.now());
    const thisUpdate = new Date(Math.max(signedAt.getTime(), now.getTime(), newest?.thisUpdate.getTime() ?? 0));
    const nextUpdate = new Date(thisUpdate.getTime() + req.expiresSeconds * 1000);
    const signed = await signCrl(
      {
        issuer: signing.issuer,
        authorityKeyId: signing.keyId,
        number: BigInt(number),
        thisUpdate,
        nextUpdate,
        entries,
        ...(idp ? { issuingDistributionPoint: idp } : {}),
        ...(base !== undefined ? { baseCrlNumber: BigInt(base) } : {}),
        ...(freshest ? { freshestCrl: freshest } : {}),
      },
      req.signer,
      ca.signatureHash ?? undefined,
    );
    return {
      delta: Boolean(req.delta),
      baseNumber: base ?? null,
      thisUpdate,
      nextUpdate,
      der: signed.der,
      revocationSeq: readTo,
      revocationSeqFrom: readFrom,
    };
  });
  return { crl, entryCount: entries.count };
}
