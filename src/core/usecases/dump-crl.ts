/**
 * dump_crl: make a CRL of one CA now, store it (it takes the next number of its scope) and return it.
 * Without a CA, the default CA is used (the configured one, else the usable CA that expires last). The
 * CA's key signs, so this runs on the key host.
 */
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { findCa } from "../ca/find-ca.js";
import { defaultCa } from "../issuance/issuer.js";
import type { KeyStore } from "../ports/key-store.js";
import type { CrlScope } from "../revocation/crl-scope.js";
import { publishCrl, type CrlDeps, type PublishedCrl } from "../revocation/publish-crl.js";

export interface DumpCrlRequest {
  /** Serial prefix or name; undefined = the default CA. */
  ca?: string;
  password?: string;
  scope: CrlScope;
  expiresSeconds: number;
  delta: boolean;
}

export interface DumpCrlResult extends PublishedCrl {
  ca: CertificateAuthority;
}

export async function dumpCrl(deps: CrlDeps & { keys: KeyStore; defaultCa?: string }, req: DumpCrlRequest): Promise<DumpCrlResult> {
  const ca = req.ca !== undefined ? await findCa(deps.cas, req.ca) : await defaultCa(deps.cas, deps.defaultCa, deps.clock.now());
  const signer = await deps.keys.load(ca.keyRef, req.password);
  const published = await publishCrl(deps, { ca, signer, scope: req.scope, expiresSeconds: req.expiresSeconds, delta: req.delta });
  return { ca, ...published };
}
