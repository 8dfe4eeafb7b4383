/** Sending mail (notify_expiring_certs); the adapter speaks SMTP. */

export interface OutgoingMail {
  from: string;
  /** One recipient per mail, so that one refused address does not hold back the others. */
  to: string;
  subject: string;
  /** Plain text. */
  text: string;
}

export interface Mailer {
  /** Resolves when the server accepted the mail; rejects with the server's or the connection's error. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}
