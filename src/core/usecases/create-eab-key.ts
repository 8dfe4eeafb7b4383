/**
 * create_eab_key and list_eab_keys: External Account Binding keys (RFC 8555 §7.3.4) for a CA whose ACME
 * accounts must be bound to an account the operator knows (edit_ca --acme-eab-required). The key id and
 * the HMAC key are random; the HMAC key is shown once, when made. It stays in the database because the
 * server needs it to check the binding's MAC (HS256), unlike an API token whose hash would do; each key
 * binds one account only. Both run on the key host only, like the other administrative commands.
 */
import type { UseCaseContext } from "../access/context.js";
import { auditEvent, guardKeyHost } from "../access/guard.js";
import type { AcmeEabKey } from "../acme/model.js";
import { findCa } from "../ca/find-ca.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { actorLabel } from "../access/actor.js";
import type { AcmeRepository } from "../ports/acme-repository.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";

/** 128 bits: no key id can be guessed, and none repeats (§7.3.4 leaves the form to the CA). */
export const EAB_KID_BYTES = 16;
/** 256 bits, the size of the HS256 block's output: RFC 7518 §3.2 asks for a key at least that long. */
export const EAB_HMAC_KEY_BYTES = 32;

/**
 * Random bytes whose base64url form does not start with "-": operators paste kid and key into command
 * lines, and argument parsers such as certbot's argparse read "--eab-hmac-key -x…" as a missing value
 * and a new option. Redrawing one value in 64 costs under 0.03 bits of entropy.
 */
function pasteable(ctx: UseCaseContext, size: number): Buffer {
  for (;;) {
    const bytes = ctx.random.bytes(size);
    if (!bytes.toString("base64url").startsWith("-")) return bytes;
  }
}

export interface EabKeyDeps {
  cas: CaRepository;
  acme: Pick<AcmeRepository, "listEabKeys">;
  uow: UnitOfWork;
}

export async function createEabKey(
  ctx: UseCaseContext,
  deps: EabKeyDeps,
  req: { ca: string },
): Promise<{ ca: CertificateAuthority; key: AcmeEabKey }> {
  const ca = await findCa(deps.cas, req.ca);
  const kid = pasteable(ctx, EAB_KID_BYTES).toString("base64url");
  await guardKeyHost(ctx, "acme.eab_key.create", `eab:${kid}`);
  const now = ctx.clock.now();
  const key: AcmeEabKey = {
    kid,
    caSerial: ca.serial,
    key: pasteable(ctx, EAB_HMAC_KEY_BYTES),
    boundAccountId: null,
    createdBy: actorLabel(ctx.actor),
    createdAt: now,
  };
  await deps.uow.run(async (tx) => {
    await tx.acme.insertEabKey(key);
    // The key id and the CA, never the HMAC key.
    await tx.audit.append(auditEvent(ctx, "acme.eab_key.create", `eab:${kid}`, { ca: ca.serial }), now);
  });
  return { ca, key };
}

/** A CA's EAB keys, oldest first; surfaces show the key id, its creation and the account it bound, never the key. */
export async function listEabKeys(
  ctx: UseCaseContext,
  deps: EabKeyDeps,
  req: { ca: string },
): Promise<{ ca: CertificateAuthority; keys: AcmeEabKey[] }> {
  const ca = await findCa(deps.cas, req.ca);
  await guardKeyHost(ctx, "acme.eab_key.list", `ca:${ca.serial}`);
  return { ca, keys: await deps.acme.listEabKeys(ca.serial) };
}
