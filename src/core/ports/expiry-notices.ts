/** The record of expiry mail (notify_expiring_certs): which threshold each watcher of a certificate got. */

export interface ExpiryNotice {
  certSerial: string;
  /** The watcher's address, lower-case (the form cert_watchers compares). */
  watcher: string;
  thresholdDays: number;
  status: "sent" | "failed";
  /** Delivery attempts so far, the successful one included. */
  attempts: number;
  /** The SMTP error of the last failed attempt. */
  lastError: string | null;
  sentAt: Date | null;
  updatedAt: Date;
}

export interface ExpiryNoticeRepository {
  /** Every notice of these certificates. */
  forCertificates(serials: string[]): Promise<ExpiryNotice[]>;
  /** The outcome of one delivery attempt: inserts the notice, or updates it and counts the attempt. */
  record(notice: { certSerial: string; watcher: string; thresholdDays: number; error: string | null }, now: Date): Promise<ExpiryNotice>;
}
