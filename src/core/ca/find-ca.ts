/**
 * Naming a CA on the command line: its exact name, or a unique prefix of its serial with colons and case
 * ignored (`BD:5B:AB` and `bd5bab` are the same). An exact name or full serial wins over prefixes.
 */
import { TscaError } from "../errors.js";
import type { CaRepository } from "../ports/ca-repository.js";
import { formatSerial, sanitizeSerial } from "../issuance/serial.js";
import type { CertificateAuthority } from "./certificate-authority.js";

export async function findCa(repo: CaRepository, identifier: string): Promise<CertificateAuthority> {
  const prefix = sanitizeSerial(identifier) ?? "";
  const matches = await repo.search(prefix, identifier);
  const exact = matches.filter((ca) => ca.name === identifier || ca.serial === prefix);
  const pick = exact.length === 1 ? exact : matches;
  if (pick.length === 1) return pick[0]!;
  if (pick.length === 0) throw new TscaError("ERR_CA_NOT_FOUND", `${identifier}: Certificate authority not found.`);
  const names = pick.map((ca) => `${ca.name} (${formatSerial(ca.serial)})`).join(", ");
  throw new TscaError("ERR_CA_AMBIGUOUS", `${identifier}: Multiple certificate authorities match: ${names}.`);
}
