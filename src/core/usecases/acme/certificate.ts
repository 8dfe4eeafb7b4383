/**
 * Downloading the certificate of a valid order (RFC 8555 §7.4.2, §9.1): the leaf and the issuing chain
 * as application/pem-certificate-chain, up to but not including the self-signed root (clients and
 * relying parties have it as a trust anchor).
 */
import type { AcmeAccount } from "../../acme/model.js";
import { AcmeProblem } from "../../acme/problem.js";
import type { AcmeDeps, AcmeRequest } from "./deps.js";
import { caChain } from "./ca-chain.js";
import { orderOfAccount } from "./finalize-order.js";
import { orderState } from "./order-state.js";

const pem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${(der.toString("base64").match(/.{1,64}/g) ?? []).join("\n")}\n-----END CERTIFICATE-----\n`;

export async function certificateChain(deps: AcmeDeps, r: AcmeRequest, account: AcmeAccount, orderId: string): Promise<string> {
  const { order } = await orderState(deps, await orderOfAccount(deps, account, orderId));
  const cert = order.status === "valid" && order.certificateSerial ? await deps.certs.get(order.certificateSerial) : undefined;
  if (!cert) throw new AcmeProblem("malformed", "The order has no certificate (it is not valid).", { status: 404 });
  const chain = (await caChain(deps.cas, r.ca)).filter((ca) => ca.parentSerial !== null && ca.parentSerial !== ca.serial);
  return [cert.der, ...chain.map((ca) => ca.der)].map(pem).join("");
}
