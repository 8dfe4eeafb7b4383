/**
 * DNS for one validation: A/AAAA of the identifier (RFC 8555 §8.3, RFC 8737 §3), the TXT record of dns-01
 * (§8.4) and CAA (RFC 8659 §3), through node:dns/promises. TSCA_ACME_DNS_RESOLVER (host:port) sends every
 * query to that server instead of the system's resolvers — a closed network's own DNS, or the test
 * suite's in-process server.
 *
 * One Resolver per validation: its queries are cancelled together when the validation's deadline passes,
 * and no answer is reused from an earlier validation (a client that just changed its TXT record must be
 * seen changed). "No such name" (NXDOMAIN) and "no record of that type" (NODATA) are empty answers;
 * every other failure (SERVFAIL, REFUSED, timeout) is a "dns" problem, never an empty answer: for CAA,
 * RFC 8659 §4 forbids issuing when the lookup failed, and for dns-01 it is the client's DNS that is broken,
 * not its record.
 */
import { Resolver } from "node:dns/promises";
import { ChallengeFailure } from "./failure.js";

/** One CAA resource record (RFC 8659 §4.1): critical = bit 0 of the flags (value 128). */
export interface CaaRecord {
  critical: boolean;
  /** Property tag, lower case (tags are case-insensitive, §4.1). */
  tag: string;
  value: string;
}

export interface DnsLookup {
  /** AAAA then A addresses of a name; a "dns" failure when there are none or the lookup failed. */
  addresses(name: string): Promise<string[]>;
  /** The TXT records at a name, each record's strings joined (RFC 7208 §3.3 style); [] when none. */
  txt(name: string): Promise<string[]>;
  /** The CAA RRset at exactly this name (no climbing here); [] when none. */
  caa(name: string): Promise<CaaRecord[]>;
  /** Cancel what is still outstanding. */
  close(): void;
}

const EMPTY = new Set(["ENODATA", "ENOTFOUND"]);

function code(e: unknown): string {
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string"
    ? (e as { code: string }).code
    : "EUNKNOWN";
}

/** How a failed query reads in a sentence: the DNS response code where there is one. */
function describe(c: string, timeoutMs: number): string {
  switch (c) {
    case "ESERVFAIL":
      return "the DNS server answered SERVFAIL";
    case "EREFUSED":
      return "the DNS server answered REFUSED";
    case "ETIMEOUT":
    case "ECANCELLED":
      return `no DNS answer within ${timeoutMs} ms`;
    case "ECONNREFUSED":
      return "the DNS server refused the connection";
    default:
      return `the DNS lookup failed (${c})`;
  }
}

export function createDnsLookup(server: string | undefined, timeoutMs: number, signal: AbortSignal): DnsLookup {
  // c-ares retries a query `tries` times, starting at `timeout` ms; the validation's deadline (signal)
  // bounds the whole anyway, so these only decide how often a lost UDP packet is retried within it.
  const resolver = new Resolver({ timeout: Math.max(50, Math.min(2_000, Math.floor(timeoutMs / 4))), tries: 3 });
  if (server) resolver.setServers([server]);
  const cancel = (): void => resolver.cancel();
  signal.addEventListener("abort", cancel, { once: true });

  async function query<T>(what: string, name: string, run: () => Promise<T[]>): Promise<T[]> {
    if (signal.aborted) throw new ChallengeFailure("dns", `The ${what} lookup for ${name} failed: ${describe("ETIMEOUT", timeoutMs)}.`);
    try {
      return await run();
    } catch (e) {
      const c = code(e);
      if (EMPTY.has(c)) return [];
      throw new ChallengeFailure("dns", `The ${what} lookup for ${name} failed: ${describe(c, timeoutMs)}.`);
    }
  }

  return {
    async addresses(name) {
      // Both families in parallel; IPv6 first, as the CA/Browser Forum validators (Boulder) try it first.
      const [v6, v4] = await Promise.allSettled([
        query("AAAA", name, () => resolver.resolve6(name)),
        query("A", name, () => resolver.resolve4(name)),
      ]);
      const found = [...(v6.status === "fulfilled" ? v6.value : []), ...(v4.status === "fulfilled" ? v4.value : [])];
      if (found.length) return found;
      const failure = [v6, v4].find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failure) throw failure.reason;
      throw new ChallengeFailure("dns", `${name} has no A or AAAA record.`);
    },
    async txt(name) {
      const records = await query("TXT", name, () => resolver.resolveTxt(name));
      return records.map((chunks) => chunks.join(""));
    },
    async caa(name) {
      const records = await query("CAA", name, () => resolver.resolveCaa(name));
      // node returns { critical, <tag>: value } per record.
      return records.flatMap((r) => {
        const entries = Object.entries(r).filter(([k]) => k !== "critical");
        return entries.map(([tag, value]) => ({
          critical: (Number(r.critical) & 128) !== 0,
          tag: tag.toLowerCase(),
          value: String(value),
        }));
      });
    },
    close() {
      signal.removeEventListener("abort", cancel);
      resolver.cancel();
    },
  };
}
