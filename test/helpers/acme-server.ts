/**
 * An ACME server for the real-client tests (issue 11; wave2-stack.md §6): `tsca serve` over HTTPS with the
 * signing worker in-process, or — to prove a client runner against a reference server — Debian's `pebble`.
 * Both come with what a client needs: the directory URL, a root file that makes the server's TLS
 * certificate trusted (and the environment variables through which each Debian client takes it), the
 * ports the server's validator connects to for http-01 and tls-alpn-01 (where the client must listen),
 * an in-process DNS server (test/helpers/dns-server.ts) that the validator asks, EAB keys, and the issuing
 * chain for `openssl verify`.
 *
 * tsca: a fresh installation (SQLite, or a fresh PostgreSQL schema), a root CA and an intermediate "ACME"
 * with ACME enabled (and EAB required when asked for), made with the CLI as an operator would; a TLS
 * certificate for localhost and 127.0.0.1 signed by the root; OCSP responder keys; the CAs carry the
 * server's OCSP URL (TSCA_DEFAULT_HOSTNAME), so `openssl x509 -ocsp_uri` of an issued certificate names
 * it. `tsca serve --port P --tls-port 0 --worker` with TSCA_ACME_ALLOW_LOOPBACK=1 and the validator's
 * ports and resolver set.
 *
 * pebble: PEBBLE_VA_NOSLEEP=1, PEBBLE_WFE_NONCEREJECT=0 (dehydrated does not retry badNonce) and
 * PEBBLE_AUTHZREUSE=0 (every test really validates), `-dnsserver` the same DNS server; its TLS
 * certificate from openssl; its issuing chain from the management API. Pebble has no OCSP.
 *
 * Which one: `kind` in the options, else TSCA_TEST_ACME_SERVER (`tsca` by default, `pebble`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { get } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CA_EXTENSION_ARGS, newEcKeyArgs, openssl, tsca, tscaEnv, type TscaEnv } from "./cli.js";
import { BACKENDS, freshDatabaseUrl, type Backend } from "./databases.js";
import { startDnsServer, type DnsServer } from "./dns-server.js";
import { HANG_GUARD_MS, startServe, waitFor, type Server } from "./serve.js";

export type AcmeServerKind = "tsca" | "pebble";

export interface AcmeServerOptions {
  kind?: AcmeServerKind;
  /** New accounts must carry an External Account Binding (RFC 8555 §7.3.4). */
  eabRequired?: boolean;
  /** tsca's database; default sqlite. */
  backend?: Backend;
}

export interface EabKey {
  kid: string;
  /** base64url, as clients take it. */
  hmacKey: string;
}

export interface AcmeServer {
  kind: AcmeServerKind;
  /** https URL of the ACME directory. */
  directory: string;
  /** PEM file of the root that the server's TLS certificate chains to. */
  tlsRoot: string;
  /** Environment that makes every Debian client and Node trust `tlsRoot` (set at process start). */
  clientEnv: Record<string, string>;
  /** PEM file of the root of issued certificates (`openssl verify -CAfile`). */
  issuerRoot: string;
  /** PEM file of the intermediates of issued certificates (`openssl verify -untrusted`). */
  issuerChain: string;
  /** Where the server's validator connects for http-01 and tls-alpn-01: the client listens there. */
  http01Port: number;
  tlsAlpn01Port: number;
  /** The DNS server the validator asks (A records for test names point at 127.0.0.1). */
  dns: DnsServer;
  /** A fresh EAB key id and HMAC key for one account. */
  eab: () => EabKey;
  /** Makes `name` (and for a wildcard its base name) resolve to 127.0.0.1 for the validator. */
  addName: (name: string) => void;
  /**
   * For dns-01 hooks, which run in another process: `POST {hookUrl}/present` or `/cleanup` with form fields
   * `name` (the TXT owner, e.g. `_acme-challenge.x.example.test`, trailing dot optional) and `value`
   * adds or removes one TXT value of that name in `dns` (curl --data-urlencode in a hook script).
   */
  hookUrl: string;
  /** Whether issued certificates name an OCSP responder that answers (tsca: yes; pebble: no). */
  ocsp: boolean;
  /** tsca only: the installation (for CLI commands) and the running server. */
  tsca?: { t: TscaEnv; server: Server; caName: string };
  /** Stops the server (and checks tsca's clean exit) and the DNS server. */
  stop: () => Promise<void>;
}

export function acmeServerKind(): AcmeServerKind {
  const kind = process.env.TSCA_TEST_ACME_SERVER ?? "tsca";
  if (kind !== "tsca" && kind !== "pebble") throw new Error(`TSCA_TEST_ACME_SERVER must be tsca or pebble, not ${kind}`);
  return kind;
}

/**
 * The databases to run client tests on: every one of BACKENDS against tsca; one run against pebble, whose
 * own storage is in memory (the backend is then ignored).
 */
export const ACME_BACKENDS: Backend[] = acmeServerKind() === "pebble" ? ["sqlite"] : BACKENDS;

/** A port free right now on 127.0.0.1 (for servers that must be told their port up front). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The environment variables through which each client trusts `root` (wave2-stack.md §6, step 1). */
export function trustEnv(root: string): Record<string, string> {
  return {
    LEGO_CA_CERTIFICATES: root,
    REQUESTS_CA_BUNDLE: root,
    CURL_CA_BUNDLE: root,
    SSL_CERT_FILE: root,
    NODE_EXTRA_CA_CERTS: root,
  };
}

const baseName = (name: string): string => name.replace(/^\*\./, "");

export async function startAcmeServer(options: AcmeServerOptions = {}): Promise<AcmeServer> {
  return (options.kind ?? acmeServerKind()) === "pebble" ? startPebble(options) : startTsca(options);
}

/** The TXT half of the DNS server, reachable from hook processes over HTTP (see AcmeServer.hookUrl). */
async function startTxtControl(dns: DnsServer): Promise<{ url: string; close: () => Promise<void> }> {
  const txt = new Map<string, string[]>();
  const server = createHttpServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => (body += d));
    req.on("end", () => {
      const form = new URLSearchParams(body);
      const name = (form.get("name") ?? "").toLowerCase().replace(/\.$/, "");
      const value = form.get("value") ?? "";
      const op = req.url;
      if (req.method !== "POST" || (op !== "/present" && op !== "/cleanup") || name === "" || value === "") {
        res.writeHead(400).end("POST /present or /cleanup with name and value\n");
        return;
      }
      const values = (txt.get(name) ?? []).filter((v) => v !== value);
      if (op === "/present") values.push(value);
      txt.set(name, values);
      if (values.length > 0) dns.setTxt(name, values);
      else dns.clearTxt(name);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The DNS server and its hook endpoint, for either kind of server. */
async function startDns(): Promise<{ dns: DnsServer; hookUrl: string; close: () => Promise<void> }> {
  const dns = await startDnsServer();
  const control = await startTxtControl(dns).catch(async (e: unknown) => {
    await dns.close();
    throw e;
  });
  return {
    dns,
    hookUrl: control.url,
    close: async () => {
      await control.close();
      await dns.close();
    },
  };
}

async function startTsca(options: AcmeServerOptions): Promise<AcmeServer> {
  const { dns, hookUrl, close: closeDns } = await startDns();
  try {
    const [httpPort, http01Port, tlsAlpn01Port] = [await freePort(), await freePort(), await freePort()];
    const t = tscaEnv(await freshDatabaseUrl(options.backend ?? "sqlite"), {
      TSCA_DEFAULT_HOSTNAME: `127.0.0.1:${httpPort}`,
      TSCA_ACME_ALLOW_LOOPBACK: "1",
      TSCA_ACME_HTTP01_PORT: String(http01Port),
      TSCA_ACME_TLSALPN01_PORT: String(tlsAlpn01Port),
      TSCA_ACME_DNS_RESOLVER: dns.address,
    });
    tsca(t, ["init_ca", "--key-type", "EC", "--pathlen", "1", "Root", "/C=AT/O=tsca test/CN=ACME test root"]);
    const caName = "ACME";
    const sub = tsca(t, [
      "init_ca",
      "--key-type",
      "EC",
      "--parent",
      "Root",
      "--acme-enable",
      ...(options.eabRequired ? ["--acme-eab-required"] : []),
      caName,
      "/C=AT/O=tsca test/CN=ACME test issuing CA",
    ]).trim();
    const dir = join(t.home, "acme-test");
    mkdirSync(dir, { mode: 0o700 });
    const issuerRoot = join(dir, "root.pem");
    writeFileSync(issuerRoot, tsca(t, ["dump_ca", "Root"]));
    const issuerChain = join(dir, "chain.pem");
    writeFileSync(issuerChain, tsca(t, ["dump_ca", caName]));
    // The server's own TLS certificate, from the same root (so one file is trusted for TLS and issuance).
    const tlsKey = join(dir, "tls.key");
    const csr = must(["req", "-new", ...newEcKeyArgs(tlsKey), "-subj", "/CN=localhost"]);
    chmodSync(tlsKey, 0o600);
    const tlsCert = join(dir, "tls.pem");
    writeFileSync(
      tlsCert,
      tsca(t, ["sign_cert", "--ca", "Root", "--webserver", "--alt", "DNS:localhost", "--alt", "IP:127.0.0.1"], { input: csr }),
    );
    tsca(t, ["generate_ocsp_keys"]);
    const server = await startServe(t, [
      "--port",
      String(httpPort),
      "--tls-port",
      "0",
      "--tls-cert",
      tlsCert,
      "--tls-key",
      tlsKey,
      "--worker",
    ]);
    const tlsPort = Number(server.logs().find((l) => l.msg === "listening")?.tlsPort);
    return {
      kind: "tsca",
      directory: `https://127.0.0.1:${tlsPort}/acme/${sub.replace(/:/g, "")}/directory`,
      tlsRoot: issuerRoot,
      clientEnv: trustEnv(issuerRoot),
      issuerRoot,
      issuerChain,
      http01Port,
      tlsAlpn01Port,
      dns,
      eab: () => {
        const made = JSON.parse(tsca(t, ["create_eab_key", "--ca", caName, "--json"])) as { kid: string; hmac_key: string };
        return { kid: made.kid, hmacKey: made.hmac_key };
      },
      addName: (name) => dns.setA(baseName(name), ["127.0.0.1"]),
      hookUrl,
      ocsp: true,
      tsca: { t, server, caName },
      stop: async () => {
        const code = await server.stop();
        await closeDns();
        if (code !== 0) throw new Error(`tsca serve exited ${code}: ${server.stderr()}`);
      },
    };
  } catch (e) {
    await closeDns();
    throw e;
  }
}

/** openssl, failing with its message. */
function must(args: string[], input?: string): string {
  const r = openssl(args, input);
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** A root and a TLS certificate for localhost and 127.0.0.1 made by openssl (pebble ships none). */
function opensslTls(dir: string): { root: string; cert: string; key: string } {
  const rootKey = join(dir, "tls-root.key");
  const root = join(dir, "tls-root.pem");
  must(["req", "-x509", ...newEcKeyArgs(rootKey), "-subj", "/CN=pebble test TLS root", "-days", "2", "-out", root, ...CA_EXTENSION_ARGS]);
  const key = join(dir, "tls.key");
  const csr = must(["req", "-new", ...newEcKeyArgs(key), "-subj", "/CN=localhost"]);
  const cert = join(dir, "tls.pem");
  const ext = join(dir, "tls.ext");
  writeFileSync(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  must(["x509", "-req", "-CA", root, "-CAkey", rootKey, "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert], csr);
  return { root, cert, key };
}

async function startPebble(options: AcmeServerOptions): Promise<AcmeServer> {
  const { dns, hookUrl, close: closeDns } = await startDns();
  let proc: ChildProcess | undefined;
  try {
    const dir = mkdtempSync(join(tmpdir(), "tsca-pebble-"));
    const tls = opensslTls(dir);
    const [acmePort, managementPort, http01Port, tlsAlpn01Port] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // Pebble takes EAB keys from its configuration only: enough for every account a test file makes.
    const macKeys: Record<string, string> = {};
    for (let i = 1; i <= 32; i++) macKeys[`kid-${i}`] = randomBytes(32).toString("base64url");
    const config = join(dir, "pebble.json");
    writeFileSync(
      config,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${acmePort}`,
          managementListenAddress: `127.0.0.1:${managementPort}`,
          certificate: tls.cert,
          privateKey: tls.key,
          httpPort: http01Port,
          tlsPort: tlsAlpn01Port,
          ocspResponderURL: "",
          externalAccountBindingRequired: Boolean(options.eabRequired),
          externalAccountMACKeys: macKeys,
        },
      }),
    );
    let out = "";
    proc = spawn("pebble", ["-config", config, "-dnsserver", dns.address], {
      env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const child = proc;
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`pebble exited ${child.exitCode}: ${out}`);
      return out.includes(`Listening on: 127.0.0.1:${acmePort}`);
    });
    // The issuing chain is made at start-up and only the management API tells it.
    const management = `https://127.0.0.1:${managementPort}`;
    const issuerRoot = join(dir, "issuer-root.pem");
    writeFileSync(issuerRoot, await httpsGet(`${management}/roots/0`, tls.root));
    const issuerChain = join(dir, "issuer-chain.pem");
    writeFileSync(issuerChain, await httpsGet(`${management}/intermediates/0`, tls.root));
    let eabCount = 0;
    return {
      kind: "pebble",
      directory: `https://127.0.0.1:${acmePort}/dir`,
      tlsRoot: tls.root,
      clientEnv: trustEnv(tls.root),
      issuerRoot,
      issuerChain,
      http01Port,
      tlsAlpn01Port,
      dns,
      eab: () => {
        eabCount++;
        const kid = `kid-${eabCount}`;
        const hmacKey = macKeys[kid];
        if (!hmacKey) throw new Error("pebble: no EAB keys left in its configuration");
        return { kid, hmacKey };
      },
      addName: (name) => dns.setA(baseName(name), ["127.0.0.1"]),
      hookUrl,
      ocsp: false,
      stop: async () => {
        child.kill("SIGTERM");
        await exited;
        await closeDns();
      },
    };
  } catch (e) {
    proc?.kill("SIGKILL");
    await closeDns();
    throw e;
  }
}

/** GET over HTTPS trusting `root` only, as text. */
function httpsGet(url: string, root: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { ca: readFileSync(root), timeout: HANG_GUARD_MS }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode} ${body}`))));
    });
    req.on("error", reject);
  });
}
