/**
 * An in-process authoritative DNS server for the ACME tests (dns2 3.0.0, wave2-stack.md §6): UDP and TCP
 * on the same random port of 127.0.0.1, so that c-ares (node:dns Resolver.setServers), lego
 * (--dns.resolvers), pebble (-dnsserver) and certbot/dehydrated hooks can all be pointed at
 * `server.address` ("127.0.0.1:PORT"). TCP matters for answers too large for 512 bytes of UDP: dns2 then
 * sets TC and the client retries over TCP on the same port.
 *
 * It answers from maps the test changes at any time (effective for the next query):
 *   setA(name, ips)          A records for the IPv4 addresses, AAAA for the IPv6 ones ([] removes them)
 *   setTxt(name, values)     TXT records, one per value (a value longer than 255 bytes is split into
 *                            character-strings, which resolvers join again)
 *   clearTxt(name)           no TXT records at name
 *   setCaa(name, records)    CAA records: { tag, value, critical? } (critical sets flag 128)
 *   setFailure(name, mode)   "servfail": answer SERVFAIL for every type at name; "silent": never answer
 *                            (a timeout for the client); undefined: answer normally again
 *   queries                  every question received, in order: { name, type, transport } (name lower
 *                            case, type as "A", "AAAA", "TXT", "CAA", or the number; "udp" or "tcp")
 *   close()                  stop listening and drop open TCP connections
 * Names are case-insensitive and a trailing dot is optional. Any other name or type gets NOERROR with no
 * answers (NODATA — the server pretends every name exists, which clients treat like "no record").
 * Records carry TTL 0, so no resolver cache hides a change.
 */
import type { Socket } from "node:net";
import dns2 from "dns2";

export interface CaaRecordSpec {
  tag: string;
  value: string;
  critical?: boolean;
}

export interface DnsQuery {
  name: string;
  type: string;
  transport: "udp" | "tcp";
}

export interface DnsServer {
  port: number;
  /** "127.0.0.1:PORT", for Resolver.setServers, TSCA_ACME_DNS_RESOLVER and client flags. */
  address: string;
  setA(name: string, ips: readonly string[]): void;
  setTxt(name: string, values: readonly string[]): void;
  clearTxt(name: string): void;
  setCaa(name: string, records: readonly CaaRecordSpec[]): void;
  setFailure(name: string, mode: "servfail" | "silent" | undefined): void;
  readonly queries: DnsQuery[];
  close(): Promise<void>;
}

const { Packet } = dns2;
type DnsPacket = InstanceType<typeof Packet>;

const norm = (n: string): string => n.toLowerCase().replace(/\.$/, "");
const TYPE_NAMES = new Map<number, string>(Object.entries(Packet.TYPE).map(([k, v]) => [v as number, k]));
const RCODE_SERVFAIL = 2;

/** RFC 1035 §3.3: a character-string holds at most 255 bytes. */
function characterStrings(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255).toString("utf8"));
  return out.length ? out : [""];
}

export async function startDnsServer(): Promise<DnsServer> {
  const a = new Map<string, string[]>();
  const aaaa = new Map<string, string[]>();
  const txt = new Map<string, string[]>();
  const caa = new Map<string, CaaRecordSpec[]>();
  const failures = new Map<string, "servfail" | "silent">();
  const queries: DnsQuery[] = [];

  const handle =
    (transport: DnsQuery["transport"]) =>
    (request: DnsPacket, send: (response: DnsPacket) => Promise<Buffer>): void => {
      const response = Packet.createResponseFromRequest(request);
      const [q] = request.questions;
      if (!q) return void send(response);
      const name = norm(q.name);
      queries.push({ name, type: TYPE_NAMES.get(q.type) ?? String(q.type), transport });
      const failure = failures.get(name);
      if (failure === "silent") return;
      if (failure === "servfail") {
        response.header.rcode = RCODE_SERVFAIL;
        return void send(response);
      }
      const base = { name: q.name, class: Packet.CLASS.IN, ttl: 0 };
      const add = (r: Record<string, unknown>): void =>
        void response.answers.push({ ...base, ...r } as unknown as DnsPacket["answers"][number]);
      if (q.type === Packet.TYPE.A) for (const address of a.get(name) ?? []) add({ type: Packet.TYPE.A, address });
      if (q.type === Packet.TYPE.AAAA) for (const address of aaaa.get(name) ?? []) add({ type: Packet.TYPE.AAAA, address });
      if (q.type === Packet.TYPE.TXT)
        for (const value of txt.get(name) ?? []) add({ type: Packet.TYPE.TXT, data: characterStrings(value) });
      if (q.type === Packet.TYPE.CAA)
        for (const r of caa.get(name) ?? []) add({ type: Packet.TYPE.CAA, flags: r.critical ? 128 : 0, tag: r.tag, value: r.value });
      void send(response);
    };

  // UDP first on port 0, then TCP on the same port; if that port is taken for TCP, start over.
  for (let attempt = 0; ; attempt++) {
    const udp = dns2.createUDPServer(handle("udp") as never);
    await udp.listen(0, "127.0.0.1");
    const port = udp.address().port;
    const tcp = dns2.createTCPServer(handle("tcp") as never);
    const sockets = new Set<Socket>();
    tcp.on("connection", (s: Socket) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    const listening = await new Promise<boolean>((resolve) => {
      tcp.once("error", () => resolve(false));
      tcp.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (!listening) {
      await new Promise<void>((r) => udp.close(() => r()));
      if (attempt >= 20) throw new Error("No port free for both UDP and TCP DNS.");
      continue;
    }
    const setAll = (n: string, ips: readonly string[]): void => {
      a.set(
        norm(n),
        ips.filter((ip) => !ip.includes(":")),
      );
      aaaa.set(
        norm(n),
        ips.filter((ip) => ip.includes(":")),
      );
    };
    return {
      port,
      address: `127.0.0.1:${port}`,
      setA: setAll,
      setTxt: (n, values) => void txt.set(norm(n), [...values]),
      clearTxt: (n) => void txt.delete(norm(n)),
      setCaa: (n, records) => void caa.set(norm(n), [...records]),
      setFailure: (n, mode) => void (mode ? failures.set(norm(n), mode) : failures.delete(norm(n))),
      queries,
      close: async () => {
        for (const s of sockets) s.destroy();
        await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
      },
    };
  }
}
