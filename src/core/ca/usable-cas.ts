/** Which CAs may sign now: enabled, valid and not revoked, and so are all their ancestors (see hierarchy.ts). */
import type { CertificateAuthority } from "./certificate-authority.js";
import { ancestry, assertUsable } from "./hierarchy.js";

/** Why `ca` cannot sign now, as one sentence, or undefined when it can. */
export function unusableReason(ca: CertificateAuthority, all: CertificateAuthority[], now: Date): string | undefined {
  const bySerial = new Map(all.map((c) => [c.serial, c]));
  try {
    assertUsable(
      ancestry(ca, (s) => bySerial.get(s)),
      now,
      "CA",
    );
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The usable CAs among `all`, in the order given. */
export const usableCas = (all: CertificateAuthority[], now: Date): CertificateAuthority[] =>
  all.filter((ca) => unusableReason(ca, all, now) === undefined);
