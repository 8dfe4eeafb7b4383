/**
 * `tsca serve [--host H] [--port P] [--workers N] [--tls-port P --tls-cert FILE --tls-key FILE]`: the HTTP
 * server for CRLs, CA certificates and OCSP, and with --tls-port also HTTPS (ACME, the admin and the API) on
 * a second port of the same host. It needs only the database and the OCSP responder keys, never CA_DIR, so
 * it can run on a host without CA keys. The server itself lives in the composition root
 * (src/main/server.ts); this file only parses options (the TLS files are read and checked there).
 */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import type { CliIo, CliLaunchers, ServeOptions } from "../context.js";
import { nonNegativeInt } from "../values.js";
import { examples } from "../help.js";

interface RawServeOptions {
  host: string;
  port: string;
  workers: string;
  accessLog?: boolean;
  worker?: boolean;
  metricsPort?: string;
  tlsPort?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** `--tls-port` with both of its files, or none of the three. */
function parseTls(o: RawServeOptions, port: number, metricsPort: number | undefined): ServeOptions["tls"] {
  if (o.tlsPort === undefined) {
    if (o.tlsCert !== undefined || o.tlsKey !== undefined)
      throw new TscaError("ERR_INVALID_ARGUMENT", "--tls-cert and --tls-key need --tls-port.");
    return undefined;
  }
  const tlsPort = nonNegativeInt(o.tlsPort, "--tls-port");
  if (tlsPort > 65535) throw new TscaError("ERR_INVALID_ARGUMENT", `${o.tlsPort}: --tls-port must be at most 65535.`);
  if (tlsPort !== 0 && (tlsPort === port || tlsPort === metricsPort))
    throw new TscaError("ERR_INVALID_ARGUMENT", "--tls-port must differ from --port and --metrics-port.");
  if (o.tlsCert === undefined || o.tlsKey === undefined)
    throw new TscaError("ERR_INVALID_ARGUMENT", "--tls-port needs --tls-cert FILE and --tls-key FILE.");
  // Absolute, so that cluster workers and the log name the same files whatever their working directory.
  return { port: tlsPort, certFile: resolve(o.tlsCert), keyFile: resolve(o.tlsKey) };
}

export function parseServeOptions(o: RawServeOptions): ServeOptions {
  const port = nonNegativeInt(o.port, "--port");
  if (port > 65535) throw new TscaError("ERR_INVALID_ARGUMENT", `${o.port}: --port must be at most 65535.`);
  const metricsPort = o.metricsPort === undefined ? undefined : nonNegativeInt(o.metricsPort, "--metrics-port");
  if (metricsPort !== undefined && metricsPort > 65535)
    throw new TscaError("ERR_INVALID_ARGUMENT", `${o.metricsPort}: --metrics-port must be at most 65535.`);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port)
    throw new TscaError(
      "ERR_INVALID_ARGUMENT",
      "--metrics-port must differ from --port (set TSCA_METRICS_TOKEN to serve /metrics on the main port).",
    );
  const workers = nonNegativeInt(o.workers, "--workers");
  if (workers > 256) throw new TscaError("ERR_INVALID_ARGUMENT", `${o.workers}: --workers must be at most 256.`);
  if (o.host.trim() === "") throw new TscaError("ERR_INVALID_ARGUMENT", "--host must not be empty.");
  const tls = parseTls(o, port, metricsPort);
  return {
    host: o.host.trim(),
    port,
    workers: workers === 0 ? availableParallelism() : workers,
    accessLog: Boolean(o.accessLog),
    ...(o.worker ? { worker: true } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    ...(tls ? { tls } : {}),
  };
}

export function registerServe(program: Command, launchers: CliLaunchers, io: CliIo): void {
  program
    .command("serve")
    .description(
      "Serve CRLs (/crl/…), CA certificates (/issuer/…), OCSP (/ocsp/…), /healthz and, when asked for, Prometheus /metrics over HTTP, and with --tls-port the same over HTTPS (for ACME, the admin and the API). Logs JSON lines to stdout.",
    )
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "TCP port (0: any free port, logged at start)", "8080")
    .option("--workers <n>", "worker processes (0: one per CPU core)", "1")
    .option("--access-log", "log every request (off by default: OCSP traffic is high-volume)")
    .option("--metrics-port <port>", "serve Prometheus /metrics on this port of --host (0: any free port, logged at start)")
    .option("--tls-port <port>", "also serve HTTPS on this port of --host (0: any free port, logged at start)")
    .option("--tls-cert <file>", "PEM certificate for --tls-port: the server's, then any intermediates")
    .option("--tls-key <file>", "PEM private key of --tls-cert, unencrypted, mode 0600")
    .option("--worker", "also sign queued signing requests in this process (single-host installs; needs the CA keys in CA_DIR)")
    .addHelpText(
      "after",
      examples(
        ["tsca serve --port 8080", "on 127.0.0.1; put a reverse proxy in front, or use --host 0.0.0.0"],
        ["curl -s http://127.0.0.1:8080/healthz", "is it up?"],
        [
          "tsca serve --host 0.0.0.0 --port 80 --tls-port 443 \\\n--tls-cert /etc/tsca/tls.pem --tls-key /etc/tsca/tls.key --worker",
          "OCSP and CRLs over http, ACME/admin/API over https",
        ],
        ["tsca serve --metrics-port 9464", "Prometheus scrapes http://127.0.0.1:9464/metrics"],
        [
          'openssl ocsp -issuer sub.pem -cert www.pem \\\n-url "$(openssl x509 -in www.pem -noout -ocsp_uri)"',
          "ask the OCSP responder named in a certificate",
        ],
      ),
    )
    .action(async (o: RawServeOptions) => {
      const options = parseServeOptions(o);
      if (!launchers.serve) throw new TscaError("ERR_SERVER", "This build of tsca has no server.");
      void io;
      await launchers.serve(options);
    });
}
