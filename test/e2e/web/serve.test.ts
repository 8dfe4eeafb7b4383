/**
 * `tsca serve` as a process: options, /healthz, worker processes (node:cluster), structured logs, graceful
 * shutdown on SIGTERM and SIGINT, and one clear sentence when it cannot start.
 */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { runTsca, tsca, tscaEnv } from "../../helpers/cli.js";
import { leaf, makePki } from "../../helpers/crl.js";
import { BACKENDS, freshDatabaseUrl } from "../../helpers/databases.js";
import { expectOneSentence, scratch } from "../../helpers/oracles.js";
import { ocspStatus, startServe, waitFor } from "../../helpers/serve.js";

const hex = (colon: string): string => colon.replace(/:/g, "");

describe.each(BACKENDS)("tsca serve (%s)", (backend) => {
  it("runs several workers on one port, logs JSON lines and stops cleanly on SIGTERM", async () => {
    const t = tscaEnv(await freshDatabaseUrl(backend));
    const pki = makePki(t);
    const l = leaf(t, "Root", "w.example.test");
    tsca(t, ["generate_ocsp_keys"]);
    const server = await startServe(t, ["--workers", "2", "--access-log"]);
    try {
      await waitFor(async () => server.logs().filter((l) => l.msg === "listening").length === 2);
      const rootFile = scratch("root.pem", pki.rootPem);
      const leafFile = scratch("leaf.pem", l.pem);
      for (let i = 0; i < 4; i++) {
        const r = await ocspStatus(`${server.base}/ocsp/${hex(pki.root)}/cert/`, rootFile, [leafFile], rootFile);
        expect(r.out).toContain(`${leafFile}: good`);
      }
      const health = await fetch(`${server.base}/healthz`);
      expect(health.status).toBe(200);
      const missing = await fetch(`${server.base}/nothing-here`);
      expect(missing.status).toBe(404);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const logs = server.logs();
    // The primary starts two workers; each logs its own start, requests and shutdown as JSON with its pid.
    expect(logs.find((l) => l.msg === "starting workers")).toMatchObject({ workers: 2 });
    const workerPids = new Set(logs.filter((l) => l.msg === "listening").map((l) => l.pid));
    expect(workerPids.size).toBe(2);
    expect(logs.filter((l) => l.msg === "stopped").length).toBe(2);
    expect(logs.some((l) => l.msg === "request" && l.status === 200 && typeof l.url === "string")).toBe(true);
    for (const l of logs) expect(l.raw, "every stdout line is JSON").toBeUndefined();
    expect(server.stderr()).toBe("");
  });
});

describe("tsca serve start-up", () => {
  it("stops on SIGINT too, and /healthz reports the revocation feed", async () => {
    const t = tscaEnv();
    const server = await startServe(t);
    const body = (await (await fetch(`${server.base}/healthz`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: "ok", cachedCertificates: 0 });
    const exited = new Promise<number | null>((r) => server.proc.once("exit", (code) => r(code)));
    server.proc.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(server.logs().find((l) => l.msg === "shutting down")).toMatchObject({ signal: "SIGINT" });
  });

  it("refuses bad options and a port in use with one sentence", async () => {
    const t = tscaEnv();
    expectOneSentence(runTsca(t, ["serve", "--port", "70000"]), 2, /--port must be at most 65535/);
    expectOneSentence(runTsca(t, ["serve", "--workers", "x"]), 2, /--workers must be a non-negative integer/);
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        import("../../helpers/cli.js").then(({ spawnTsca }) => {
          const p = spawnTsca(t, ["serve", "--port", String(port)]);
          let err = "";
          p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
          p.on("exit", (code) => resolve({ code, stderr: err }));
        });
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`Error: Cannot listen on 127.0.0.1:${port}: EADDRINUSE.\n`);
    } finally {
      blocker.close();
    }
  });
});
