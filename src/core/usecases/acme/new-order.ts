/**
 * newOrder (RFC 8555 §7.4): the identifiers are parsed and checked against the CA's ACME policy and the
 * name constraints of the CA and its ancestors (rejectedIdentifier with one subproblem each, §6.7.1);
 * one authorization per identifier with its challenges (§7.1.4, §8): dns-01 only for a wildcard
 * (§7.1.3), http-01 and tls-alpn-01 only for an IP address (RFC 8738 §7), all three otherwise.
 * "replaces" (RFC 9773 §5) must name a certificate this account ordered that no other order replaced.
 */
import { auditEvent } from "../../access/guard.js";
import { certificateAriId, parseAriCertId, serialHexFromDer } from "../../acme/ari.js";
import { authorizationIdentifier, checkIdentifierPolicy, nameConstraintSources, parseOrderIdentifiers } from "../../acme/identifiers.js";
import type { AcmeAccount, AcmeAuthorization, AcmeChallenge, AcmeChallengeType, AcmeOrder } from "../../acme/model.js";
import { AcmeProblem } from "../../acme/problem.js";
import { caChain } from "./ca-chain.js";
import { acmeContext, newAcmeId, type AcmeDeps, type AcmeRequest } from "./deps.js";

function optionalDate(p: Record<string, unknown>, name: string): Date | null {
  const v = p[name];
  if (v === undefined || v === null) return null;
  const d = typeof v === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v) ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new AcmeProblem("malformed", `"${name}" must be an RFC 3339 date-time.`);
  return d;
}

function challengeTypes(a: { identifier: { type: string }; wildcard: boolean }): AcmeChallengeType[] {
  if (a.wildcard) return ["dns-01"];
  if (a.identifier.type === "ip") return ["http-01", "tls-alpn-01"];
  return ["http-01", "dns-01", "tls-alpn-01"];
}

/** RFC 9773 §5: the certificate `replaces` names was ordered by this account and is not replaced yet. */
async function checkReplaces(deps: AcmeDeps, r: AcmeRequest, account: AcmeAccount, raw: unknown): Promise<string | null> {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== "string") throw new AcmeProblem("malformed", '"replaces" must be an ARI certificate identifier.');
  const { serial } = parseAriCertId(raw);
  const certSerial = serialHexFromDer(serial);
  const order = await deps.acme.findOrderByCertificate(certSerial);
  const cert = order && order.accountId === account.id ? await deps.certs.get(certSerial) : undefined;
  if (!cert || certificateAriId(cert.der) !== raw)
    throw new AcmeProblem("malformed", `"replaces" names no certificate this account ordered from this CA.`);
  const others = await deps.acme.findOrdersReplacing(r.ca.serial, raw);
  if (others.some((o) => o.status !== "invalid"))
    throw new AcmeProblem("alreadyReplaced", "Another order already replaces this certificate (RFC 9773 §5).");
  return raw;
}

export interface NewOrderResult {
  order: AcmeOrder;
  authorizations: AcmeAuthorization[];
}

export async function newOrder(deps: AcmeDeps, r: AcmeRequest, account: AcmeAccount, payload: unknown): Promise<NewOrderResult> {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    throw new AcmeProblem("malformed", "The newOrder payload must be a JSON object with identifiers.");
  const p = payload as Record<string, unknown>;
  const identifiers = parseOrderIdentifiers(p["identifiers"]);
  const chain = await caChain(deps.cas, r.ca);
  checkIdentifierPolicy(identifiers, r.ca.acme!, nameConstraintSources(chain.map((c) => ({ name: c.name, der: c.der }))));
  const now = deps.clock.now();
  const notBefore = optionalDate(p, "notBefore");
  const notAfter = optionalDate(p, "notAfter");
  // The worker starts a certificate's validity when it signs; a later start cannot be honoured.
  if (notBefore && notBefore.getTime() > now.getTime() + 60_000)
    throw new AcmeProblem("malformed", "This CA does not issue certificates that start in the future (notBefore).");
  if (notAfter && notAfter.getTime() <= now.getTime()) throw new AcmeProblem("malformed", '"notAfter" must be in the future.');
  if (notAfter && notAfter.getTime() > r.ca.notAfter.getTime())
    throw new AcmeProblem("malformed", `"notAfter" is after the CA's own expiry (${r.ca.notAfter.toISOString()}).`);
  const replaces = await checkReplaces(deps, r, account, p["replaces"]);
  const expires = new Date(now.getTime() + deps.orderValiditySeconds * 1000);
  const order: AcmeOrder = {
    id: newAcmeId(deps.random),
    accountId: account.id,
    caSerial: r.ca.serial,
    status: "pending",
    identifiers,
    notBefore,
    notAfter,
    expires,
    error: null,
    signingRequestId: null,
    certificateSerial: null,
    replaces,
    createdAt: now,
    updatedAt: now,
  };
  const authorizations: AcmeAuthorization[] = [];
  const challenges: AcmeChallenge[] = [];
  for (const id of identifiers) {
    const a = authorizationIdentifier(id);
    const authz: AcmeAuthorization = {
      id: newAcmeId(deps.random),
      orderId: order.id,
      accountId: account.id,
      caSerial: r.ca.serial,
      identifier: a.identifier,
      wildcard: a.wildcard,
      status: "pending",
      expires,
      createdAt: now,
      updatedAt: now,
    };
    authorizations.push(authz);
    for (const type of challengeTypes(a))
      challenges.push({
        id: newAcmeId(deps.random),
        authzId: authz.id,
        type,
        // §8.1: at least 128 bits of entropy.
        token: deps.random.bytes(32).toString("base64url"),
        status: "pending",
        validated: null,
        error: null,
        updatedAt: now,
      });
  }
  const ctx = acmeContext(deps, r, r.urls.account(account.id));
  await deps.uow.run(async (tx) => {
    await tx.acme.insertOrder(order, authorizations, challenges);
    await tx.audit.append(
      auditEvent(ctx, "order.create", `acme-order:${order.id}`, {
        ca: r.ca.serial,
        identifiers: identifiers.map((i) => `${i.type}:${i.value}`),
        ...(replaces ? { replaces } : {}),
      }),
      now,
    );
  });
  return { order, authorizations };
}
