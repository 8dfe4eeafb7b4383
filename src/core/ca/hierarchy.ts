/**
 * Path-length rules (RFC 5280 §4.2.1.9, §6.1.4 (l)-(m)): a CA with pathLenConstraint n may have at most n
 * CA certificates below it in a path. The effective limit of a CA is the minimum over itself and its
 * ancestors, each reduced by its distance.
 */
import { TscaError } from "../errors.js";
import { caStatus, type CertificateAuthority } from "./certificate-authority.js";

/** The chain from `ca` up to its root, `ca` first. */
export function ancestry(ca: CertificateAuthority, bySerial: (serial: string) => CertificateAuthority | undefined): CertificateAuthority[] {
  const chain = [ca];
  const seen = new Set([ca.serial]);
  for (let cur = ca; cur.parentSerial;) {
    const parent = bySerial(cur.parentSerial);
    if (!parent || seen.has(parent.serial)) break;
    chain.push(parent);
    seen.add(parent.serial);
    cur = parent;
  }
  return chain;
}

/**
 * The CA whose pathLenConstraint limits the levels below the first CA of `chain` most, and how many levels
 * it leaves; null when no CA of the chain has a limit. On a tie the CA nearest to `chain[0]` is named.
 */
export function bindingPathLength(chain: CertificateAuthority[]): { ca: CertificateAuthority; levels: number } | null {
  let best: { ca: CertificateAuthority; levels: number } | null = null;
  for (const [distance, ca] of chain.entries()) {
    if (ca.pathLength === null) continue;
    const remaining = ca.pathLength - distance;
    if (best === null || remaining < best.levels) best = { ca, levels: remaining };
  }
  return best;
}

/** How many more CA levels may be created below the first CA of `chain`; null = unlimited. */
export function maxSubCaLevels(chain: CertificateAuthority[]): number | null {
  const limit = bindingPathLength(chain);
  return limit === null ? null : Math.max(limit.levels, -1);
}

/**
 * Refuse a child CA of `chain[0]` when a path length of it or an ancestor forbids one more level, naming
 * the CA whose limit is reached. A child's own path length (`childPathLength`, null = none) larger than
 * the levels left below it is refused too: RFC 5280 §6.1.4 (m) would cut it down in every path, so the
 * certificate would promise CA levels that can never be used.
 */
export function assertAllowsIntermediate(chain: CertificateAuthority[], childPathLength: number | null = null): void {
  const limit = bindingPathLength(chain);
  if (limit === null) return;
  const parent = chain[0]!;
  const by =
    limit.ca === parent
      ? `its own path length (${limit.ca.pathLength})`
      : `the path length of its ancestor "${limit.ca.name}" (${limit.ca.pathLength})`;
  if (limit.levels < 1)
    throw new TscaError(
      "ERR_PATH_LENGTH",
      `Parent CA "${parent.name}" cannot create an intermediate CA due to path length restrictions: ${by} allows no further CA level (RFC 5280 §4.2.1.9).`,
    );
  if (childPathLength !== null && childPathLength > limit.levels - 1)
    throw new TscaError(
      "ERR_PATH_LENGTH",
      `A path length of ${childPathLength} cannot be used below parent CA "${parent.name}": ${by} allows at most ${limit.levels - 1} (RFC 5280 §4.2.1.9, §6.1.4).`,
    );
}

/** A CA signs only while it and all its ancestors are enabled, valid now and not revoked. */
export function assertUsable(
  chain: CertificateAuthority[],
  now: Date,
  role: string,
  code: "ERR_PARENT_UNUSABLE" | "ERR_CA_UNUSABLE" = "ERR_PARENT_UNUSABLE",
): void {
  for (const ca of chain) {
    const who = ca === chain[0] ? `${role} "${ca.name}"` : `Ancestor CA "${ca.name}" of ${role.toLowerCase()} "${chain[0]!.name}"`;
    if (!ca.enabled) throw new TscaError(code, `${who} is disabled.`);
    const status = caStatus(ca, now);
    if (status !== "valid") throw new TscaError(code, `${who} is ${status}.`);
  }
}
