/** cert_watchers: who is told before a certificate expires. Addresses are kept unique, case-insensitively. */
import { TscaError } from "../errors.js";
import type { IssuedCertificate } from "../certificates/certificate.js";
import { findCertificate } from "../certificates/find-certificate.js";
import type { CertificateRepository } from "../ports/certificate-repository.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import type { UseCaseContext } from "../access/context.js";
import { auditEvent, guardChange } from "../access/guard.js";

/** `mail@host` or `Name <mail@host>`. */
export function parseWatcher(input: string): string {
  const v = input.trim();
  const m = /^(?:[^<>]*<)?([^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>?$/.exec(v);
  if (!m) throw new TscaError("ERR_INVALID_ARGUMENT", `${input}: Not a valid e-mail address.`);
  return v;
}

/** The bare address of a watcher, lower-case: how watchers are compared. */
export const mailOf = (w: string): string => (/<([^>]+)>/.exec(w)?.[1] ?? w).toLowerCase();

export function mergeWatchers(current: string[], add: string[], remove: string[]): string[] {
  const removed = new Set(remove.map(mailOf));
  const out = current.filter((w) => !removed.has(mailOf(w)));
  for (const w of add) if (!out.some((x) => mailOf(x) === mailOf(w))) out.push(w);
  return out;
}

/** Who is told about a certificate is part of issuing it: the `sign` grant on its CA. */
export async function certWatchers(
  ctx: UseCaseContext,
  deps: { certs: CertificateRepository; cas: CaRepository; uow: UnitOfWork },
  req: { cert: string; add: string[]; remove: string[] },
): Promise<IssuedCertificate> {
  const cert = await findCertificate(deps.certs, req.cert);
  const ca = await deps.cas.get(cert.caSerial);
  await guardChange(ctx, "sign", { serial: cert.caSerial, ...(ca ? { name: ca.name } : {}) }, "cert.watchers", `cert:${cert.serial}`);
  const watchers = mergeWatchers(cert.watchers, req.add.map(parseWatcher), req.remove.map(parseWatcher));
  const now = ctx.clock.now();
  await deps.uow.run(async (tx) => {
    await tx.certs.setWatchers(cert.serial, watchers, now);
    await tx.audit.append(auditEvent(ctx, "cert.watchers", `cert:${cert.serial}`, { watchers }), now);
  });
  return (await deps.certs.get(cert.serial))!;
}
