/**
 * The HTTPS side of `tsca serve --tls-port` (issue 11: ACME needs HTTPS, RFC 8555 §6.1; the admin and the
 * API want it too): a node:https server in front of the same Fastify application that answers plain HTTP on
 * `--port`. Its requests go to `app.routing`, Fastify's own request entry, so every route, hook, error
 * handler and the 503 while closing behave exactly as on the HTTP port, and `request.protocol` is "https"
 * because the socket is a TLS socket (what ACME URLs and the admin's Secure cookie rely on).
 *
 * The same HttpLimits apply as on the HTTP port (issue 14), plus the TLS handshake itself, which must finish
 * within the headers timeout: a client that opens a connection and never completes the handshake would
 * otherwise hold the socket for Node's default two minutes.
 */
import { createServer, type Server } from "node:https";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { HttpLimits } from "./http-limits.js";

export interface HttpsListenOptions {
  host: string;
  port: number;
  cert: string;
  key: string;
}

export interface HttpsListener {
  server: Server;
  /** The port actually bound (the free port chosen for 0). */
  port: number;
  /** Stops accepting, waits for in-flight requests (idle keep-alive connections are closed at once). */
  close: () => Promise<void>;
}

/** Listens for HTTPS on `options.host:port`, answering with `app` (which must be ready). */
export async function listenHttps(
  app: FastifyInstance,
  options: HttpsListenOptions,
  limits: HttpLimits,
  logger: FastifyBaseLogger,
): Promise<HttpsListener> {
  await app.ready();
  const server = createServer(
    {
      cert: options.cert,
      key: options.key,
      // HTTP/1.1 only, as on the plain port: ALPN then agrees on http/1.1 with clients that offer h2.
      ALPNProtocols: ["http/1.1"],
      handshakeTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.idleTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    app.routing,
  );
  server.setTimeout(limits.idleTimeoutMs);
  server.maxConnections = limits.maxConnections;
  let lastDropLog = -Infinity;
  server.on("drop", () => {
    const now = Date.now();
    if (now - lastDropLog < 10_000) return;
    lastDropLog = now;
    logger.warn({ maxConnections: limits.maxConnections, tls: true }, "connection refused: too many open connections");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    server,
    port: typeof address === "object" && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
