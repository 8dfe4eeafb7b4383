/**
 * `tsca notify_expiring_certs [--days N,…]`: mail the watchers of certificates about to expire, for a daily
 * timer. One line per mail sent on stdout; each failed delivery on stderr, and then the command exits 1
 * (ERR_MAIL_DELIVERY) after trying every other mail, so the timer's failure is visible; the failed mails
 * are tried again on the next run (core/usecases/notify-expiring-certs.ts).
 */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { formatSerial } from "../../../core/issuance/serial.js";
import { parseExpiryDays } from "../../../core/notifications/expiry-thresholds.js";
import { notifyExpiringCerts, type ExpiryMailOutcome } from "../../../core/usecases/notify-expiring-certs.js";
import type { CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { textLines } from "../output.js";

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

function line(o: ExpiryMailOutcome): string {
  const what = `"${o.cert.commonName}" (${formatSerial(o.cert.serial)}, expires ${iso(o.cert.notAfter)}, ${o.thresholdDays}-day notice)`;
  return o.status === "sent"
    ? `${what}: mailed to ${o.watcher}.`
    : `${what}: mail to ${o.watcher} failed (attempt ${o.attempts}, retried next run): ${o.error}`;
}

export function registerNotifyExpiringCerts(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("notify_expiring_certs")
    .description(
      "Mail the watchers of every certificate that expires within the configured days, once per threshold (TSCA_SMTP_URL, TSCA_MAIL_FROM).",
    )
    .option("--days <list>", "days before expiry, comma-separated (default: TSCA_EXPIRY_NOTIFY_DAYS, 14,7,3,1)", (v) => parseExpiryDays(v))
    .addHelpText(
      "after",
      examples(
        ["tsca notify_expiring_certs", "from a daily timer: new notices only; failed ones are retried"],
        ["tsca notify_expiring_certs --days 30,7", "mail 30 and 7 days before expiry"],
      ),
    )
    .action(async (o: { days?: number[] }) => {
      const ctx = await context();
      const { smtpUrl, mailFrom, expiryNotifyDays } = ctx.settings;
      if (smtpUrl === undefined)
        throw new TscaError("ERR_CONFIG", "TSCA_SMTP_URL is not set: notify_expiring_certs needs an SMTP server to send through.");
      if (mailFrom === undefined) throw new TscaError("ERR_CONFIG", "TSCA_MAIL_FROM is not set: expiry mail needs a From address.");
      const mailer = ctx.mailer(smtpUrl);
      let outcomes: ExpiryMailOutcome[];
      try {
        outcomes = await notifyExpiringCerts(ctx.caller, { ...ctx, mailer }, { days: o.days ?? expiryNotifyDays, from: mailFrom });
      } finally {
        mailer.close();
      }
      for (const outcome of outcomes) (outcome.status === "failed" ? io.stderr : io.stdout).write(textLines([line(outcome)]));
      const failed = outcomes.filter((x) => x.status === "failed").length;
      if (failed)
        throw new TscaError(
          "ERR_MAIL_DELIVERY",
          `${failed} expiry mail${failed === 1 ? "" : "s"} could not be delivered; the reasons are above, and the next run tries again.`,
        );
    });
}
