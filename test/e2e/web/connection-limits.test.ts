/**
 * Issue 14, "half-sent requests are never timed out": a real `tsca serve` with short limits for the test
 * (TSCA_HTTP_HEADERS_TIMEOUT, TSCA_HTTP_REQUEST_TIMEOUT = 1 s) must close connections that sent part of
 * the headers, the headers and part of a body, or that trickle their body a byte at a time, while
 * well-behaved clients keep being answered and keep their keep-alive connections; and with
 * TSCA_HTTP_MAX_CONNECTIONS it must close connections beyond the cap as it accepts them, still serving the
 * ones it holds. Before the fix such connections stayed open indefinitely (17,000 held 17,024 descriptors).
 *
 * Every wait is for an event (a socket's 'close', a response) with a generous upper bound; nothing asserts
 * how long anything took.
 */
import { rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { Agent, request } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { leaf, makePki } from "../../helpers/crl.js";
import { scratch } from "../../helpers/oracles.js";
import { ocspStatus, startServe, waitFor, type Server } from "../../helpers/serve.js";

const CLOSE_WITHIN_MS = 60_000;
const hex = (colon: string): string => colon.replace(/:/g, "");

interface Client {
  socket: Socket;
  /** Everything the server sent. */
  received: () => string;
  /** Resolves when the server (or the network) closed the connection. */
  closed: Promise<void>;
  isClosed: () => boolean;
}

const opened: Client[] = [];

function open(port: number, first?: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let data = "";
    let done = false;
    socket.on("data", (d: Buffer) => (data += d.toString("latin1")));
    socket.on("error", () => undefined); // a reset is one way of being closed
    const closed = new Promise<void>((r) =>
      socket.once("close", () => {
        done = true;
        r();
      }),
    );
    socket.once("connect", () => {
      if (first !== undefined) socket.write(first);
      const c: Client = { socket, received: () => data, closed, isClosed: () => done };
      opened.push(c);
      resolve(c);
    });
    socket.once("error", reject);
  });
}

/** Resolves with `true` when `p` settles within `ms`, `false` otherwise. */
const settlesWithin = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);

/** One HTTP request on `agent`; reports whether it went over a connection that served an earlier one. */
function get(port: number, agent: Agent, path: string): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: "127.0.0.1", port, path }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
    });
    req.on("error", reject);
    req.end();
  });
}

function pki(t: TscaEnv): { inter: string; rootFile: string; interFile: string; leafFile: string } {
  const p = makePki(t);
  const l = leaf(t, "Inter", "limits.example.test");
  tsca(t, ["generate_ocsp_keys"]);
  return {
    inter: hex(p.inter),
    rootFile: scratch("root.pem", p.rootPem),
    interFile: scratch("inter.pem", p.interPem),
    leafFile: scratch("leaf.pem", l.pem),
  };
}

afterEach(() => {
  for (const c of opened.splice(0)) c.socket.destroy();
});

describe("tsca serve: request and header timeouts", () => {
  let t: TscaEnv;
  let server: Server;
  let ca: ReturnType<typeof pki>;
  const ocspGood = async (): Promise<void> => {
    const r = await ocspStatus(`${server.base}/ocsp/${ca.inter}/cert/`, ca.interFile, [ca.leafFile], ca.rootFile, [
      "-verify_other",
      ca.interFile,
    ]);
    expect(r.out).toContain(`${ca.leafFile}: good`);
    expect(r.out).toContain("Response verify OK");
  };

  beforeAll(async () => {
    t = tscaEnv(undefined, { TSCA_HTTP_HEADERS_TIMEOUT: "1000", TSCA_HTTP_REQUEST_TIMEOUT: "1000" });
    ca = pki(t);
    server = await startServe(t);
  });

  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    rmSync(t.home, { recursive: true, force: true });
  });

  it("closes connections with half-sent headers, half-sent bodies and trickled bodies, and keeps answering others", async () => {
    const path = `/ocsp/${ca.inter}/cert/`;
    const headers = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\nContent-Length: 1000\r\n\r\n`;
    const halfHeaders = await Promise.all(Array.from({ length: 20 }, () => open(server.port, `POST ${path} HTTP/1.1\r\nHost: x\r\n`)));
    const halfBodies = await Promise.all(Array.from({ length: 20 }, () => open(server.port, headers + "0".repeat(100))));
    const tricklers = await Promise.all(Array.from({ length: 10 }, () => open(server.port, headers)));
    // One byte every 100 ms keeps each trickler busy, so only the whole-request limit can end it.
    const trickle = setInterval(() => {
      for (const c of tricklers) if (!c.isClosed()) c.socket.write("0");
    }, 100);
    try {
      // Meanwhile a well-behaved client is answered as usual.
      await ocspGood();
      const all = [...halfHeaders, ...halfBodies, ...tricklers];
      const closed = await Promise.all(all.map((c) => settlesWithin(c.closed, CLOSE_WITHIN_MS)));
      expect(closed.filter((x) => !x).length, "connections still open").toBe(0);
      // Never a request handled from a partial one: at most Node's 408 before the close.
      for (const c of all) expect(c.received()).toMatch(/^(|HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*)$/);
      expect(tricklers.some((c) => c.received().startsWith("HTTP/1.1 408"))).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    await ocspGood();
  });

  it("keeps a keep-alive connection through an idle pause longer than the header timeout", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await get(server.port, agent, "/healthz")).toEqual({ status: 200, reused: false });
      // Idle for twice the header timeout plus Node's checking interval: an idle connection is not a slow request.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await get(server.port, agent, "/healthz")).toEqual({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  });
});

describe("tsca serve: connection cap", () => {
  const CAP = 5;
  let t: TscaEnv;
  let server: Server;

  beforeAll(async () => {
    t = tscaEnv(undefined, { TSCA_HTTP_MAX_CONNECTIONS: String(CAP) });
    server = await startServe(t);
  });

  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    rmSync(t.home, { recursive: true, force: true });
  });

  /** A raw keep-alive connection that has been answered once, so the server has surely accepted it. */
  async function held(): Promise<Client> {
    const c = await open(server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor(async () => c.received().includes("\r\n\r\n") || c.isClosed(), CLOSE_WITHIN_MS);
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 /);
    return c;
  }

  it("closes connections beyond the cap at once, while those it holds are still served", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await get(server.port, agent, "/healthz")).toEqual({ status: 200, reused: false });
      const others: Client[] = [];
      for (let i = 1; i < CAP; i++) others.push(await held());

      // Beyond the cap: closed without an answer, and said so in the log.
      for (let i = 0; i < 3; i++) {
        const extra = await open(server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        expect(await settlesWithin(extra.closed, CLOSE_WITHIN_MS)).toBe(true);
        expect(extra.received()).toBe("");
      }
      expect(server.logs().some((l) => l.msg === "connection refused: too many open connections" && l.maxConnections === CAP)).toBe(true);

      // The connections it holds are still served.
      expect(await get(server.port, agent, "/healthz")).toEqual({ status: 200, reused: true });
      others[0]!.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      await waitFor(async () => (others[0]!.received().match(/HTTP\/1\.1 200 /g) ?? []).length === 2, CLOSE_WITHIN_MS);

      // A freed slot is usable again.
      others.pop()!.socket.destroy();
      await waitFor(
        async () => {
          const c = await open(server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
          await waitFor(async () => c.received().includes("\r\n\r\n") || c.isClosed(), CLOSE_WITHIN_MS);
          return c.received().startsWith("HTTP/1.1 200 ");
        },
        CLOSE_WITHIN_MS,
        200,
      );
    } finally {
      agent.destroy();
    }
  });
});
