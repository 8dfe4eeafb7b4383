/**
 * A CA and its ancestors, the CA first: what name constraints are checked against (RFC 5280 §4.2.1.10) and
 * what an issued certificate's chain is built from (RFC 8555 §9.1).
 */
import type { CertificateAuthority } from "../../ca/certificate-authority.js";
import type { CaRepository } from "../../ports/ca-repository.js";

export async function caChain(cas: CaRepository, ca: CertificateAuthority): Promise<CertificateAuthority[]> {
  const chain = [ca];
  let cur = ca;
  // Bounded: a loop in parent links (which import_ca refuses) must not hang a request.
  while (cur.parentSerial && cur.parentSerial !== cur.serial && chain.length < 16) {
    const parent = await cas.get(cur.parentSerial);
    if (!parent) break;
    chain.push(parent);
    cur = parent;
  }
  return chain;
}
