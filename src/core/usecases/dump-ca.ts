/** dump_ca: the CA certificate, or with `bundle` the chain from this CA up to its root (RFC 5246 §7.4.2 order). */
import type { UseCaseContext } from "../access/context.js";
import { authorize } from "../access/permissions.js";
import { findCa } from "../ca/find-ca.js";
import { ancestry } from "../ca/hierarchy.js";
import type { CaRepository } from "../ports/ca-repository.js";

export async function dumpCa(ctx: UseCaseContext, cas: CaRepository, identifier: string, bundle: boolean): Promise<Buffer[]> {
  const ca = await findCa(cas, identifier);
  authorize(ctx, "view", ca.serial, ca.name);
  if (!bundle) return [ca.der];
  const all = new Map((await cas.list()).map((c) => [c.serial, c]));
  return ancestry(ca, (s) => all.get(s)).map((c) => c.der);
}
