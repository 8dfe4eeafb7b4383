/**
 * `tsca notify_expiring_certs` as a timer runs it (issue 13): the real binary, the SQLite or PostgreSQL
 * database, an SMTP server in the test process that requires AUTH with the user and password of
 * TSCA_SMTP_URL. A refused recipient makes the command report it on stderr and exit 1; the next run, with
 * the server accepting, delivers it and exits 0; a third run sends nothing. The SMTP password appears in
 * no output. Missing SMTP settings, a bad URL or bad --days are refused before anything is sent.
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawnTsca, tsca, runTsca, tscaEnv, type RunResult, type TscaEnv } from "../../helpers/cli.js";
import { leaf, makePki } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";
import { startSmtpSink, type SmtpSink } from "../../helpers/smtp-sink.js";

const PASSWORD = "s3cret p@ss/word";

/** Run tsca without blocking this process's event loop: the SMTP sink lives in it. */
function runAsync(t: TscaEnv, args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnTsca(t, args);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (c: Buffer) => out.push(c));
    child.stderr!.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code: code ?? -1, stdout: stdoutBytes.toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), stdoutBytes });
    });
  });
}

describe.each(BACKENDS)("tsca notify_expiring_certs (%s)", (backend) => {
  let t: TscaEnv | undefined;
  let sink: SmtpSink | undefined;
  afterEach(async () => {
    await sink?.close();
    if (t) await disposeInstallation(t);
    t = undefined;
  });

  it("reports a refused mail with exit 1, delivers it on the next run, then sends nothing", { timeout: 180_000 }, async () => {
    sink = await startSmtpSink({ user: "tsca", password: PASSWORD });
    t = tscaEnv(await freshDatabaseUrl(backend), {
      TSCA_SMTP_URL: `smtp://tsca:${encodeURIComponent(PASSWORD)}@127.0.0.1:${sink.port}`,
      TSCA_MAIL_FROM: "Example CA <ca@example.test>",
    });
    makePki(t);
    const soon = leaf(t, "Inter", "soon.example.test", ["--expires", "5", "--watch", "ops@example.test", "--watch", "dev@example.test"]);
    leaf(t, "Inter", "later.example.test", ["--expires", "60", "--watch", "ops@example.test"]);

    sink.refuse = (r) => r === "dev@example.test";
    const first = await runAsync(t, ["notify_expiring_certs"]);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toBe(
      `"soon.example.test" (${soon.serial}, expires ${/expires (\S+),/.exec(first.stdout)?.[1]}, 7-day notice): mailed to ops@example.test.\n`,
    );
    expect(first.stderr).toMatch(/"soon\.example\.test" .*: mail to dev@example\.test failed \(attempt 1, retried next run\): .*550/);
    expect(first.stderr).toContain("Error: 1 expiry mail could not be delivered");
    expect(sink.mails.map((m) => m.to)).toEqual([["ops@example.test"]]);
    expect(sink.mails[0]!.text).toContain(`tsca resign_cert ${soon.serial}`);

    sink.refuse = () => false;
    const second = await runAsync(t, ["notify_expiring_certs"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^"soon\.example\.test" .*7-day notice\): mailed to dev@example\.test\.\n$/);
    expect(sink.mails.map((m) => m.to)).toEqual([["ops@example.test"], ["dev@example.test"]]);

    const third = await runAsync(t, ["notify_expiring_certs"]);
    expect([third.code, third.stdout, third.stderr]).toEqual([0, "", ""]);
    expect(sink.mails).toHaveLength(2);

    // A wider window reaches the 60-day certificate: one mail, for its own threshold.
    const wider = await runAsync(t, ["notify_expiring_certs", "--days", "90,7"]);
    expect(wider.code, wider.stderr).toBe(0);
    expect(wider.stdout).toMatch(/^"later\.example\.test" .*90-day notice\): mailed to ops@example\.test\.\n$/);

    for (const r of [first, second, third, wider]) expect(r.stdout + r.stderr).not.toContain("s3cret");
    const audit = tsca(t, ["audit", "--action", "cert.expiry_mail", "--json"]);
    expect(audit).not.toContain("s3cret");
    expect(JSON.parse(audit)).toHaveLength(4);
  });

  it("a wrong SMTP password fails every mail, exit 1, without printing the password", { timeout: 120_000 }, async () => {
    sink = await startSmtpSink({ user: "tsca", password: PASSWORD });
    t = tscaEnv(await freshDatabaseUrl(backend), {
      TSCA_SMTP_URL: `smtp://tsca:wrong-s3cret@127.0.0.1:${sink.port}`,
      TSCA_MAIL_FROM: "ca@example.test",
    });
    makePki(t);
    leaf(t, "Inter", "soon.example.test", ["--expires", "2", "--watch", "ops@example.test"]);
    const r = await runAsync(t, ["notify_expiring_certs"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/3-day notice\): mail to ops@example\.test failed \(attempt 1, retried next run\)/);
    expect(r.stdout + r.stderr).not.toContain("s3cret");
    expect(sink.mails).toEqual([]);
  });
});

describe("tsca notify_expiring_certs refuses to start without what it needs", () => {
  let t: TscaEnv | undefined;
  afterEach(async () => {
    if (t) await disposeInstallation(t);
    t = undefined;
  });

  it("names the missing or invalid setting or option", () => {
    t = tscaEnv();
    const noUrl = runTsca(t, ["notify_expiring_certs"]);
    expect([noUrl.code, noUrl.stderr]).toEqual([
      1,
      "Error: TSCA_SMTP_URL is not set: notify_expiring_certs needs an SMTP server to send through.\n",
    ]);
    t.env.TSCA_SMTP_URL = "http://user:pw-s3cret@mail.example.test";
    const badUrl = runTsca(t, ["notify_expiring_certs"]);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/Invalid setting smtpUrl \(from environment variable TSCA_SMTP_URL\): must be smtp:/);
    expect(badUrl.stderr).not.toContain("s3cret");
    t.env.TSCA_SMTP_URL = "smtp://127.0.0.1:25";
    const noFrom = runTsca(t, ["notify_expiring_certs"]);
    expect([noFrom.code, noFrom.stderr]).toEqual([1, "Error: TSCA_MAIL_FROM is not set: expiry mail needs a From address.\n"]);
    t.env.TSCA_MAIL_FROM = "ca@example.test";
    const badDays = runTsca(t, ["notify_expiring_certs", "--days", "7,zero"]);
    expect(badDays.code).toBe(2);
    expect(badDays.stderr).toContain('"7,zero" is not a list of days');
  });
});
