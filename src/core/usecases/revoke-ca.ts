/**
 * revoke_ca: revoke an intermediate CA. The revocation is recorded on the CA (so OCSP answers and the
 * usability check see it at once: the CA and everything below it can no longer issue), then the parent's
 * CA-scope CRL is made again so that it lists the CA. Without the parent's key (a web host, or an
 * encrypted key and no password) the revocation still stands and the CRL follows at the next
 * generate_crls. A root CA cannot be revoked: no issuer could publish it (RFC 5280 §5: CRLs are issued by
 * the CA that signed the certificate).
 */
import type { UseCaseContext } from "../access/context.js";
import { auditEvent, guardChange } from "../access/guard.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import type { Defaults } from "./defaults.js";
import { TscaError } from "../errors.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { findCa } from "../ca/find-ca.js";
import type { KeyStoreRegistry } from "../ports/key-store-registry.js";
import { loadCaSigner } from "../issuance/ca-signer.js";
import { crlScope } from "../revocation/crl-scope.js";
import { publishCrl, type CrlDeps, type PublishedCrl } from "../revocation/publish-crl.js";
import type { RevocationReason } from "../revocation/reasons.js";
import { assertCrlReasonAllowed } from "../issuance/lint.js";
import { crlReasonCodeOf } from "./revoke-cert.js";

export interface RevokeCaRequest {
  ca: string;
  reason: RevocationReason;
  /** Password of the parent's key, to regenerate its CA-scope CRL. */
  parentPassword?: string;
  /** Validity of the parent's new CA-scope CRL; undefined: Defaults.crlExpiresSeconds. */
  crlExpiresSeconds?: number;
}

export interface RevokeCaResult {
  ca: CertificateAuthority;
  parent: CertificateAuthority;
  /** The parent's new CA-scope CRL, when its key was available. */
  crl?: PublishedCrl;
  /** Why the CRL was not regenerated. */
  crlNote?: string;
}

/** Revoking a CA is its parent's act (the parent publishes it): the `revoke` grant on the parent. */
export async function revokeCa(
  ctx: UseCaseContext,
  deps: CrlDeps & { keys: KeyStoreRegistry; uow: UnitOfWork; defaults: Pick<Defaults, "crlExpiresSeconds"> },
  req: RevokeCaRequest,
): Promise<RevokeCaResult> {
  const ca = await findCa(deps.cas, req.ca);
  await guardChange(ctx, "revoke", { serial: ca.parentSerial ?? ca.serial }, "ca.revoke", `ca:${ca.serial}`);
  if (!ca.parentSerial)
    throw new TscaError(
      "ERR_CA_IS_ROOT",
      `"${ca.name}" is a root CA, and a root CA cannot be revoked because no issuer could publish its revocation.`,
    );
  if (ca.revokedAt) throw new TscaError("ERR_ALREADY_REVOKED", `"${ca.name}" was already revoked on ${ca.revokedAt.toISOString()}.`);
  const parent = await deps.cas.get(ca.parentSerial);
  if (!parent) throw new TscaError("ERR_CA_NOT_FOUND", `The parent of "${ca.name}" is not in the database.`);
  // The parent publishes the revocation: its CA/B Forum rule sets decide which reasons it may list.
  assertCrlReasonAllowed(parent.lintRuleSets ?? [], crlReasonCodeOf(req.reason), "ca");

  // Open the parent's key first, so that a wrong password changes nothing.
  let signer: Awaited<ReturnType<typeof loadCaSigner>> | undefined;
  let crlNote: string | undefined;
  if (parent.keyEncrypted && req.parentPassword === undefined) {
    crlNote = `The key of "${parent.name}" is encrypted; its CA CRL will list the revocation after generate_crls (or give --password).`;
  } else {
    try {
      signer = await loadCaSigner(deps.keys, parent, req.parentPassword);
    } catch (e) {
      if (!(e instanceof TscaError) || e.code !== "ERR_KEY_NOT_FOUND") throw e;
      crlNote = `The key of "${parent.name}" is not on this host; its CA CRL will list the revocation after generate_crls on the key host.`;
    }
  }

  const now = new Date(Math.floor(ctx.clock.now().getTime() / 1000) * 1000);
  await deps.uow.run(async (tx) => {
    await tx.cas.update(ca.serial, { revokedAt: now, revokedReason: req.reason }, now);
    await tx.audit.append(auditEvent(ctx, "ca.revoke", `ca:${ca.serial}`, { parent: parent.serial, reason: req.reason }), now);
  });
  const revoked = (await deps.cas.get(ca.serial))!;
  if (!signer) return { ca: revoked, parent, ...(crlNote ? { crlNote } : {}) };
  const crl = await publishCrl(deps, {
    ca: parent,
    signer,
    scope: crlScope("ca"),
    expiresSeconds: req.crlExpiresSeconds ?? deps.defaults.crlExpiresSeconds,
  });
  return { ca: revoked, parent, crl };
}
