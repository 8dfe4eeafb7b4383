/**
 * An SMTP server in the test process (npm smtp-server) on a free port: it keeps every mail it accepts
 * (envelope and raw message) and refuses recipients while `refuse` says so (550 at RCPT TO), like a
 * server that rejects or a mailbox that does not exist. With `password`, it requires AUTH (plain text is
 * allowed on this loopback test server) and refuses any other password.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** The header block, and the body decoded from quoted-printable or base64 when the mail says so. */
  headers: string;
  text: string;
}

/** The body of a single-part message in its charset-neutral form (RFC 2045 §6.7 quoted-printable, §6.8 base64). */
function decodeBody(raw: string): { headers: string; text: string } {
  const at = raw.indexOf("\r\n\r\n");
  const headers = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? "" : raw.slice(at + 4);
  const encoding = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  if (encoding === "base64") return { headers, text: Buffer.from(body, "base64").toString("utf8") };
  if (encoding !== "quoted-printable") return { headers, text: body };
  const bytes = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return { headers, text: Buffer.from(bytes, "latin1").toString("utf8") };
}

export interface SmtpSink {
  port: number;
  mails: ReceivedMail[];
  /** Recipients (lower-case) refused with 550 while this returns true. */
  refuse: (recipient: string) => boolean;
  close(): Promise<void>;
}

export async function startSmtpSink(opts: { user?: string; password?: string } = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const sink: SmtpSink = { port: 0, mails, refuse: () => false, close: () => Promise.resolve() };
  const server = new SMTPServer({
    disabledCommands: opts.password === undefined ? ["STARTTLS", "AUTH"] : ["STARTTLS"],
    authOptional: opts.password === undefined,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === opts.user && auth.password === opts.password) callback(null, { user: auth.username });
      else callback(new Error("Invalid user name or password"));
    },
    onRcptTo(address, _session, callback) {
      if (sink.refuse(address.address.toLowerCase())) {
        const e = new Error(`Mailbox ${address.address} unavailable`) as Error & { responseCode: number };
        e.responseCode = 550;
        callback(e);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          ...decodeBody(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
