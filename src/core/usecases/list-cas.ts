/** list_cas: every CA, ordered by expiry then name, with the hierarchy for --tree. */
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import type { CaRepository } from "../ports/ca-repository.js";

export interface CaTreeNode {
  ca: CertificateAuthority;
  children: CaTreeNode[];
}

export async function listCas(cas: CaRepository): Promise<{ cas: CertificateAuthority[]; tree: CaTreeNode[] }> {
  const all = await cas.list();
  const nodes = new Map(all.map((ca) => [ca.serial, { ca, children: [] as CaTreeNode[] }]));
  const roots: CaTreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.ca.parentSerial ? nodes.get(node.ca.parentSerial) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return { cas: all, tree: roots };
}
