/**
 * The limits `tsca serve` puts on every HTTP connection, so that clients which send slowly, send half a
 * request or open many connections cannot hold sockets, file descriptors and memory (issue 14). Values come
 * from settings (TSCA_HTTP_*); docs/ocsp.md "Resource limits" explains them.
 */
export interface HttpLimits {
  /** The request line and every header must have arrived within this many milliseconds (Node headersTimeout). */
  headersTimeoutMs: number;
  /** The whole request, body included, within this many milliseconds (Node requestTimeout); at least headersTimeoutMs. */
  requestTimeoutMs: number;
  /** A connection without traffic for this long is closed: idle between requests, or stalled within one. */
  idleTimeoutMs: number;
  /** Open connections per server process; more are closed as soon as they are accepted. */
  maxConnections: number;
}
