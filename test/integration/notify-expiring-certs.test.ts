/**
 * notify_expiring_certs in-process (issue 13), on SQLite and PostgreSQL, with a fixed clock so the
 * thresholds can be crossed: real certificates signed by the CLI, the real SMTP mailer (nodemailer) and a
 * real SMTP server in the test process as the sink. Exactly the expected mails arrive (recipients,
 * subject, a body naming the certificate, its CA and resign_cert); a second run sends nothing; crossing
 * the next threshold sends one more per watcher; a refused recipient is recorded as failed, audited and
 * delivered by the next run once the server accepts it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { smtpMailer } from "../../src/adapters/mail/smtp-mailer.js";
import type { Clock } from "../../src/core/ports/clock.js";
import type { Mailer } from "../../src/core/ports/mailer.js";
import { notifyExpiringCerts } from "../../src/core/usecases/notify-expiring-certs.js";
import { tsca } from "../helpers/cli.js";
import { leaf } from "../helpers/crl.js";
import { BACKENDS } from "../helpers/databases.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { closePkiInstallation, keyHostCaller, openPkiInstallation, type PkiInstallation } from "../helpers/use-case-context.js";

const DAY = 86_400_000;
const FROM = "Example CA <ca@example.test>";

describe.each(BACKENDS)("notify_expiring_certs (%s)", (backend) => {
  let inst: PkiInstallation | undefined;
  let sink: SmtpSink | undefined;
  let mailer: Mailer | undefined;

  beforeEach(async () => {
    sink = await startSmtpSink();
    mailer = smtpMailer(`smtp://127.0.0.1:${sink.port}`);
  });
  afterEach(async () => {
    mailer?.close();
    await sink?.close();
    await closePkiInstallation(inst);
    inst = undefined;
  });

  it("mails each watcher once per threshold, and retries a refused mail on the next run", { timeout: 180_000 }, async () => {
    inst = await openPkiInstallation(backend);
    const { t, deps, db } = inst;
    const watched = leaf(t, "Inter", "www.example.test", [
      "--expires",
      "30",
      "--watch",
      "ops@example.test",
      "--watch",
      "Dev <DEV@example.test>",
    ]);
    leaf(t, "Inter", "nobody.example.test", ["--expires", "30"]);
    const revoked = leaf(t, "Inter", "revoked.example.test", ["--expires", "30", "--watch", "ops@example.test"]);
    tsca(t, ["revoke_cert", revoked.serial]);
    leaf(t, "Inter", "later.example.test", ["--expires", "90", "--watch", "ops@example.test"]);
    const cert = (await deps.certs.get(watched.hex))!;
    let now = new Date(cert.notAfter.getTime() - 10 * DAY);
    const clock: Clock = { now: () => now };
    const run = () => notifyExpiringCerts(keyHostCaller(db.db, clock), { ...deps, mailer: mailer! }, { days: [14, 7, 3, 1], from: FROM });

    // 10 days left: the 14-day notice, to both watchers of the one watched, valid certificate.
    const first = await run();
    expect(first.map((o) => [o.watcher, o.thresholdDays, o.status])).toEqual([
      ["ops@example.test", 14, "sent"],
      ["dev@example.test", 14, "sent"],
    ]);
    expect(sink!.mails.map((m) => m.to)).toEqual([["ops@example.test"], ["DEV@example.test"]]);
    for (const m of sink!.mails) {
      expect(m.from).toBe("ca@example.test");
      expect(m.headers).toMatch(/^Subject: Certificate www\.example\.test expires on \d{4}-\d\d-\d\d\r?$/m);
      expect(m.headers).toMatch(/^Content-Type: text\/plain/m);
      expect(m.text).toContain("www.example.test");
      expect(m.text).toContain(watched.serial);
      expect(m.text).toContain("Inter (CN inter.example.test");
      expect(m.text).toContain(`tsca resign_cert ${watched.serial}`);
      expect(m.text).toContain(cert.notAfter.toISOString().slice(0, 19));
    }

    // The same day again, and a day later: nothing new.
    expect(await run()).toEqual([]);
    now = new Date(now.getTime() + DAY);
    expect(await run()).toEqual([]);
    expect(sink!.mails).toHaveLength(2);

    // 6 days left: the 7-day threshold is crossed: one more mail per watcher.
    now = new Date(cert.notAfter.getTime() - 6 * DAY);
    expect((await run()).map((o) => [o.watcher, o.thresholdDays, o.status])).toEqual([
      ["ops@example.test", 7, "sent"],
      ["dev@example.test", 7, "sent"],
    ]);
    expect(sink!.mails).toHaveLength(4);
    expect(await run()).toEqual([]);

    // 2 days left, dev's mailbox refuses: ops gets the 3-day notice, dev's is recorded as failed.
    now = new Date(cert.notAfter.getTime() - 2 * DAY);
    sink!.refuse = (r) => r === "dev@example.test";
    const refused = await run();
    expect(refused.map((o) => [o.watcher, o.thresholdDays, o.status, o.attempts])).toEqual([
      ["ops@example.test", 3, "sent", 1],
      ["dev@example.test", 3, "failed", 1],
    ]);
    expect(refused[1]!.error).toMatch(/550.*Mailbox DEV@example\.test unavailable/);
    expect(sink!.mails.map((m) => m.to[0])).toEqual([
      "ops@example.test",
      "DEV@example.test",
      "ops@example.test",
      "DEV@example.test",
      "ops@example.test",
    ]);
    // Still refusing: tried again, counted again, still failed; ops is not mailed twice.
    const again = await run();
    expect(again.map((o) => [o.watcher, o.status, o.attempts])).toEqual([["dev@example.test", "failed", 2]]);

    // The server accepts again: the next run delivers the retried mail, and then nothing is left.
    sink!.refuse = () => false;
    const retried = await run();
    expect(retried.map((o) => [o.watcher, o.thresholdDays, o.status, o.attempts])).toEqual([["dev@example.test", 3, "sent", 3]]);
    expect(sink!.mails.at(-1)!.to).toEqual(["DEV@example.test"]);
    expect(sink!.mails.at(-1)!.text).toContain(watched.serial);
    expect(await run()).toEqual([]);
    expect(sink!.mails).toHaveLength(6);

    const notices = await deps.expiryNotices.forCertificates([cert.serial]);
    expect(notices.map((n) => [n.watcher, n.thresholdDays, n.status, n.attempts]).sort()).toEqual(
      [
        ["dev@example.test", 14, "sent", 1],
        ["dev@example.test", 3, "sent", 3],
        ["dev@example.test", 7, "sent", 1],
        ["ops@example.test", 14, "sent", 1],
        ["ops@example.test", 3, "sent", 1],
        ["ops@example.test", 7, "sent", 1],
      ].sort(),
    );
    // Every attempt is in the audit log, the refused ones as failures with the SMTP error.
    const audit = await deps.auditLog.list({ action: "cert.expiry_mail" });
    expect(audit).toHaveLength(8);
    const failures = audit.filter((e) => e.outcome === "failure");
    expect(failures).toHaveLength(2);
    for (const f of failures) {
      expect(f.object).toBe(`cert:${cert.serial}`);
      expect(f.detail).toMatchObject({ to: "dev@example.test", thresholdDays: 3 });
      expect(String((f.detail as { error?: string }).error)).toContain("550");
    }
    expect((await deps.auditLog.verify()).broken).toBeUndefined();
  });

  it("sends nothing for an expired certificate, and only the smallest threshold reached", { timeout: 120_000 }, async () => {
    inst = await openPkiInstallation(backend);
    const { t, deps, db } = inst;
    const w = leaf(t, "Inter", "short.example.test", ["--expires", "30", "--watch", "ops@example.test"]);
    const cert = (await deps.certs.get(w.hex))!;
    let now = new Date(cert.notAfter.getTime() - 2 * DAY);
    const clock: Clock = { now: () => now };
    const run = () => notifyExpiringCerts(keyHostCaller(db.db, clock), { ...deps, mailer: mailer! }, { days: [14, 7, 3, 1], from: FROM });
    // First seen 2 days before expiry: the 3-day notice only, not 14, 7 and 3 at once.
    expect((await run()).map((o) => o.thresholdDays)).toEqual([3]);
    now = new Date(cert.notAfter.getTime() + 1000);
    expect(await run()).toEqual([]);
    expect(sink!.mails).toHaveLength(1);
  });
});
