/** cert_watchers: who is told before a certificate expires. Addresses are kept unique, case-insensitively. */
import { TscaError } from "../errors.js";
import type { IssuedCertificate } from "../certificates/certificate.js";
import { findCertificate } from "../certificates/find-certificate.js";
import type { CertificateRepository } from "../ports/certificate-repository.js";
import type { Clock } from "../ports/clock.js";

/** `mail@host` or `Name <mail@host>`. */
export function parseWatcher(input: string): string {
  const v = input.trim();
  const m = /^(?:[^<>]*<)?([^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>?$/.exec(v);
  if (!m) throw new TscaError("ERR_INVALID_ARGUMENT", `${input}: Not a valid e-mail address.`);
  return v;
}

const mailOf = (w: string): string => (/<([^>]+)>/.exec(w)?.[1] ?? w).toLowerCase();

export function mergeWatchers(current: string[], add: string[], remove: string[]): string[] {
  const removed = new Set(remove.map(mailOf));
  const out = current.filter((w) => !removed.has(mailOf(w)));
  for (const w of add) if (!out.some((x) => mailOf(x) === mailOf(w))) out.push(w);
  return out;
}

export async function certWatchers(
  deps: { certs: CertificateRepository; clock: Clock },
  req: { cert: string; add: string[]; remove: string[] },
): Promise<IssuedCertificate> {
  const cert = await findCertificate(deps.certs, req.cert);
  const watchers = mergeWatchers(cert.watchers, req.add.map(parseWatcher), req.remove.map(parseWatcher));
  await deps.certs.setWatchers(cert.serial, watchers, deps.clock.now());
  return (await deps.certs.get(cert.serial))!;
}
