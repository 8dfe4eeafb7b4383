/**
 * generate_crls (alias cache_crls): for every usable CA, or the CAs named, make each configured CRL
 * (user scope and CA scope) whose newest stored one is missing or due for renewal, and store it, so a
 * web host without keys can serve it. Meant for timers: running it twice in a row makes nothing new.
 * CAs with an encrypted key are skipped with a note, unless exactly one CA is named with its password.
 */
import { TscaError } from "../errors.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { findCa } from "../ca/find-ca.js";
import { unusableReason, usableCas } from "../ca/usable-cas.js";
import type { StoredCrl } from "../ports/crl-repository.js";
import type { KeyStore } from "../ports/key-store.js";
import type { Signer } from "../ports/signer.js";
import { crlScope, type CrlScope } from "../revocation/crl-scope.js";
import { publishCrl, type CrlDeps } from "../revocation/publish-crl.js";

export interface GenerateCrlsRequest {
  /** Serial prefixes or names; empty = every usable CA. */
  cas: string[];
  force: boolean;
  password?: string;
  /** CRL validity, and how long before nextUpdate a CRL is renewed (seconds). */
  expiresSeconds: number;
  renewalSeconds: number;
}

export type CrlOutcome =
  | { ca: CertificateAuthority; scope: CrlScope; status: "generated"; crl: StoredCrl; entryCount: number }
  | { ca: CertificateAuthority; scope: CrlScope; status: "current"; crl: StoredCrl }
  | { ca: CertificateAuthority; scope: undefined; status: "skipped"; note: string }
  | { ca: CertificateAuthority; scope: undefined; status: "failed"; error: TscaError };

/** The CRLs tsca keeps for every CA (django-ca's default CRL profiles "user" and "ca"). */
export const CONFIGURED_SCOPES: CrlScope[] = [crlScope("user"), crlScope("ca")];

export async function generateCrls(deps: CrlDeps & { keys: KeyStore }, req: GenerateCrlsRequest): Promise<CrlOutcome[]> {
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
    for (const scope of CONFIGURED_SCOPES) {
      const latest = await deps.crls.latest(ca.serial, scope, "complete");
      if (!req.force && latest && latest.nextUpdate.getTime() - now.getTime() > req.renewalSeconds * 1000)
        perScope.push({ ca, scope, status: "current", crl: latest });
      else due.push(scope);
    }
    if (due.length === 0) {
      outcomes.push(...perScope);
      continue;
    }
    if (ca.keyEncrypted && req.password === undefined) {
      outcomes.push({
        ca,
        scope: undefined,
        status: "skipped",
        note: "The private key is encrypted; name this CA alone with --password to generate its CRLs.",
      });
      continue;
    }
    let signer: Signer;
    try {
      signer = await deps.keys.load(ca.keyRef, req.password);
    } catch (e) {
      if (!(e instanceof TscaError)) throw e;
      outcomes.push({ ca, scope: undefined, status: "failed", error: e });
      continue;
    }
    for (const scope of due) {
      const { crl, entryCount } = await publishCrl(deps, { ca, signer, scope, expiresSeconds: req.expiresSeconds });
      perScope.push({ ca, scope, status: "generated", crl, entryCount });
    }
    // Report in the configured order of scopes, whichever were due.
    const order = (o: CrlOutcome): number => CONFIGURED_SCOPES.findIndex((s) => s.kind === o.scope?.kind);
    outcomes.push(...perScope.sort((a, b) => order(a) - order(b)));
  }
  return outcomes;
}
