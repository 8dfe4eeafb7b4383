/**
 * The ChallengeValidator of core/ports/acme-validator.ts: dispatch to the challenge type, then CAA for a
 * "dns" identifier once the challenge is met (RFC 8555 §8; RFC 8659; RFC 8738 §7). `tsca serve` makes one
 * from the TSCA_ACME_* settings (createChallengeValidator); each validate() call has its own deadline
 * (TSCA_ACME_VALIDATION_TIMEOUT, covering DNS, connections, responses and CAA) and its own DNS resolver.
 *
 * Problems (§6.7), each with one sentence saying what was reached and what was wrong:
 *   connection — refused/reset/timed-out connections, redirects to where §8.3 does not allow, and an
 *                address the server's policy refuses ("… is refused by the server's policy (loopback)");
 *   dns        — no address, SERVFAIL, DNS timeout, a failed CAA lookup;
 *   tls        — a failed TLS handshake, no acme-tls/1 (RFC 8737);
 *   incorrectResponse — a wrong status, body, TXT record or challenge certificate;
 *   caa        — CAA forbids this CA;
 *   malformed  — a challenge that cannot apply to the identifier (dns-01 for an IP address, RFC 8738 §7;
 *                anything but dns-01 for a wildcard, RFC 8555 §7.1.3); the ACME core never offers those.
 */
import { isIP } from "node:net";
import { TscaError } from "../../core/errors.js";
import type { ChallengeValidation, ChallengeValidator, ValidationResult } from "../../core/ports/acme-validator.js";
import { createAddressPolicy } from "./address-policy.js";
import { checkCaa } from "./caa.js";
import type { ValidationContext } from "./context.js";
import { validateDns01 } from "./dns01.js";
import { ChallengeFailure, failedResult, isChallengeFailure } from "./failure.js";
import { validateHttp01 } from "./http01.js";
import { createDnsLookup } from "./resolver.js";
import { validateTlsAlpn01 } from "./tls-alpn01.js";

export interface ChallengeValidatorOptions {
  /** TSCA_ACME_HTTP01_PORT (80). */
  http01Port: number;
  /** TSCA_ACME_TLSALPN01_PORT (443). */
  tlsAlpn01Port: number;
  /** TSCA_ACME_DNS_RESOLVER, "address:port" or "[v6]:port"; unset: the system's resolvers. */
  dnsResolver?: string | undefined;
  /** TSCA_ACME_ALLOW_LOOPBACK. */
  allowLoopback: boolean;
  /** TSCA_ACME_DENY_NETWORKS: addresses and CIDRs never connected to. */
  denyNetworks: readonly string[];
  /** TSCA_ACME_VALIDATION_TIMEOUT in ms: the bound on one validate() call. */
  timeoutMs: number;
}

function applicability(v: ChallengeValidation): string | undefined {
  if (v.type === "dns-01" && v.identifier.type === "ip") return "dns-01 cannot validate an IP address identifier (RFC 8738 §7).";
  if (v.wildcard && v.type !== "dns-01") return `${v.type} cannot validate a wildcard authorization; only dns-01 can (RFC 8555 §7.1.3).`;
  return undefined;
}

export function createChallengeValidator(opts: ChallengeValidatorOptions): ChallengeValidator {
  const policy = createAddressPolicy(opts);
  if (opts.dnsResolver) {
    // Fail at start-up, not at the first challenge, when the resolver is not an address (setServers needs one).
    const host = opts.dnsResolver.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
    if (!isIP(host))
      throw new TscaError(
        "ERR_CONFIG",
        `Invalid setting acmeDnsResolver (TSCA_ACME_DNS_RESOLVER): ${JSON.stringify(opts.dnsResolver)} must be an IP address and port, not a name.`,
      );
  }
  return {
    async validate(v): Promise<ValidationResult> {
      const impossible = applicability(v);
      if (impossible) return failedResult(new ChallengeFailure("malformed", impossible));
      const signal = AbortSignal.timeout(opts.timeoutMs);
      const dns = createDnsLookup(opts.dnsResolver, opts.timeoutMs, signal);
      const ctx: ValidationContext = {
        policy,
        dns,
        http01Port: opts.http01Port,
        tlsAlpn01Port: opts.tlsAlpn01Port,
        timeoutMs: opts.timeoutMs,
        signal,
      };
      try {
        if (v.type === "http-01") await validateHttp01(ctx, v);
        else if (v.type === "dns-01") await validateDns01(ctx, v);
        else await validateTlsAlpn01(ctx, v);
        if (v.identifier.type === "dns")
          await checkCaa(dns, {
            name: v.identifier.value,
            wildcard: v.wildcard,
            caaIdentities: v.caaIdentities,
            accountUri: v.accountUri,
            method: v.type,
          });
        return { ok: true };
      } catch (e) {
        if (isChallengeFailure(e)) return failedResult(e);
        throw e;
      } finally {
        dns.close();
      }
    },
  };
}
