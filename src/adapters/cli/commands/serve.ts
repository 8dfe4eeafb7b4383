/**
 * `tsca serve [--host H] [--port P] [--workers N]`: the HTTP server for CRLs, CA certificates and OCSP. It
 * needs only the database and the OCSP responder keys, never CA_DIR, so it can run on a host without CA keys.
 * The server itself lives in the composition root (src/main/server.ts); this file only parses options.
 */
import { availableParallelism } from "node:os";
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
  return {
    host: o.host.trim(),
    port,
    workers: workers === 0 ? availableParallelism() : workers,
    accessLog: Boolean(o.accessLog),
    ...(o.worker ? { worker: true } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
  };
}

export function registerServe(program: Command, launchers: CliLaunchers, io: CliIo): void {
  program
    .command("serve")
    .description(
      "Serve CRLs (/crl/…), CA certificates (/issuer/…), OCSP (/ocsp/…), /healthz and, when asked for, Prometheus /metrics over HTTP. Logs JSON lines to stdout.",
    )
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "TCP port (0: any free port, logged at start)", "8080")
    .option("--workers <n>", "worker processes (0: one per CPU core)", "1")
    .option("--access-log", "log every request (off by default: OCSP traffic is high-volume)")
    .option("--metrics-port <port>", "serve Prometheus /metrics on this port of --host (0: any free port, logged at start)")
    .option("--worker", "also sign queued signing requests in this process (single-host installs; needs the CA keys in CA_DIR)")
    .addHelpText(
      "after",
      examples(
        ["tsca serve --port 8080", "on 127.0.0.1; put a reverse proxy in front, or use --host 0.0.0.0"],
        ["curl -s http://127.0.0.1:8080/healthz", "is it up?"],
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
