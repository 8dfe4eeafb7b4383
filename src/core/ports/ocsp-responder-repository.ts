/**
 * Delegated OCSP responders (RFC 6960 §4.2.2.2), one per CA: the responder certificate the CA signed, where
 * its private key file is, and the random secret that key file is encrypted with. The secret lives only
 * here and the key file only in the OCSP key directory, so neither a database dump nor a copy of that
 * directory alone yields the key.
 */
export interface OcspResponderRecord {
  caSerial: string;
  certificateSerial: string;
  der: Buffer;
  notBefore: Date;
  notAfter: Date;
  keyRef: string;
  keySecret: string;
  /** Seconds between thisUpdate and nextUpdate of this CA's responses (the per-CA response validity). */
  responseValidity: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface OcspResponderRepository {
  get(caSerial: string): Promise<OcspResponderRecord | undefined>;
  list(): Promise<OcspResponderRecord[]>;
  /** Insert or replace the responder of `record.caSerial`. */
  save(record: OcspResponderRecord): Promise<void>;
}
