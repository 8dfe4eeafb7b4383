/**
 * Helpers for the database-outage tests of `tsca serve` (issue 14): the PostgreSQL cluster that only these
 * tests stop and start (TSCA_TEST_PG_OUTAGE_URL / TSCA_TEST_PG_OUTAGE_CLUSTER, made by .ci/run), a TCP proxy
 * that can black-hole a database connection, and HTTP requests on a fresh connection each, so that with
 * `--workers N` the cluster primary hands them to different workers (round-robin).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { createServer, connect, type Server, type Socket } from "node:net";
import pg from "pg";

export const OUTAGE_URL = process.env.TSCA_TEST_PG_OUTAGE_URL;
export const OUTAGE_CLUSTER = process.env.TSCA_TEST_PG_OUTAGE_CLUSTER;

/** A fresh schema in `base` (a PostgreSQL URL), as databases.ts does for the main test database. */
export async function freshSchemaUrl(base: string): Promise<string> {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}

/** `pg_ctlcluster <version> <name> stop -m fast` or `start` (which waits until it accepts connections). */
export function outageCluster(action: "stop" | "start"): Promise<void> {
  const [version, name] = OUTAGE_CLUSTER!.split(/\s+/);
  const args = [version!, name!, action, ...(action === "stop" ? ["-m", "fast"] : [])];
  return new Promise((resolve, reject) => {
    const p = spawn("pg_ctlcluster", args, { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    p.stdout!.on("data", (d: Buffer) => (err += d.toString()));
    p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    p.on("error", reject);
    p.on("close", (code) => {
      // Stopping a stopped cluster (or starting a started one) is not an error here.
      if (code === 0 || /is not running|already running/.test(err)) resolve();
      else reject(new Error(`pg_ctlcluster ${args.join(" ")} exited ${code}: ${err}`));
    });
  });
}

export interface Fetched {
  status: number;
  type: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * GET on a new connection (no keep-alive agent). Rejects when no response has arrived within `timeoutMs`,
 * which the tests set far above any bound the server promises: a rejection means the server hung.
 */
export function freshGet(url: string, timeoutMs = 60_000): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: "close" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: res.headers["content-type"],
          headers: res.headers,
          body: Buffer.concat(chunks),
        }),
      );
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/**
 * A TCP proxy to `target` that forwards both ways until `blackHole()`: from then on it still accepts
 * connections and keeps every socket open, but forwards nothing, like a network path that drops packets.
 * `restore()` ends the black-holed connections (as a network failure eventually does) and forwards again.
 */
export class BlackHoleProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private holed = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      this.track(client);
      if (this.holed) return; // accepted, never answered
      const upstream = connect(this.targetPort, this.targetHost);
      this.track(upstream);
      client.on("data", (d) => {
        if (!this.holed) upstream.write(d);
      });
      upstream.on("data", (d) => {
        if (!this.holed) client.write(d);
      });
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => this.sockets.delete(s));
  }

  blackHole(): void {
    this.holed = true;
  }

  restore(): void {
    this.holed = false;
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
