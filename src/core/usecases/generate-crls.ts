/**
 * generate_crls (alias cache_crls): for every usable CA, or the CAs named, make each configured CRL whose
 * newest stored one is missing or due for renewal, and store it, so a web host without keys can serve it.
 * Meant for timers: running it twice in a row makes nothing new.
 *
 * - Complete CRLs: the full CRL (no IDP: what end-entity certificates point at, usable by every relying
 *   party, NSS included), the user-scope and the CA-scope CRL (django-ca's "user" and "ca" profiles).
 *   Each is renewed when it is due (nextUpdate within the renewal window), and also when something it
 *   covers changed its revocation since it was read (a certificate or child CA of this CA revoked,
 *   released from hold or deleted: the revocation change feed, read from the position the CRL stored),
 *   so that a revocation reaches the CRLs at the next run of an hourly timer rather than up to a CRL
 *   lifetime later. The full CRL is also due when its Freshest CRL extension no longer matches the CA's
 *   delta CRL URLs.
 * - Delta CRLs (RFC 5280 §5.2.4): when the CA publishes them (Freshest CRL URLs set, so its certificates
 *   carry the pointer, §4.2.1.15), a full-scope delta against the newest complete full CRL. It is renewed
 *   when it has no delta on that base yet, is due like a complete CRL, or when a certificate or child CA
 *   of this CA changed its revocation since the delta was read. A change then renews only the delta, the
 *   base full CRL stays on its schedule (carrying recent changes is what deltas are for, §5.2.4); the
 *   user- and CA-scope CRLs have no delta, so a change still renews them.
 *
 * A CA whose CRLs are due but cannot be made (encrypted key without password, key not on this host, a
 * failure while signing) is reported as skipped or failed, and the others are still done; the caller
 * turns any such outcome into a non-zero exit. With exactly one CA named, a password may be given; for
 * timers, the passwords of encrypted keys come from TSCA_CA_PASSWORDS_FILE (`passwords`).
 */
import type { UseCaseContext } from "../access/context.js";
import { guardKeyHost } from "../access/guard.js";
import type { Defaults } from "./defaults.js";
import { TscaError, isTscaError } from "../errors.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { findCa } from "../ca/find-ca.js";
import { unusableReason, usableCas } from "../ca/usable-cas.js";
import type { CaPasswords } from "../ports/ca-passwords.js";
import type { StoredCrl } from "../ports/crl-repository.js";
import type { KeyStoreRegistry } from "../ports/key-store-registry.js";
import { loadCaSigner } from "../issuance/ca-signer.js";
import type { RevocationChangeFeed } from "../ports/revocation-change-feed.js";
import { crlScope, type CrlScope } from "../revocation/crl-scope.js";
import { freshestCrlExtension, publishCrl, type CrlDeps } from "../revocation/publish-crl.js";
import { parseCrl } from "../x509/crl.js";
import { OID } from "../x509/oids.js";

export interface GenerateCrlsRequest {
  /** Serial prefixes or names; empty = every usable CA. */
  cas: string[];
  force: boolean;
  password?: string;
  /** Passwords of encrypted CA keys by serial (TSCA_CA_PASSWORDS_FILE), for timers; `password` wins. */
  passwords?: CaPasswords;
  /** CRL validity, and how long before nextUpdate a CRL is renewed (seconds); undefined: Defaults. */
  expiresSeconds?: number;
  renewalSeconds?: number;
}

export type GenerateCrlsDeps = CrlDeps & {
  keys: KeyStoreRegistry;
  changes: Pick<RevocationChangeFeed, "latest" | "since">;
  defaults: Pick<Defaults, "crlExpiresSeconds" | "crlRenewalSeconds">;
};

export type CrlOutcome =
  | { ca: CertificateAuthority; scope: CrlScope; delta: boolean; status: "generated"; crl: StoredCrl; entryCount: number }
  | { ca: CertificateAuthority; scope: CrlScope; delta: boolean; status: "current"; crl: StoredCrl }
  | { ca: CertificateAuthority; scope: undefined; status: "skipped"; note: string }
  | { ca: CertificateAuthority; scope: undefined; status: "failed"; error: TscaError };

/** The full scope: its complete CRL is the default CRL distribution point, and the base of the deltas. */
export const FULL_SCOPE: CrlScope = crlScope("all");

/** The complete CRLs tsca keeps for every CA, in the order they are reported. */
export const CONFIGURED_SCOPES: CrlScope[] = [FULL_SCOPE, crlScope("user"), crlScope("ca")];

/** Change-feed rows read per query while looking for a change of one CA. */
const FEED_PAGE = 1_000;

/** What changed for one CA after a feed position (or cannot be ruled out): its certificates, its child CAs. */
interface Changes {
  cert: boolean;
  ca: boolean;
}

/**
 * What of `caSerial` changed its revocation after feed position `seq`: a certificate it issued, a child
 * CA. A CRL stored without a position (made before the feed existed), or a gap at the start of the feed
 * (rows pruned since), counts as both: nothing proves there was no change.
 */
async function changesSince(feed: Pick<RevocationChangeFeed, "since">, caSerial: string, seq: number | null): Promise<Changes> {
  const found: Changes = { cert: false, ca: false };
  if (seq === null) return { cert: true, ca: true };
  for (let after = seq, first = true; ; first = false) {
    const page = await feed.since(after, FEED_PAGE);
    if (page.length === 0) return found;
    if (first && page[0]!.seq > seq + 1) return { cert: true, ca: true };
    for (const c of page) if (c.caSerial === caSerial && c.scope !== "responder") found[c.scope] = true;
    if ((found.cert && found.ca) || page.length < FEED_PAGE) return found;
    after = page[page.length - 1]!.seq;
  }
}

/**
 * changesSince for one CA, remembered by position: the CRLs of a CA made together share one, so the feed
 * is read once for them.
 */
function changeReader(feed: Pick<RevocationChangeFeed, "since">, caSerial: string): (seq: number | null) => Promise<Changes> {
  const memo = new Map<number | null, Promise<Changes>>();
  return (seq) => {
    let answer = memo.get(seq);
    if (!answer) memo.set(seq, (answer = changesSince(feed, caSerial, seq)));
    return answer;
  };
}

/** Whether a change touches what a CRL of `scope` lists: certificates (user), child CAs (CA), or both (full). */
const touches = (scope: CrlScope, changes: Changes): boolean =>
  scope.kind === "user" ? changes.cert : scope.kind === "ca" ? changes.ca : changes.cert || changes.ca;

/**
 * The change-feed position up to which a CRL surely lists every revocation: the one read before its
 * entries (a revocation committed while they were read may be missing). CRLs stored before migration 0008
 * have only the position read after.
 */
const listedUpTo = (crl: StoredCrl): number | null => crl.revocationSeqFrom ?? crl.revocationSeq;

const dueAt = (crl: StoredCrl, now: Date, renewalSeconds: number): boolean =>
  crl.nextUpdate.getTime() - now.getTime() <= renewalSeconds * 1000;

/** Whether a complete CRL's Freshest CRL extension (§5.2.6) no longer names the CA's delta CRL URLs (edit_ca). */
function freshestChanged(ca: CertificateAuthority, scope: CrlScope, crl: StoredCrl): boolean {
  const want = freshestCrlExtension(ca, scope)?.value;
  const have = parseCrl(crl.der).extensions.find((e) => e.oid === OID.freshestCRL)?.value;
  return want === undefined || have === undefined ? want !== have : !want.equals(have);
}

/** Whether the delta CRL of `ca` must be made again on top of the complete full CRL `base`. */
async function deltaDue(
  deps: GenerateCrlsDeps,
  ca: CertificateAuthority,
  base: StoredCrl | undefined,
  req: Required<Pick<GenerateCrlsRequest, "force" | "renewalSeconds">>,
  now: Date,
  changed: (seq: number | null) => Promise<Changes>,
) {
  const delta = await deps.crls.latest(ca.serial, FULL_SCOPE, "delta");
  const due =
    req.force ||
    !base ||
    !delta ||
    // A delta is only usable with the complete CRL it names as base (§5.2.4, §6.3.3 (c)).
    delta.baseNumber !== base.number ||
    dueAt(delta, now, req.renewalSeconds) ||
    touches(FULL_SCOPE, await changed(listedUpTo(delta)));
  return { due, delta };
}

export async function generateCrls(ctx: UseCaseContext, deps: GenerateCrlsDeps, request: GenerateCrlsRequest): Promise<CrlOutcome[]> {
  await guardKeyHost(ctx, "crl.publish", "crls");
  const req = {
    ...request,
    expiresSeconds: request.expiresSeconds ?? deps.defaults.crlExpiresSeconds,
    renewalSeconds: request.renewalSeconds ?? deps.defaults.crlRenewalSeconds,
  };
  if (req.password !== undefined && req.cas.length !== 1)
    throw new TscaError("ERR_INVALID_ARGUMENT", "A password can only be given when exactly one CA is named.");
  const now = deps.clock.now();
  const all = await deps.cas.list();
  const targets = req.cas.length ? await Promise.all(req.cas.map((c) => findCa(deps.cas, c))) : usableCas(all, now);
  const outcomes: CrlOutcome[] = [];

  for (const ca of targets) {
    const unusable = unusableReason(ca, all, now);
    if (unusable) {
      outcomes.push({ ca, scope: undefined, status: "skipped", note: unusable });
      continue;
    }
    const due: CrlScope[] = [];
    const perScope: CrlOutcome[] = [];
    let fullDue = false;
    let currentFull: StoredCrl | undefined;
    const deltas = ca.signFreshestCrlUrls.length > 0;
    const changed = changeReader(deps.changes, ca.serial);
    for (const scope of CONFIGURED_SCOPES) {
      const latest = await deps.crls.latest(ca.serial, scope, "complete");
      const current =
        !req.force &&
        latest &&
        !dueAt(latest, now, req.renewalSeconds) &&
        !freshestChanged(ca, scope, latest) &&
        // With deltas, a change goes on the delta and the full CRL (its base) keeps its schedule.
        ((deltas && scope === FULL_SCOPE) || !touches(scope, await changed(listedUpTo(latest))));
      if (current) {
        perScope.push({ ca, scope, delta: false, status: "current", crl: latest });
        if (scope === FULL_SCOPE) currentFull = latest;
      } else {
        due.push(scope);
        if (scope === FULL_SCOPE) fullDue = true;
      }
    }
    // A new complete full CRL always needs a new delta on top of it; otherwise ask the delta itself.
    const deltaState = deltas && !fullDue ? await deltaDue(deps, ca, currentFull, req, now, changed) : undefined;
    const wantDelta = deltas && (fullDue || deltaState!.due);
    if (deltaState && !deltaState.due && deltaState.delta)
      perScope.push({ ca, scope: FULL_SCOPE, delta: true, status: "current", crl: deltaState.delta });
    if (due.length === 0 && !wantDelta) {
      outcomes.push(...perScope);
      continue;
    }
    const password = req.password ?? (ca.keyEncrypted ? req.passwords?.get(ca.serial) : undefined);
    if (ca.keyEncrypted && password === undefined) {
      outcomes.push({
        ca,
        scope: undefined,
        status: "skipped",
        note: req.passwords
          ? `The private key is encrypted and ${req.passwords.source} has no password for it; add one, or name this CA alone with --password.`
          : "The private key is encrypted; name this CA alone with --password, or give its password in TSCA_CA_PASSWORDS_FILE, to generate its CRLs.",
      });
      continue;
    }
    let failure: TscaError | undefined;
    try {
      const signer = await loadCaSigner(deps.keys, ca, password);
      for (const scope of due) {
        const { crl, entryCount } = await publishCrl(deps, { ca, signer, scope, expiresSeconds: req.expiresSeconds });
        perScope.push({ ca, scope, delta: false, status: "generated", crl, entryCount });
      }
      if (wantDelta) {
        const { crl, entryCount } = await publishCrl(deps, {
          ca,
          signer,
          scope: FULL_SCOPE,
          expiresSeconds: req.expiresSeconds,
          delta: true,
        });
        perScope.push({ ca, scope: FULL_SCOPE, delta: true, status: "generated", crl, entryCount });
      }
    } catch (e) {
      // One CA's failure (key missing or wrong, CRLs contended) must not keep the others from being renewed.
      // A database failure would fail every CA alike: stop at once.
      if (!isTscaError(e) || e.code === "ERR_DATABASE") throw e;
      failure = e;
    }
    // Report in the configured order of scopes, complete before delta, whichever were due.
    const order = (o: CrlOutcome): number =>
      CONFIGURED_SCOPES.findIndex((s) => s.kind === o.scope?.kind) + (o.status !== "skipped" && o.status !== "failed" && o.delta ? 0.5 : 0);
    outcomes.push(...perScope.sort((a, b) => order(a) - order(b)));
    if (failure) outcomes.push({ ca, scope: undefined, status: "failed", error: failure });
  }
  return outcomes;
}
