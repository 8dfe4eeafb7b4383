/**
 * tls-alpn-01 (RFC 8737): a TLS handshake with the identifier's address on port 443
 * (TSCA_ACME_TLSALPN01_PORT) offering only the "acme-tls/1" ALPN protocol (§3, §6.2), with SNI the DNS
 * name — or, for an "ip" identifier, its reverse-mapping name (RFC 8738 §6: 1.0.0.127.in-addr.arpa,
 * nibbles under ip6.arpa). The server must negotiate acme-tls/1 and present a certificate with
 *   - a subjectAltName of exactly one entry, the identifier (dNSName, or iPAddress for RFC 8738 §6), and
 *   - the critical id-pe-acmeIdentifier extension (1.3.6.1.5.5.7.1.31) whose value is the DER OCTET
 *     STRING of SHA-256(key authorization) (§3: "MUST be critical").
 * The certificate is self-signed on purpose and is not checked for trust (§3). It is parsed with the
 * project's own DER code (core/x509).
 */
import { isIP } from "node:net";
import tls from "node:tls";
import { canonicalIp, ipReverseName } from "../../core/acme/identifiers.js";
import { tlsAlpn01Digest } from "../../core/acme/key-authorization.js";
import type { ChallengeValidation } from "../../core/ports/acme-validator.js";
import { parseCertificate } from "../../core/x509/certificate.js";
import { parseDer } from "../../core/x509/der-reader.js";
import { decodeGeneralNames, formatGeneralName } from "../../core/x509/general-name.js";
import { OID } from "../../core/x509/oids.js";
import { reachableAddresses, timedOut, type ValidationContext } from "./context.js";
import { ChallengeFailure } from "./failure.js";

export const ACME_TLS_ALPN = "acme-tls/1";
/** RFC 8737 §6.1: id-pe-acmeIdentifier. */
export const ACME_IDENTIFIER_OID = "1.3.6.1.5.5.7.1.31";

interface Handshake {
  alpn: string | false;
  der: Buffer | undefined;
}

function handshake(address: string, port: number, servername: string, signal: AbortSignal): Promise<Handshake> {
  return new Promise<Handshake>((resolve, reject) => {
    if (signal.aborted) return reject(new Error("aborted"));
    const socket = tls.connect({
      host: address,
      port,
      servername,
      ALPNProtocols: [ACME_TLS_ALPN],
      rejectUnauthorized: false,
      minVersion: "TLSv1.2", // RFC 8737 §3: TLS 1.2 or later
    });
    const onAbort = (): void => {
      socket.destroy();
      reject(new Error("aborted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const done = (): void => signal.removeEventListener("abort", onAbort);
    socket.once("secureConnect", () => {
      const peer = socket.getPeerCertificate();
      const result = { alpn: socket.alpnProtocol ?? false, der: peer && "raw" in peer ? peer.raw : undefined };
      done();
      socket.destroy();
      resolve(result);
    });
    socket.once("error", (e) => {
      done();
      socket.destroy();
      reject(e);
    });
  });
}

/** Why the certificate does not prove the challenge, or undefined when it does. */
export function certificateProblem(der: Buffer, v: ChallengeValidation): string | undefined {
  let cert;
  try {
    cert = parseCertificate(der);
  } catch {
    return "The certificate cannot be parsed.";
  }
  const sans = cert.extensions.filter((e) => e.oid === OID.subjectAltName);
  if (sans.length !== 1) return "The certificate has no subjectAltName extension.";
  let names;
  try {
    names = decodeGeneralNames(sans[0]!.value);
  } catch {
    return "The certificate's subjectAltName cannot be parsed.";
  }
  const id = v.identifier;
  const matches = (n: (typeof names)[number]): boolean =>
    id.type === "ip"
      ? n.type === "ip" && n.prefix === undefined && canonicalIp(n.value) === canonicalIp(id.value)
      : n.type === "dns" && n.value.toLowerCase().replace(/\.$/, "") === id.value;
  if (names.length !== 1 || !matches(names[0]!))
    return `The certificate's subjectAltName is ${names.map(formatGeneralName).join(", ") || "empty"}, not exactly ${id.type === "ip" ? "IP" : "DNS"}:${id.value}.`;
  const ext = cert.extensions.filter((e) => e.oid === ACME_IDENTIFIER_OID);
  if (ext.length !== 1) return "The certificate has no acmeIdentifier extension (1.3.6.1.5.5.7.1.31).";
  if (!ext[0]!.critical) return "The certificate's acmeIdentifier extension is not critical.";
  let digest: Buffer | undefined;
  try {
    const t = parseDer(ext[0]!.value);
    if (t.tag === 0x04) digest = t.value;
  } catch {
    digest = undefined;
  }
  if (!digest || !digest.equals(tlsAlpn01Digest(v.keyAuthorization)))
    return "The certificate's acmeIdentifier extension is not the SHA-256 digest of the key authorization.";
  return undefined;
}

export async function validateTlsAlpn01(ctx: ValidationContext, v: ChallengeValidation): Promise<void> {
  const servername = v.identifier.type === "ip" ? ipReverseName(v.identifier.value) : v.identifier.value;
  const addresses = await reachableAddresses(ctx, v.identifier.value);
  const where = (address: string): string =>
    `${isIP(address) === 6 ? `[${address}]` : address}:${ctx.tlsAlpn01Port}${address === v.identifier.value ? "" : ` (${v.identifier.value})`}`;
  let first: ChallengeFailure | undefined;
  for (const address of addresses) {
    let h: Handshake;
    try {
      h = await handshake(address, ctx.tlsAlpn01Port, servername, ctx.signal);
    } catch (e) {
      if (ctx.signal.aborted) throw new ChallengeFailure("connection", `The TLS connection to ${where(address)} failed: ${timedOut(ctx)}.`);
      const err = e as NodeJS.ErrnoException;
      const connectionLevel = ["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EADDRNOTAVAIL"].includes(
        err.code ?? "",
      );
      first ??= connectionLevel
        ? new ChallengeFailure("connection", `The TLS connection to ${where(address)} failed: ${err.code}.`)
        : new ChallengeFailure("tls", `The TLS handshake with ${where(address)} failed: ${err.message}.`);
      continue;
    }
    if (h.alpn !== ACME_TLS_ALPN)
      throw new ChallengeFailure("tls", `${where(address)} did not negotiate the ${ACME_TLS_ALPN} protocol (RFC 8737 §3).`);
    if (!h.der) throw new ChallengeFailure("tls", `${where(address)} presented no certificate.`);
    const problem = certificateProblem(h.der, v);
    if (problem) throw new ChallengeFailure("incorrectResponse", `${where(address)}: ${problem}`);
    return;
  }
  throw first!;
}
