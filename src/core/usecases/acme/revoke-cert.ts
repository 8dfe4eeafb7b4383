/**
 * revokeCert (RFC 8555 §7.6): the request is signed by the account that ordered the certificate, by an
 * account that holds valid authorizations for every identifier in it, or by the certificate's own key
 * ("jwk"). Only after that check does the account get the revoke grant on this CA, and the revocation
 * itself is the revoke_cert use case (same audit, CRL and OCSP effects). Reasons are the RFC 5280 §5.3.1
 * codes 0–10 except 7 (unused) and 8 (removeFromCRL, delta CRLs only) → badRevocationReason.
 */
import { createPublicKey } from "node:crypto";
import { grantsOf } from "../../access/permissions.js";
import { jwkThumbprint } from "../../acme/key-authorization.js";
import type { AcmeAccount, AcmeIdentifier, PublicJwk } from "../../acme/model.js";
import { AcmeProblem } from "../../acme/problem.js";
import { isTscaError } from "../../errors.js";
import { reasonFromCode } from "../../revocation/reasons.js";
import { parseCertificate, type ParsedCertificate } from "../../x509/certificate.js";
import { subjectAltName } from "../../x509/extensions/alternative-names.js";
import { findExtension } from "../../x509/extensions/registry.js";
import type { GeneralName } from "../../x509/general-name.js";
import { commonName } from "../../x509/name.js";
import { commonNameIdentifier, identifierOfName } from "../../acme/csr-match.js";
import { revokeCert } from "../revoke-cert.js";
import { acmeContext, type AcmeDeps, type AcmeRequest } from "./deps.js";
import { orderState } from "./order-state.js";

function parsePayload(payload: unknown): { der: Buffer; reason: number } {
  const p = payload as { certificate?: unknown; reason?: unknown } | undefined;
  if (typeof p?.certificate !== "string" || !/^[A-Za-z0-9_-]+$/.test(p.certificate))
    throw new AcmeProblem("malformed", 'The revocation payload must carry "certificate", base64url DER (§7.6).');
  const reason = p.reason ?? 0;
  if (typeof reason !== "number" || !Number.isInteger(reason))
    throw new AcmeProblem("badRevocationReason", "The reason must be an integer code.");
  return { der: Buffer.from(p.certificate, "base64url"), reason };
}

/**
 * The identifiers in the certificate as authorizations name them (dns:name, dns:*.name, ip:address): its
 * dNSName and iPAddress subjectAltNames and its common name. Any other name (an e-mail address, a URI)
 * is one no ACME authorization covers, so it is kept as such and no account can hold it. The certificate
 * is read, not its order: §7.6 speaks of "all of the identifiers in the certificate", and a certificate
 * the CA issued outside ACME has no order.
 */
function identifiersOf(cert: ParsedCertificate): Set<string> {
  const ids = new Set<string>();
  let sans: GeneralName[];
  try {
    sans = findExtension(cert.extensions, subjectAltName) ?? [];
  } catch {
    return new Set(["unparsable:subjectAltName"]);
  }
  const key = (id: AcmeIdentifier): string => `${id.type}:${id.value}`;
  for (const g of sans) {
    const id = identifierOfName(g);
    ids.add(id ? key(id) : `other:${g.type}`);
  }
  const cn = commonName(cert.subject);
  if (cn !== undefined) ids.add(key(commonNameIdentifier(cn)));
  return ids;
}

/** §7.6: an account other than the orderer may revoke when it holds valid authorizations for every identifier. */
async function accountHoldsAuthorizations(deps: AcmeDeps, account: AcmeAccount, needed: Set<string>): Promise<boolean> {
  const held = new Set<string>();
  let after: string | undefined;
  for (let pages = 0; pages < 20; pages++) {
    const orders = await deps.acme.listOrders(account.id, 100, after);
    for (const o of orders) {
      const { authorizations } = await orderState(deps, o);
      for (const a of authorizations)
        if (a.status === "valid") held.add(`${a.identifier.type}:${a.wildcard ? "*." : ""}${a.identifier.value}`);
    }
    if (orders.length < 100) break;
    after = orders[orders.length - 1]!.id;
  }
  // A certificate without identifiers is nobody's to revoke by authorizations.
  return needed.size > 0 && [...needed].every((n) => held.has(n));
}

export async function revokeByAcme(
  deps: AcmeDeps,
  r: AcmeRequest,
  signer: { account?: AcmeAccount; jwk?: PublicJwk },
  payload: unknown,
): Promise<void> {
  const { der, reason } = parsePayload(payload);
  if (reason < 0 || reason > 10 || reason === 7 || reason === 8)
    throw new AcmeProblem("badRevocationReason", `Revocation reason ${reason} is not allowed (RFC 5280 §5.3.1 codes 0–10 except 7 and 8).`);
  const reasonName = reasonFromCode(reason);
  if (!reasonName) throw new AcmeProblem("badRevocationReason", `Revocation reason ${reason} is not allowed.`);
  let parsed: ParsedCertificate;
  try {
    parsed = parseCertificate(der);
  } catch {
    throw new AcmeProblem("malformed", "The certificate to revoke is not a DER X.509 certificate.");
  }
  const serial = parsed.serial;
  const cert = await deps.certs.get(serial);
  if (!cert || cert.caSerial !== r.ca.serial || !cert.der.equals(der))
    throw new AcmeProblem("malformed", "This CA did not issue that certificate.", { status: 404 });
  const order = await deps.acme.findOrderByCertificate(serial);
  let actorUrl: string;
  if (signer.account) {
    actorUrl = r.urls.account(signer.account.id);
    const ordered = order?.accountId === signer.account.id;
    if (!ordered && !(await accountHoldsAuthorizations(deps, signer.account, identifiersOf(parsed))))
      throw new AcmeProblem(
        "unauthorized",
        "This account neither ordered the certificate nor holds authorizations for all its identifiers.",
      );
  } else {
    const spkiJwk = createPublicKey({ key: parsed.spki, format: "der", type: "spki" }).export({ format: "jwk" });
    if (!signer.jwk || jwkThumbprint(spkiJwk as Record<string, unknown>) !== jwkThumbprint(signer.jwk))
      throw new AcmeProblem("unauthorized", "The request is not signed by the certificate's key.");
    actorUrl = `${r.urls.revokeCert}#certificate-key`;
  }
  if (cert.revokedAt) throw new AcmeProblem("alreadyRevoked", "The certificate is already revoked.");
  const ctx = acmeContext(deps, r, actorUrl, grantsOf([{ permission: "revoke", caSerial: r.ca.serial }]));
  try {
    await revokeCert(ctx, deps, { cert: serial, reason: reasonName });
  } catch (e) {
    if (isTscaError(e) && e.code === "ERR_ALREADY_REVOKED") throw new AcmeProblem("alreadyRevoked", "The certificate is already revoked.");
    if (isTscaError(e) && (e.kind === "invalid" || e.kind === "usage")) throw new AcmeProblem("badRevocationReason", e.message);
    throw e;
  }
}
