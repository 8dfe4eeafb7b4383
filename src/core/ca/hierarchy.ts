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

/** How many more CA levels may be created below the first CA of `chain`; null = unlimited. */
export function maxSubCaLevels(chain: CertificateAuthority[]): number | null {
  let limit: number | null = null;
  chain.forEach((ca, distance) => {
    if (ca.pathLength === null) return;
    const remaining = ca.pathLength - distance;
    limit = limit === null ? remaining : Math.min(limit, remaining);
  });
  return limit === null ? null : Math.max(limit, -1);
}

/** Refuse a child CA when any ancestor's path length forbids one more level. */
export function assertAllowsIntermediate(chain: CertificateAuthority[]): void {
  const levels = maxSubCaLevels(chain);
  if (levels !== null && levels < 1) {
    throw new TscaError(
      "ERR_PATH_LENGTH",
      `Parent CA "${chain[0]!.name}" cannot create an intermediate CA due to path length restrictions (RFC 5280 §4.2.1.9).`,
    );
  }
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
