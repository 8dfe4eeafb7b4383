/**
 * The ACME challenge validator of src/adapters/acme against real sockets: node:http and node:tls
 * responders on 127.0.0.1/::1, the in-process DNS server of test/helpers/dns-server.ts (UDP+TCP) as
 * TSCA_ACME_DNS_RESOLVER, and challenge certificates made by `openssl req -x509`.
 *   - http-01 (RFC 8555 §8.3): right body (trailing whitespace ignored), wrong body, 404, redirects to an
 *     allowed target, to a refused address, to a port §8.3 does not allow, a redirect loop, an oversized
 *     body, loopback refused unless allowed, a deny list, a server that never answers (the validator's own
 *     300 ms bound), a closed port, a name without addresses, an IPv6 identifier in brackets;
 *   - dns-01 (§8.4): right, wrong, none, wildcard (base name), SERVFAIL;
 *   - tls-alpn-01 (RFC 8737): right certificate (SNI = the name), IP identifiers (SNI = the RFC 8738 §6
 *     reverse name, seen by the server), wrong digest, non-critical extension, extra or wrong SAN, no
 *     extension, a server without acme-tls/1;
 *   - CAA (RFC 8659, 8657): none (the whole climb is queried), matching, another CA, accounturi,
 *     validationmethods, issuewild, unknown critical and non-critical tags, `issue ";"`, tree climbing and
 *     precedence of the closest RRset, a failed lookup, none for IP identifiers.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import tls from "node:tls";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChallengeValidator, type ChallengeValidatorOptions } from "../../src/adapters/acme/validator.js";
import { dns01TxtValue, tlsAlpn01Digest } from "../../src/core/acme/key-authorization.js";
import type { AcmeChallengeType, AcmeIdentifier } from "../../src/core/acme/model.js";
import type { ChallengeValidation, ValidationResult } from "../../src/core/ports/acme-validator.js";
import { freePort, selfSignedEc } from "../helpers/certs.js";
import { startDnsServer, type DnsServer } from "../helpers/dns-server.js";
import { ossl, scratch } from "../helpers/oracles.js";

const CA_IDENTITY = "ca.tsca.test";
const ACCOUNT = "https://acme.test/acme/0A1B/acct/acct-1";

let dns: DnsServer;
let httpServer: http.Server;
let httpPort: number;
let tlsServer: tls.Server;
let tlsPort: number;
let silent: NetServer;
let silentPort: number;
const silentSockets = new Set<Socket>();

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
/** http-01 responders by path; every request is recorded. */
const routes = new Map<string, Handler>();
const seen: { host: string | undefined; path: string; remote: string | undefined }[] = [];

/** The certificate the tls-alpn-01 responder presents next, and the SNI names it saw. */
let tlsContext: tls.SecureContext | undefined;
const sniSeen: string[] = [];

let counter = 0;
/** A zone of its own per test, so CAA and addresses never leak between tests. */
const zone = (): string => `z${++counter}-${randomBytes(3).toString("hex")}.test`;

function challenge(type: AcmeChallengeType, identifier: AcmeIdentifier, extra: Partial<ChallengeValidation> = {}): ChallengeValidation {
  const token = randomBytes(16).toString("base64url");
  return {
    type,
    identifier,
    wildcard: false,
    token,
    keyAuthorization: `${token}.${randomBytes(32).toString("base64url")}`,
    caaIdentities: [CA_IDENTITY],
    accountUri: ACCOUNT,
    ...extra,
  };
}

function validator(opts: Partial<ChallengeValidatorOptions> = {}): ReturnType<typeof createChallengeValidator> {
  return createChallengeValidator({
    http01Port: httpPort,
    tlsAlpn01Port: tlsPort,
    dnsResolver: dns.address,
    allowLoopback: true,
    denyNetworks: [],
    // A bound on the validator, generous so a loaded machine never trips it; the timeout test sets 300.
    timeoutMs: 20_000,
    ...opts,
  });
}

const validate = (v: ChallengeValidation, opts: Partial<ChallengeValidatorOptions> = {}): Promise<ValidationResult> =>
  validator(opts).validate(v);

function expectProblem(r: ValidationResult, type: string, detail: RegExp): void {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.problem.type).toBe(`urn:ietf:params:acme:error:${type}`);
  expect(r.problem.detail).toMatch(detail);
  // One sentence.
  expect(r.problem.detail).toMatch(/[.)]$/);
}

const pathOf = (v: ChallengeValidation): string => `/.well-known/acme-challenge/${v.token}`;

/** A named http-01 target: name → 127.0.0.1, a responder for its token. */
function httpTarget(body: string | ((v: ChallengeValidation) => string), extra: Partial<ChallengeValidation> = {}): ChallengeValidation {
  const name = `www.${zone()}`;
  dns.setA(name, ["127.0.0.1"]);
  const v = challenge("http-01", { type: "dns", value: name }, extra);
  routes.set(pathOf(v), (_req, res) => res.end(typeof body === "string" ? body : body(v)));
  return v;
}

/** A self-signed tls-alpn-01 certificate by openssl with the given SANs and acmeIdentifier extension. */
function alpnCertificate(sans: string[], ext: { digest?: Buffer; critical?: boolean } | undefined): tls.SecureContext {
  const key = scratch("alpn.key");
  const cert = scratch("alpn.pem");
  const args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert];
  args.push("-subj", "/CN=acme-tls-alpn-01", "-days", "1");
  if (sans.length) args.push("-addext", `subjectAltName=${sans.join(",")}`);
  if (ext?.digest) {
    const der = Buffer.concat([Buffer.from([0x04, ext.digest.length]), ext.digest]).toString("hex");
    args.push("-addext", `1.3.6.1.5.5.7.1.31=${ext.critical === false ? "" : "critical,"}DER:${der}`);
  }
  ossl(args);
  return tls.createSecureContext({ key: readFileSync(key), cert: readFileSync(cert) });
}

beforeAll(async () => {
  dns = await startDnsServer();
  httpServer = http.createServer((req, res) => {
    seen.push({ host: req.headers.host, path: req.url ?? "", remote: req.socket.remoteAddress });
    const h = routes.get(req.url ?? "");
    if (h) h(req, res);
    else {
      res.statusCode = 404;
      res.end("not here");
    }
  });
  // "::" accepts IPv4 too (dual stack), so one responder serves 127.0.0.1 and ::1.
  await new Promise<void>((r) => httpServer.listen(0, "::", r));
  httpPort = (httpServer.address() as { port: number }).port;

  tlsServer = tls.createServer({
    ALPNProtocols: ["acme-tls/1"],
    SNICallback: (servername, cb) => {
      sniSeen.push(servername);
      cb(null, tlsContext);
    },
  });
  await new Promise<void>((r) => tlsServer.listen(0, "::", r));
  tlsPort = (tlsServer.address() as { port: number }).port;

  // Accepts connections and never answers: only the validator's deadline ends the wait.
  silent = createNetServer((s) => {
    silentSockets.add(s);
    s.on("close", () => silentSockets.delete(s));
  });
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  silentPort = (silent.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of silentSockets) s.destroy();
  await Promise.all([
    dns?.close(),
    new Promise((r) => httpServer?.close(r)),
    new Promise((r) => tlsServer?.close(r)),
    new Promise((r) => silent?.close(r)),
  ]);
});

describe("settings", () => {
  it("refuses a DNS resolver given as a name, at start-up", () => {
    expect(() => validator({ dnsResolver: "dns.example.test:53" })).toThrow(
      expect.objectContaining({
        code: "ERR_CONFIG",
        message: expect.stringMatching(/TSCA_ACME_DNS_RESOLVER.*must be an IP address and port/),
      }),
    );
    expect(() => validator({ dnsResolver: "[::1]:53" })).not.toThrow();
  });
});

describe("http-01 (RFC 8555 §8.3)", () => {
  it("is valid when the body is the key authorization (trailing whitespace ignored), sent with the name in Host", async () => {
    const v = httpTarget((c) => `${c.keyAuthorization}\r\n \n`);
    const name = v.identifier.value;
    expect(await validate(v)).toEqual({ ok: true });
    const req = seen.find((s) => s.path === pathOf(v));
    expect(req).toMatchObject({ host: `${name}:${httpPort}` });
    expect(dns.queries).toContainEqual(expect.objectContaining({ name, type: "A" }));
    expect(dns.queries).toContainEqual(expect.objectContaining({ name, type: "AAAA" }));
  });

  it("refuses a wrong body, with what it began with", async () => {
    const v = httpTarget("some other page");
    expectProblem(await validate(v), "incorrectResponse", /is not the key authorization \(it begins "some other page"\)/);
  });

  it("refuses a key authorization with a leading space or another token", async () => {
    expectProblem(await validate(httpTarget((c) => ` ${c.keyAuthorization}`)), "incorrectResponse", /not the key authorization/);
    expectProblem(await validate(httpTarget((c) => `x${c.keyAuthorization.slice(1)}`)), "incorrectResponse", /not the key authorization/);
  });

  it("refuses a 404", async () => {
    const name = `www.${zone()}`;
    dns.setA(name, ["127.0.0.1"]);
    const v = challenge("http-01", { type: "dns", value: name });
    expectProblem(
      await validate(v),
      "incorrectResponse",
      new RegExp(`${name}:${httpPort}/\\.well-known/acme-challenge/${v.token} answered HTTP 404, not 200\\.$`),
    );
  });

  it("follows a redirect to another allowed name and port, asking that name's address", async () => {
    const target = httpTarget((c) => c.keyAuthorization);
    const other = `other.${zone()}`;
    dns.setA(other, ["127.0.0.1"]);
    routes.set(pathOf(target), (_req, res) => {
      res.writeHead(302, { Location: `http://${other}:${httpPort}/moved/${target.token}` });
      res.end();
    });
    routes.set(`/moved/${target.token}`, (_req, res) => res.end(target.keyAuthorization));
    expect(await validate(target)).toEqual({ ok: true });
    expect(seen.find((s) => s.path === `/moved/${target.token}`)).toMatchObject({ host: `${other}:${httpPort}` });
    expect(dns.queries).toContainEqual(expect.objectContaining({ name: other, type: "A" }));
  });

  it("refuses a redirect to a link-local address without connecting there", async () => {
    const v = httpTarget("unused");
    routes.set(pathOf(v), (_req, res) => {
      res.writeHead(301, { Location: `http://169.254.169.254:${httpPort}/latest/meta-data/` });
      res.end();
    });
    expectProblem(await validate(v), "connection", /^The address 169\.254\.169\.254 is refused by the server's policy \(link-local\)\.$/);
  });

  it("refuses a redirect to a name that resolves to a denied network", async () => {
    const v = httpTarget("unused");
    const inner = `inner.${zone()}`;
    dns.setA(inner, ["10.1.2.3"]);
    routes.set(pathOf(v), (_req, res) => {
      res.writeHead(307, { Location: `http://${inner}:${httpPort}/x` });
      res.end();
    });
    expectProblem(
      await validate(v, { denyNetworks: ["10.0.0.0/8"] }),
      "connection",
      new RegExp(`10\\.1\\.2\\.3 of ${inner} is refused by the server's policy \\(TSCA_ACME_DENY_NETWORKS\\)`),
    );
  });

  it("refuses a redirect to a port or scheme §8.3 does not allow", async () => {
    const v = httpTarget("unused");
    routes.set(pathOf(v), (_req, res) => {
      res.writeHead(302, { Location: `http://localhost:8081/x` });
      res.end();
    });
    expectProblem(
      await validate(v),
      "connection",
      /redirected to http:\/\/localhost:8081\/x, but redirects may only lead to http on port 80 or \d+ or https on port 443 or \d+\.$/,
    );
    const w = httpTarget("unused");
    routes.set(pathOf(w), (_req, res) => {
      res.writeHead(302, { Location: `ftp://localhost/x` });
      res.end();
    });
    expectProblem(await validate(w), "connection", /redirected to ftp:\/\/localhost\/x, but redirects may only lead/);
  });

  it("stops after 10 redirects", async () => {
    const v = httpTarget("unused");
    let hits = 0;
    routes.set(pathOf(v), (_req, res) => {
      hits++;
      res.writeHead(302, { Location: pathOf(v) });
      res.end();
    });
    expectProblem(await validate(v), "connection", /led to more than 10 redirects\.$/);
    expect(hits).toBe(11);
  });

  it("refuses a body over 8 KiB even when it begins with the key authorization", async () => {
    const v = httpTarget((c) => c.keyAuthorization + "x".repeat(9_000));
    expectProblem(await validate(v), "incorrectResponse", /is longer than 8192 bytes\.$/);
    const fits = httpTarget((c) => c.keyAuthorization + " ".repeat(8_192 - c.keyAuthorization.length));
    expect(await validate(fits)).toEqual({ ok: true });
  });

  it("never connects to loopback unless allowed, and honours the deny list", async () => {
    const v = httpTarget((c) => c.keyAuthorization);
    const before = seen.length;
    expectProblem(
      await validate(v, { allowLoopback: false }),
      "connection",
      new RegExp(`^The address 127\\.0\\.0\\.1 of ${v.identifier.value} is refused by the server's policy \\(loopback\\)\\.$`),
    );
    expectProblem(await validate(v, { denyNetworks: ["127.0.0.1"] }), "connection", /\(TSCA_ACME_DENY_NETWORKS\)/);
    const ip = challenge("http-01", { type: "ip", value: "::1" });
    expectProblem(
      await validate(ip, { allowLoopback: false }),
      "connection",
      /^The address ::1 is refused by the server's policy \(loopback\)\.$/,
    );
    expect(seen.length).toBe(before);
  });

  it("gives up at its own deadline on a server that never answers", async () => {
    const v = httpTarget("unused");
    expectProblem(
      await validate(v, { http01Port: silentPort, timeoutMs: 300 }),
      "connection",
      /failed: no answer within the validation's 300 ms\.$/,
    );
  });

  it("reports a closed port and a name without addresses", async () => {
    const v = httpTarget("unused");
    expectProblem(await validate(v, { http01Port: await freePort() }), "connection", /failed: ECONNREFUSED\.$/);
    const name = `void.${zone()}`;
    expectProblem(
      await validate(challenge("http-01", { type: "dns", value: name })),
      "dns",
      new RegExp(`^${name} has no A or AAAA record\\.$`),
    );
  });

  it("tries IPv6 first and skips addresses the policy refuses", async () => {
    const v = httpTarget((c) => c.keyAuthorization);
    dns.setA(v.identifier.value, ["127.0.0.1", "::1"]);
    expect(await validate(v)).toEqual({ ok: true });
    expect(seen.filter((s) => s.path === pathOf(v)).map((s) => s.remote)).toEqual(["::1"]);
    const w = httpTarget((c) => c.keyAuthorization);
    dns.setA(w.identifier.value, ["fe80::1", "169.254.1.1", "127.0.0.1"]);
    expect(await validate(w)).toEqual({ ok: true });
    expect(seen.filter((s) => s.path === pathOf(w)).map((s) => s.remote)).toEqual(["::ffff:127.0.0.1"]);
  });

  it("follows a redirect to https without checking its certificate, and reports a failed handshake as tls", async () => {
    const name = `www.${zone()}`;
    const cert = scratch("https.pem");
    const key = scratch("https.key");
    selfSignedEc(key, "/CN=untrusted", 1, { extra: ["-out", cert] });
    const hosts: (string | undefined)[] = [];
    const httpsServer = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      hosts.push(req.headers.host);
      res.end(req.url === `/secure/${v.token}` ? v.keyAuthorization : "no");
    });
    await new Promise<void>((r) => httpsServer.listen(0, "127.0.0.1", r));
    const httpsPort = (httpsServer.address() as { port: number }).port;
    dns.setA(name, ["127.0.0.1"]);
    const v = challenge("http-01", { type: "dns", value: name });
    try {
      routes.set(pathOf(v), (_req, res) => {
        res.writeHead(301, { Location: `https://${name}:${httpsPort}/secure/${v.token}` });
        res.end();
      });
      expect(await validate(v, { tlsAlpn01Port: httpsPort })).toEqual({ ok: true });
      expect(hosts).toEqual([`${name}:${httpsPort}`]);
      // https to a port that speaks plain HTTP: the handshake fails.
      routes.set(pathOf(v), (_req, res) => {
        res.writeHead(301, { Location: `https://${name}:${httpPort}/secure/${v.token}` });
        res.end();
      });
      expectProblem(
        await validate(v, { tlsAlpn01Port: httpPort }),
        "tls",
        new RegExp(`^The TLS handshake with https://${name.replace(/\./g, "\\.")}:${httpPort}/secure/.* failed`),
      );
    } finally {
      await new Promise((r) => httpsServer.close(r));
    }
  });

  it("validates an IPv6 identifier at http://[::1]:PORT with that Host", async () => {
    const v = challenge("http-01", { type: "ip", value: "::1" });
    routes.set(pathOf(v), (_req, res) => res.end(v.keyAuthorization));
    expect(await validate(v)).toEqual({ ok: true });
    expect(seen.find((s) => s.path === pathOf(v))).toMatchObject({ host: `[::1]:${httpPort}`, remote: "::1" });
  });
});

describe("dns-01 (RFC 8555 §8.4)", () => {
  it("is valid when one TXT record is the digest, invalid otherwise", async () => {
    const name = `www.${zone()}`;
    const v = challenge("dns-01", { type: "dns", value: name });
    dns.setTxt(`_acme-challenge.${name}`, ["unrelated", dns01TxtValue(v.keyAuthorization)]);
    expect(await validate(v)).toEqual({ ok: true });
    dns.setTxt(`_acme-challenge.${name}`, [dns01TxtValue(`${v.keyAuthorization}x`)]);
    expectProblem(
      await validate(v),
      "incorrectResponse",
      new RegExp(`^No TXT record at _acme-challenge\\.${name} is the digest of the key authorization`),
    );
    dns.clearTxt(`_acme-challenge.${name}`);
    expectProblem(await validate(v), "incorrectResponse", new RegExp(`^There is no TXT record at _acme-challenge\\.${name}\\.$`));
  });

  it("reads an answer too large for UDP over TCP from the same server", async () => {
    const name = `www.${zone()}`;
    const v = challenge("dns-01", { type: "dns", value: name });
    const filler = Array.from({ length: 40 }, (_, i) => `${i}-${"f".repeat(60)}`);
    dns.setTxt(`_acme-challenge.${name}`, [...filler, dns01TxtValue(v.keyAuthorization)]);
    expect(await validate(v)).toEqual({ ok: true });
    // About 2.7 KB: more than the 1232-byte EDNS buffer c-ares offers, so the truncated UDP answer is retried over TCP.
    const asked = dns.queries.filter((q) => q.name === `_acme-challenge.${name}`).map((q) => q.transport);
    expect(asked).toContain("udp");
    expect(asked).toContain("tcp");
  });

  it("proves a wildcard at _acme-challenge of the base name", async () => {
    const base = zone();
    const v = challenge("dns-01", { type: "dns", value: base }, { wildcard: true });
    dns.setTxt(`_acme-challenge.${base}`, [dns01TxtValue(v.keyAuthorization)]);
    expect(await validate(v)).toEqual({ ok: true });
    expect(dns.queries).toContainEqual(expect.objectContaining({ name: `_acme-challenge.${base}`, type: "TXT" }));
  });

  it("reports SERVFAIL as a dns problem", async () => {
    const name = `www.${zone()}`;
    dns.setFailure(`_acme-challenge.${name}`, "servfail");
    expectProblem(
      await validate(challenge("dns-01", { type: "dns", value: name })),
      "dns",
      /^The TXT lookup for _acme-challenge\..* failed: the DNS server answered SERVFAIL\.$/,
    );
  });

  it("reports a DNS server that never answers, at the validation's deadline", async () => {
    const name = `www.${zone()}`;
    dns.setFailure(`_acme-challenge.${name}`, "silent");
    expectProblem(
      await validate(challenge("dns-01", { type: "dns", value: name }), { timeoutMs: 300 }),
      "dns",
      /^The TXT lookup for _acme-challenge\..* failed: no DNS answer within 300 ms\.$/,
    );
  });

  it("refuses what cannot apply: dns-01 for an IP, http-01 for a wildcard", async () => {
    expectProblem(await validate(challenge("dns-01", { type: "ip", value: "127.0.0.1" })), "malformed", /RFC 8738 §7/);
    expectProblem(await validate(challenge("http-01", { type: "dns", value: zone() }, { wildcard: true })), "malformed", /only dns-01/);
  });
});

describe("tls-alpn-01 (RFC 8737)", () => {
  it("is valid with the right certificate, sent with SNI = the name", async () => {
    const name = `www.${zone()}`;
    dns.setA(name, ["127.0.0.1"]);
    const v = challenge("tls-alpn-01", { type: "dns", value: name });
    tlsContext = alpnCertificate([`DNS:${name}`], { digest: tlsAlpn01Digest(v.keyAuthorization) });
    expect(await validate(v)).toEqual({ ok: true });
    expect(sniSeen).toContain(name);
  });

  it("uses the reverse-mapping name as SNI for IP identifiers (RFC 8738 §6)", async () => {
    for (const ip of ["127.0.0.1", "::1"]) {
      const v = challenge("tls-alpn-01", { type: "ip", value: ip });
      tlsContext = alpnCertificate([`IP:${ip}`], { digest: tlsAlpn01Digest(v.keyAuthorization) });
      expect(await validate(v)).toEqual({ ok: true });
    }
    expect(sniSeen).toContain("1.0.0.127.in-addr.arpa");
    expect(sniSeen).toContain(`1.${"0.".repeat(31)}ip6.arpa`);
  });

  it("refuses a wrong digest, a non-critical extension, no extension, and SANs other than exactly the identifier", async () => {
    const name = `www.${zone()}`;
    dns.setA(name, ["127.0.0.1"]);
    const v = challenge("tls-alpn-01", { type: "dns", value: name });
    const digest = tlsAlpn01Digest(v.keyAuthorization);
    const cases: [tls.SecureContext, RegExp][] = [
      [alpnCertificate([`DNS:${name}`], { digest: tlsAlpn01Digest("other") }), /is not the SHA-256 digest of the key authorization\.$/],
      [alpnCertificate([`DNS:${name}`], { digest, critical: false }), /acmeIdentifier extension is not critical\.$/],
      [alpnCertificate([`DNS:${name}`], undefined), /has no acmeIdentifier extension/],
      [
        alpnCertificate([`DNS:${name}`, `DNS:extra.${name}`], { digest }),
        new RegExp(`subjectAltName is DNS:${name}, DNS:extra\\.${name}, not exactly DNS:${name}\\.$`),
      ],
      [alpnCertificate([`DNS:other.${name}`], { digest }), /not exactly DNS:/],
      [alpnCertificate([], { digest }), /has no subjectAltName extension\.$/],
    ];
    for (const [ctx, detail] of cases) {
      tlsContext = ctx;
      expectProblem(await validate(v), "incorrectResponse", detail);
    }
    // An IP identifier needs an iPAddress SAN, not the address as a dNSName.
    const ip = challenge("tls-alpn-01", { type: "ip", value: "127.0.0.1" });
    tlsContext = alpnCertificate(["DNS:127.0.0.1"], { digest: tlsAlpn01Digest(ip.keyAuthorization) });
    expectProblem(await validate(ip), "incorrectResponse", /not exactly IP:127\.0\.0\.1\.$/);
  });

  it("refuses a server that does not speak acme-tls/1", async () => {
    // Offers http/1.1 only: Node's server ends the handshake with no_application_protocol (RFC 7301 §3.2).
    const plain = tls.createServer({ ALPNProtocols: ["http/1.1"], SNICallback: (_name, cb) => cb(null, tlsContext) });
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
    try {
      const name = `www.${zone()}`;
      dns.setA(name, ["127.0.0.1"]);
      const v = challenge("tls-alpn-01", { type: "dns", value: name });
      tlsContext = alpnCertificate([`DNS:${name}`], { digest: tlsAlpn01Digest(v.keyAuthorization) });
      expectProblem(
        await validate(v, { tlsAlpn01Port: (plain.address() as { port: number }).port }),
        "tls",
        /TLS handshake with 127\.0\.0\.1:\d+ \(www\..*\) failed/,
      );
    } finally {
      await new Promise((r) => plain.close(r));
    }
  });
});

describe("CAA (RFC 8659, RFC 8657)", () => {
  /** A dns-01 challenge that passes, for a name under a fresh zone; the CAA decision is what varies. */
  function passing(labels = "www", extra: Partial<ChallengeValidation> = {}): { v: ChallengeValidation; zone: string; name: string } {
    const z = zone();
    const name = labels ? `${labels}.${z}` : z;
    const v = challenge("dns-01", { type: "dns", value: name }, extra);
    dns.setTxt(`_acme-challenge.${name}`, [dns01TxtValue(v.keyAuthorization)]);
    return { v, zone: z, name };
  }

  it("permits when there is no CAA anywhere, after asking every level up to the TLD", async () => {
    const { v, zone: z, name } = passing("a.b");
    expect(await validate(v)).toEqual({ ok: true });
    for (const owner of [name, `b.${z}`, z, "test"])
      expect(dns.queries).toContainEqual(expect.objectContaining({ name: owner, type: "CAA" }));
  });

  it("permits a matching issuer (case-insensitive) found by climbing to the zone", async () => {
    const { v, zone: z } = passing("a.b");
    dns.setCaa(z, [
      { tag: "issue", value: "CA.TSCA.TEST" },
      { tag: "iodef", value: "mailto:caa@example.test" },
    ]);
    expect(await validate(v)).toEqual({ ok: true });
  });

  it("refuses another CA, naming the owner and the permitted issuer", async () => {
    const { v, zone: z } = passing("a.b");
    dns.setCaa(z, [{ tag: "issue", value: "otherca.example" }]);
    expectProblem(await validate(v), "caa", new RegExp(`^The CAA record for ${z} permits only otherca\\.example\\.$`));
  });

  it("uses the closest non-empty RRset: a permitting record below a refusing one wins, and the other way round", async () => {
    const { v, zone: z, name } = passing("a");
    dns.setCaa(z, [{ tag: "issue", value: "otherca.example" }]);
    dns.setCaa(name, [{ tag: "issue", value: CA_IDENTITY }]);
    expect(await validate(v)).toEqual({ ok: true });
    const second = passing("a");
    dns.setCaa(second.zone, [{ tag: "issue", value: CA_IDENTITY }]);
    dns.setCaa(second.name, [{ tag: "issue", value: "otherca.example" }]);
    expectProblem(await validate(second.v), "caa", new RegExp(`for ${second.name.replace(/\./g, "\\.")} permits only otherca`));
  });

  it("checks accounturi (RFC 8657 §3)", async () => {
    const ok = passing();
    dns.setCaa(ok.name, [{ tag: "issue", value: `${CA_IDENTITY}; accounturi=${ACCOUNT}` }]);
    expect(await validate(ok.v)).toEqual({ ok: true });
    const other = passing();
    dns.setCaa(other.name, [{ tag: "issue", value: `${CA_IDENTITY}; accounturi=https://acme.test/acme/0A1B/acct/someone-else` }]);
    expectProblem(
      await validate(other.v),
      "caa",
      /permits ca\.tsca\.test only for the account https:\/\/acme\.test\/acme\/0A1B\/acct\/someone-else\.$/,
    );
    const twice = passing();
    dns.setCaa(twice.name, [{ tag: "issue", value: `${CA_IDENTITY}; accounturi=${ACCOUNT}; accounturi=${ACCOUNT}` }]);
    expectProblem(await validate(twice.v), "caa", /with more than one accounturi\.$/);
  });

  it("checks validationmethods (RFC 8657 §4)", async () => {
    const ok = passing();
    dns.setCaa(ok.name, [{ tag: "issue", value: `${CA_IDENTITY}; validationmethods=http-01,dns-01` }]);
    expect(await validate(ok.v)).toEqual({ ok: true });
    const no = passing();
    dns.setCaa(no.name, [{ tag: "issue", value: `${CA_IDENTITY}; validationmethods=http-01` }]);
    expectProblem(await validate(no.v), "caa", /permits ca\.tsca\.test only with the validation methods http-01\.$/);
  });

  it("applies issuewild to wildcard authorizations only, and issue when there is no issuewild", async () => {
    const records = [
      { tag: "issue", value: CA_IDENTITY },
      { tag: "issuewild", value: "otherca.example" },
    ];
    const wild = passing("", { wildcard: true });
    dns.setCaa(wild.name, records);
    expectProblem(
      await validate(wild.v),
      "caa",
      new RegExp(`^The CAA record \\(issuewild\\) for ${wild.name} permits only otherca\\.example\\.$`),
    );
    const plain = passing("");
    dns.setCaa(plain.name, records);
    expect(await validate(plain.v)).toEqual({ ok: true });
    const wildIssueOnly = passing("", { wildcard: true });
    dns.setCaa(wildIssueOnly.name, [{ tag: "issue", value: CA_IDENTITY }]);
    expect(await validate(wildIssueOnly.v)).toEqual({ ok: true });
    const wildAllowed = passing("", { wildcard: true });
    dns.setCaa(wildAllowed.name, [
      { tag: "issue", value: "otherca.example" },
      { tag: "issuewild", value: CA_IDENTITY },
    ]);
    expect(await validate(wildAllowed.v)).toEqual({ ok: true });
  });

  it('refuses an unknown critical property and `issue ";"`, ignores an unknown non-critical one', async () => {
    const critical = passing();
    dns.setCaa(critical.name, [
      { tag: "issue", value: CA_IDENTITY },
      { tag: "tbs", value: "x", critical: true },
    ]);
    expectProblem(await validate(critical.v), "caa", /has a critical property "tbs" that this CA does not support\.$/);
    const relaxed = passing();
    dns.setCaa(relaxed.name, [
      { tag: "issue", value: CA_IDENTITY },
      { tag: "tbs", value: "x" },
    ]);
    expect(await validate(relaxed.v)).toEqual({ ok: true });
    const none = passing();
    dns.setCaa(none.name, [{ tag: "issue", value: ";" }]);
    expectProblem(await validate(none.v), "caa", /forbids issuance by any CA\.$/);
    const iodefOnly = passing();
    dns.setCaa(iodefOnly.name, [{ tag: "iodef", value: "mailto:x@example.test" }]);
    expect(await validate(iodefOnly.v)).toEqual({ ok: true });
  });

  it("refuses when the CA has no CAA identity and a record restricts issuance", async () => {
    const p = passing("", { caaIdentities: [] });
    dns.setCaa(p.name, [{ tag: "issue", value: CA_IDENTITY }]);
    expectProblem(await validate(p.v), "caa", /permits only ca\.tsca\.test\.$/);
  });

  it("refuses when a CAA lookup fails (RFC 8659 §4)", async () => {
    const p = passing("a");
    dns.setFailure(p.zone, "servfail");
    expectProblem(await validate(p.v), "dns", new RegExp(`^The CAA lookup for ${p.zone} failed: the DNS server answered SERVFAIL\\.$`));
  });

  it("does not look up CAA for IP identifiers (RFC 8738 §7)", async () => {
    const v = challenge("http-01", { type: "ip", value: "127.0.0.1" });
    routes.set(pathOf(v), (_req, res) => res.end(v.keyAuthorization));
    const before = dns.queries.length;
    expect(await validate(v)).toEqual({ ok: true });
    expect(dns.queries.slice(before)).toEqual([]);
  });
});
