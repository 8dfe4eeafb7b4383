/**
 * Mailer over SMTP (nodemailer), configured by TSCA_SMTP_URL:
 * - `smtp://[user:password@]host[:port]`: plain SMTP (default port 25, RFC 5321) that upgrades with
 *   STARTTLS (RFC 3207) when the server offers it; `?requireTLS=true` refuses to send without it
 *   (submission on 587, RFC 6409).
 * - `smtps://[user:password@]host[:port]`: TLS from the first byte (default port 465, RFC 8314 §3.3).
 * User and password are percent-decoded and used for SMTP AUTH (RFC 4954). The password is never logged
 * and never part of an error: describeSmtpUrl() is what messages show.
 */
import nodemailer from "nodemailer";
import { TscaError } from "../../core/errors.js";
import type { Mailer, OutgoingMail } from "../../core/ports/mailer.js";

export interface SmtpOptions {
  host: string;
  port: number;
  secure: boolean;
  requireTLS: boolean;
  ignoreTLS: boolean;
  auth?: { user: string; pass: string };
}

/** The URL with any password replaced, for messages and logs. */
export function describeSmtpUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:…@");
}

export function parseSmtpUrl(text: string): SmtpOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not echoed: text that does not parse may still hold a password.
    throw new TscaError("ERR_INVALID_ARGUMENT", "The SMTP URL is not a URL: give smtp://host[:port] or smtps://host[:port].");
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:")
    throw new TscaError("ERR_INVALID_ARGUMENT", `"${describeSmtpUrl(text)}" is not an smtp:// or smtps:// URL.`);
  if (!url.hostname) throw new TscaError("ERR_INVALID_ARGUMENT", `"${describeSmtpUrl(text)}" names no host.`);
  const secure = url.protocol === "smtps:";
  const flag = (name: string): boolean => {
    const v = url.searchParams.get(name);
    if (v === null || v === "false") return false;
    if (v === "true") return true;
    throw new TscaError("ERR_INVALID_ARGUMENT", `"${describeSmtpUrl(text)}": ${name} must be true or false.`);
  };
  for (const key of url.searchParams.keys())
    if (key !== "requireTLS" && key !== "ignoreTLS")
      throw new TscaError("ERR_INVALID_ARGUMENT", `"${describeSmtpUrl(text)}": unknown parameter ${key} (known: requireTLS, ignoreTLS).`);
  const options: SmtpOptions = {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : secure ? 465 : 25,
    secure,
    requireTLS: flag("requireTLS"),
    ignoreTLS: flag("ignoreTLS"),
  };
  if (url.username || url.password) options.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  return options;
}

export function smtpMailer(url: string): Mailer {
  const o = parseSmtpUrl(url);
  // One connection for the run (pool of 1): a daily batch of mails, not a connection per mail.
  const transport = nodemailer.createTransport({
    host: o.host,
    port: o.port,
    secure: o.secure,
    requireTLS: o.requireTLS,
    ignoreTLS: o.ignoreTLS,
    ...(o.auth ? { auth: o.auth } : {}),
    pool: true,
    maxConnections: 1,
    // A server that does not answer fails each mail within a minute or so (recorded, retried next run)
    // instead of nodemailer's default of minutes per mail, so a timer run over many mails still ends.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    logger: false,
    debug: false,
  });
  return {
    async send(mail: OutgoingMail): Promise<void> {
      await transport.sendMail({ from: mail.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close(): void {
      transport.close();
    },
  };
}
