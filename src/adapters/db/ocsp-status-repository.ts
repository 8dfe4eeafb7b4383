/** Revocation status for the OCSP responder: one indexed lookup by primary key (serial) per question. */
import type { Kysely } from "kysely";
import type { OcspScope, OcspStatusRepository, RecordedRevocation } from "../../core/ports/ocsp-status-repository.js";
import { databaseError } from "./database-errors.js";
import type { Database } from "./schema.js";

const dateOrNull = (s: string | null): Date | null => (s ? new Date(s) : null);

export class SqlOcspStatusRepository implements OcspStatusRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async statuses(scope: OcspScope, issuerSerial: string, serials: string[]): Promise<Map<string, RecordedRevocation>> {
    const out = new Map<string, RecordedRevocation>();
    if (serials.length === 0) return out;
    try {
      if (scope === "cert") {
        const rows = await this.db
          .selectFrom("certificate")
          .select(["serial", "revoked_at", "revoked_reason", "compromised_at"])
          .where("ca_serial", "=", issuerSerial)
          .where((eb) => (serials.length === 1 ? eb("serial", "=", serials[0]!) : eb("serial", "in", serials)))
          .execute();
        for (const r of rows)
          out.set(r.serial, { revokedAt: dateOrNull(r.revoked_at), reason: r.revoked_reason, compromisedAt: dateOrNull(r.compromised_at) });
      } else {
        const rows = await this.db
          .selectFrom("certificate_authority")
          .select(["serial", "revoked_at", "revoked_reason"])
          .where("parent_serial", "=", issuerSerial)
          .where((eb) => (serials.length === 1 ? eb("serial", "=", serials[0]!) : eb("serial", "in", serials)))
          .execute();
        for (const r of rows) out.set(r.serial, { revokedAt: dateOrNull(r.revoked_at), reason: r.revoked_reason, compromisedAt: null });
      }
      return out;
    } catch (e) {
      throw databaseError(e);
    }
  }
}
