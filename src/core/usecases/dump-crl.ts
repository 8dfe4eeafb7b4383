/**
 * dump_crl: make a CRL of one CA now, store it (it takes the next number of its scope) and return it.
 * Without a CA, the default CA is used (the configured one, else the usable CA that expires last). The
 * CA's key signs, so this runs on the key host.
 */
import type { UseCaseContext } from "../access/context.js";
import { guardKeyHost } from "../access/guard.js";
import type { Defaults } from "./defaults.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { findCa } from "../ca/find-ca.js";
import { defaultCa } from "../issuance/issuer.js";
import type { KeyStoreRegistry } from "../ports/key-store-registry.js";
import { loadCaSigner } from "../issuance/ca-signer.js";
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

export async function dumpCrl(
  ctx: UseCaseContext,
  deps: CrlDeps & { keys: KeyStoreRegistry; defaults: Pick<Defaults, "ca"> },
  req: DumpCrlRequest,
): Promise<DumpCrlResult> {
  await guardKeyHost(ctx, "crl.publish", req.ca !== undefined ? `ca-name:${req.ca}` : "crls");
  const ca = req.ca !== undefined ? await findCa(deps.cas, req.ca) : await defaultCa(deps.cas, deps.defaults.ca, ctx.clock.now());
  const signer = await loadCaSigner(deps.keys, ca, req.password);
  const published = await publishCrl(deps, { ca, signer, scope: req.scope, expiresSeconds: req.expiresSeconds, delta: req.delta });
  return { ca, ...published };
}
