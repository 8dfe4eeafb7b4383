/** dump_ca: the CA certificate, or with `bundle` the chain from this CA up to its root (RFC 5246 §7.4.2 order). */
import { findCa } from "../ca/find-ca.js";
import { ancestry } from "../ca/hierarchy.js";
import type { CaRepository } from "../ports/ca-repository.js";

export async function dumpCa(cas: CaRepository, identifier: string, bundle: boolean): Promise<Buffer[]> {
  const ca = await findCa(cas, identifier);
  if (!bundle) return [ca.der];
  const all = new Map((await cas.list()).map((c) => [c.serial, c]));
  return ancestry(ca, (s) => all.get(s)).map((c) => c.der);
}
