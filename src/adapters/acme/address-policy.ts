/**
 * Which addresses the validator may connect to. A challenge makes tsca open a connection to wherever the
 * identifier's DNS points (RFC 8555 §10.2 "the server is a client of the validation server"), so without a
 * policy any ACME client could make the CA host reach its own loopback services, link-local cloud metadata
 * (169.254.169.254) or multicast groups. Every address is checked right before the connection to it, and
 * the connection goes to that very address (Host/SNI carry the name), so there is no window in which a
 * second DNS answer could swap in a refused address (DNS rebinding).
 *
 * Refused always: 0.0.0.0/8 ("this network", RFC 1122 §3.2.1.3, which includes the unspecified 0.0.0.0),
 * :: (unspecified, RFC 4291 §2.5.2), link-local 169.254.0.0/16 (RFC 3927) and fe80::/10 (RFC 4291 §2.5.6),
 * multicast 224.0.0.0/4 (RFC 5771) and ff00::/8 (RFC 4291 §2.7), the limited broadcast 255.255.255.255
 * (RFC 919). Loopback 127.0.0.0/8 and ::1 unless TSCA_ACME_ALLOW_LOOPBACK=1. Plus every address or CIDR of
 * TSCA_ACME_DENY_NETWORKS. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged as the IPv4 address they
 * map to (node:net BlockList does this), so the IPv6 spelling of 127.0.0.1 is loopback too.
 */
import { BlockList, isIP } from "node:net";

export interface AddressPolicy {
  /** Why the address is refused ("loopback", "link-local", …), or undefined when it may be reached. */
  refusal(address: string): string | undefined;
}

interface Rule {
  reason: string;
  networks: string[];
}

const BUILT_IN: Rule[] = [
  { reason: '"this network" or unspecified', networks: ["0.0.0.0/8", "::/128"] },
  { reason: "link-local", networks: ["169.254.0.0/16", "fe80::/10"] },
  { reason: "multicast", networks: ["224.0.0.0/4", "ff00::/8"] },
  { reason: "broadcast", networks: ["255.255.255.255/32"] },
];
const LOOPBACK: Rule = { reason: "loopback", networks: ["127.0.0.0/8", "::1/128"] };

const family = (address: string): "ipv4" | "ipv6" => (isIP(address) === 6 ? "ipv6" : "ipv4");

function blockList(networks: readonly string[]): BlockList {
  const list = new BlockList();
  for (const n of networks) {
    const [address, bits] = n.split("/");
    const f = family(address!);
    if (bits === undefined) list.addAddress(address!, f);
    else list.addSubnet(address!, Number(bits), f);
  }
  return list;
}

export function createAddressPolicy(opts: { allowLoopback: boolean; denyNetworks: readonly string[] }): AddressPolicy {
  const rules = [...BUILT_IN, ...(opts.allowLoopback ? [] : [LOOPBACK])];
  if (opts.denyNetworks.length) rules.push({ reason: "TSCA_ACME_DENY_NETWORKS", networks: [...opts.denyNetworks] });
  const lists = rules.map((r) => ({ reason: r.reason, list: blockList(r.networks) }));
  return {
    refusal(address) {
      if (!isIP(address)) return "not an IP address";
      const f = family(address);
      return lists.find((l) => l.list.check(address, f))?.reason;
    },
  };
}

/** The detail sentence for a refused address (a "connection" problem: the client's name points where tsca will not go). */
export const refusedDetail = (address: string, host: string, reason: string): string =>
  address === host
    ? `The address ${address} is refused by the server's policy (${reason}).`
    : `The address ${address} of ${host} is refused by the server's policy (${reason}).`;
