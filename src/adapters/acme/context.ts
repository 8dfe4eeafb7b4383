/**
 * What every challenge check of one validation shares: the address policy, the DNS lookup, the ports the
 * validator connects to (TSCA_ACME_HTTP01_PORT, TSCA_ACME_TLSALPN01_PORT: 80 and 443 unless a closed
 * network or a test moves them) and the deadline (TSCA_ACME_VALIDATION_TIMEOUT) as an AbortSignal.
 */
import { isIP } from "node:net";
import { refusedDetail, type AddressPolicy } from "./address-policy.js";
import { ChallengeFailure } from "./failure.js";
import type { DnsLookup } from "./resolver.js";

export interface ValidationContext {
  policy: AddressPolicy;
  dns: DnsLookup;
  http01Port: number;
  tlsAlpn01Port: number;
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * The addresses of a host (a DNS name, or an IP address as such) that the policy lets the validator reach,
 * in the order to try them. Refused addresses are dropped; when nothing is left the validation fails with
 * "connection" naming the first refused address — the client's name points where this server will not go
 * (not "unauthorized": the client may well control the name).
 */
export async function reachableAddresses(ctx: ValidationContext, host: string): Promise<string[]> {
  const all = isIP(host) ? [host] : await ctx.dns.addresses(host);
  const allowed = all.filter((a) => ctx.policy.refusal(a) === undefined);
  if (allowed.length) return allowed;
  const first = all[0]!;
  throw new ChallengeFailure("connection", refusedDetail(first, host, ctx.policy.refusal(first)!));
}

export const timedOut = (ctx: ValidationContext): string => `no answer within the validation's ${ctx.timeoutMs} ms`;
