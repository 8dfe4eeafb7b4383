/** Delegated OCSP responders in SQL (table ocsp_responder, one row per CA). */
import type { Kysely, Selectable } from "kysely";
import type { OcspResponderRecord, OcspResponderRepository } from "../../core/ports/ocsp-responder-repository.js";
import { databaseError } from "./database-errors.js";
import type { Database, OcspResponderTable } from "./schema.js";

function toRow(r: OcspResponderRecord): OcspResponderTable {
  return {
    ca_serial: r.caSerial,
    certificate_serial: r.certificateSerial,
    der: r.der,
    not_before: r.notBefore.toISOString(),
    not_after: r.notAfter.toISOString(),
    key_ref: r.keyRef,
    key_secret: r.keySecret,
    response_validity: r.responseValidity,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

function fromRow(r: Selectable<OcspResponderTable>): OcspResponderRecord {
  return {
    caSerial: r.ca_serial,
    certificateSerial: r.certificate_serial,
    der: Buffer.from(r.der),
    notBefore: new Date(r.not_before),
    notAfter: new Date(r.not_after),
    keyRef: r.key_ref,
    keySecret: r.key_secret,
    responseValidity: Number(r.response_validity),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export class SqlOcspResponderRepository implements OcspResponderRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(caSerial: string): Promise<OcspResponderRecord | undefined> {
    try {
      const row = await this.db.selectFrom("ocsp_responder").selectAll().where("ca_serial", "=", caSerial).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    } catch (e) {
      throw databaseError(e);
    }
  }

  async list(): Promise<OcspResponderRecord[]> {
    try {
      return (await this.db.selectFrom("ocsp_responder").selectAll().orderBy("ca_serial").execute()).map(fromRow);
    } catch (e) {
      throw databaseError(e);
    }
  }

  async save(record: OcspResponderRecord): Promise<void> {
    const row = toRow(record);
    try {
      await this.db
        .insertInto("ocsp_responder")
        .values(row)
        .onConflict((oc) => oc.column("ca_serial").doUpdateSet({ ...row, ca_serial: undefined }))
        .execute();
    } catch (e) {
      throw databaseError(e);
    }
  }
}
