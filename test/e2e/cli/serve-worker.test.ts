/**
 * `tsca serve --worker`: a single-host install signs queued requests inside the server process. It says
 * at start-up that it opens the CA keys, signs a request submitted while it runs (woken by NOTIFY on
 * PostgreSQL, by polling on SQLite), and stops cleanly on SIGTERM.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { tsca, tscaEnv } from "../../helpers/cli.js";
import { makeCsr } from "../../helpers/certs.js";
import { startServe, waitFor } from "../../helpers/serve.js";

describe.each(BACKENDS)("tsca serve --worker (%s)", (backend) => {
  it("announces CA_DIR, signs a submitted request, stops on SIGTERM", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=Serve Root"]);
    const server = await startServe(t, ["--worker"]);
    try {
      const enabled = server.logs().find((l) => String(l.msg).startsWith("Signing worker enabled: CA keys from CA_DIR="));
      expect(enabled?.msg).toBe(`Signing worker enabled: CA keys from CA_DIR=${t.home}/ca`);
      const csr = makeCsr("ec", "/CN=served.example.com");
      const id = tsca(t, ["submit_request", "--ca", "Root", "--csr", csr.path, "--alt", "served.example.com"]).trim();
      await waitFor(async () => !tsca(t, ["request_status", id]).startsWith("pending"), undefined, 200);
      expect(tsca(t, ["request_status", id])).toMatch(/^issued [0-9A-F:]+\n$/);
      // The batch's log line follows its commit; wait for it rather than race it.
      await waitFor(async () => server.logs().some((l) => l.msg === "signing batch" && l.issued === 1));
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
