/**
 * The insert of a new CA row together with its audit event, in one unit of work: a CA is never stored
 * unrecorded, and an event never names a CA that was not stored (storeNewCa then commits the key).
 */
import type { UseCaseContext } from "../access/context.js";
import { auditEvent } from "../access/guard.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import type { CertificateAuthority } from "./certificate-authority.js";

export function recordedInsert(ctx: UseCaseContext, uow: UnitOfWork, action: "ca.create" | "ca.import"): Pick<CaRepository, "insert"> {
  return {
    insert: (ca: CertificateAuthority) =>
      uow.run(async (tx) => {
        await tx.cas.insert(ca);
        await tx.audit.append(
          auditEvent(ctx, action, `ca:${ca.serial}`, { name: ca.name, parent: ca.parentSerial, keyBackend: ca.keyBackend }),
          ctx.clock.now(),
        );
      }),
  };
}
