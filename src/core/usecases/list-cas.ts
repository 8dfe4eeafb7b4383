/** list_cas: every CA, ordered by expiry then name, with the hierarchy for --tree and what is revoked above each. */
import type { UseCaseContext } from "../access/context.js";
import { visibleCas } from "../access/permissions.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { revokedAncestor } from "../ca/ca-blocker.js";
import type { CaRepository } from "../ports/ca-repository.js";

export interface CaTreeNode {
  ca: CertificateAuthority;
  children: CaTreeNode[];
}

export interface CaList {
  cas: CertificateAuthority[];
  tree: CaTreeNode[];
  /** By serial: the nearest revoked ancestor of a CA, which makes it unusable although its own certificate is not revoked. */
  revokedAncestors: Map<string, CertificateAuthority>;
}

/** Only the CAs the actor may view; a CA whose parent is hidden shows as a top-level node. */
export async function listCas(ctx: UseCaseContext, cas: CaRepository): Promise<CaList> {
  const visible = visibleCas(ctx.access);
  const every = await cas.list();
  const all = visible ? every.filter((ca) => visible.has(ca.serial)) : every;
  const nodes = new Map(all.map((ca) => [ca.serial, { ca, children: [] as CaTreeNode[] }]));
  const roots: CaTreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.ca.parentSerial ? nodes.get(node.ca.parentSerial) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const revokedAncestors = new Map<string, CertificateAuthority>();
  for (const ca of all) {
    const above = revokedAncestor(ca, (s) => every.find((c) => c.serial === s));
    if (above) revokedAncestors.set(ca.serial, above);
  }
  return { cas: all, tree: roots, revokedAncestors };
}
