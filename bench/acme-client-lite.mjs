// A small ACME client (RFC 8555) with ACME Renewal Information (RFC 9773), on jose for the JWS and node:https
// for transport. It exists because no packaged client speaks ARI (wave2-stack.md §6), and so that the
// benchmark (bench/acme.mjs) drives pebble and `tsca serve` with the same code; the e2e tests import it too
// (types in acme-client-lite.d.mts). Plain node, no build step: it runs from bench/ against any server.
//
// Transport is node:https with a keep-alive Agent that trusts the given root, not global fetch: fetch takes
// its trust from NODE_EXTRA_CA_CERTS at process start only, while the benchmark talks to two servers with
// different TLS roots made during the run.
import { X509Certificate, createHash, generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIPv4 } from "node:net";
import { FlattenedSign, calculateJwkThumbprint, exportJWK } from "jose";

/** An ACME problem document (RFC 8555 §6.7) from a failed request, with the HTTP status. */
export class AcmeProblemError extends Error {
  constructor(status, problem, url) {
    super(`${url}: ${status} ${problem?.type ?? "(no problem type)"}: ${problem?.detail ?? ""}`);
    this.status = status;
    this.problem = problem;
    this.url = url;
  }
  /** The last part of the problem type URN, e.g. "badNonce". */
  get type() {
    return String(this.problem?.type ?? "").replace(/^urn:ietf:params:acme:error:/, "");
  }
}

const b64u = (buf) => Buffer.from(buf).toString("base64url");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- DER, just enough for a PKCS #10 request (RFC 2986) and for reading a certificate's AKI ----

function derLength(n) {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag, ...parts) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
};
const seq = (...parts) => tlv(0x30, ...parts);
const OID_CN = Buffer.from("0603550403", "hex");
const OID_EXTENSION_REQUEST = Buffer.from("06092a864886f70d01090e", "hex");
const OID_SAN = Buffer.from("0603551d11", "hex");
const ECDSA_WITH_SHA256 = seq(Buffer.from("06082a8648ce3d040302", "hex"));

function ipBytes(ip) {
  if (isIPv4(ip)) return Buffer.from(ip.split(".").map(Number));
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return Buffer.concat(groups.map((g) => Buffer.from(g.padStart(4, "0"), "hex")));
}

/**
 * A DER CSR for `identifiers` ({type: "dns"|"ip", value}) signed with the P-256 `key` (a node:crypto
 * KeyObject): every identifier in the subjectAltName (RFC 8555 §7.4, RFC 8738 §3), CN = the first DNS
 * name when it fits (ub-common-name 64), else an empty subject.
 */
export function makeCsr(key, publicKey, identifiers) {
  const names = identifiers.map((id) => (id.type === "ip" ? tlv(0x87, ipBytes(id.value)) : tlv(0x82, Buffer.from(id.value, "ascii"))));
  const cn = identifiers.find((id) => id.type === "dns" && id.value.length <= 64);
  const subject = cn ? seq(tlv(0x31, seq(OID_CN, tlv(0x0c, Buffer.from(cn.value, "utf8"))))) : seq();
  const extensions = seq(seq(OID_SAN, tlv(0x04, seq(...names))));
  const attributes = tlv(0xa0, seq(OID_EXTENSION_REQUEST, tlv(0x31, extensions)));
  const info = seq(tlv(0x02, Buffer.from([0])), subject, publicKey.export({ type: "spki", format: "der" }), attributes);
  const signature = cryptoSign("sha256", info, { key, dsaEncoding: "der" });
  return seq(info, ECDSA_WITH_SHA256, tlv(0x03, Buffer.from([0]), signature));
}

/** Reads one TLV at `offset`: tag, start of the value, end. */
function readTlv(der, offset) {
  const tag = der[offset];
  let len = der[offset + 1];
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  return { tag, start, end: start + len };
}

/**
 * The RFC 9773 §4.1 certID of a certificate (PEM or DER): base64url(AKI keyIdentifier) "." base64url(DER
 * serial INTEGER value bytes). Computed here from the certificate itself, independently of the server.
 */
export function ariCertId(cert) {
  const x = new X509Certificate(cert);
  const der = x.raw;
  // TBSCertificate → extensions [3] → each Extension; the AKI is OID 2.5.29.35 (RFC 5280 §4.2.1.1).
  const certificate = readTlv(der, 0);
  const tbs = readTlv(der, certificate.start);
  let p = tbs.start;
  let keyIdentifier;
  let serial;
  while (p < tbs.end) {
    const el = readTlv(der, p);
    if (el.tag === 0x02 && serial === undefined) serial = der.subarray(el.start, el.end);
    if (el.tag === 0xa3) {
      const exts = readTlv(der, el.start);
      for (let q = exts.start; q < exts.end;) {
        const ext = readTlv(der, q);
        const oid = readTlv(der, ext.start);
        if (der.subarray(oid.start, oid.end).equals(Buffer.from("551d23", "hex"))) {
          let v = readTlv(der, oid.end);
          if (v.tag === 0x01) v = readTlv(der, v.end); // critical BOOLEAN
          const aki = readTlv(der, v.start);
          const first = readTlv(der, aki.start);
          if (first.tag === 0x80) keyIdentifier = der.subarray(first.start, first.end);
        }
        q = ext.end;
      }
    }
    // version [0] comes first, then the serial INTEGER.
    p = el.end;
  }
  if (!keyIdentifier || !serial) throw new Error("certificate has no authority key identifier or serial");
  return `${b64u(keyIdentifier)}.${b64u(serial)}`;
}

// ---- transport ----

/**
 * An HTTP(S) client that trusts `ca` (PEM) for https, with keep-alive; `request` resolves to
 * {status, headers, body: Buffer}, or fails once a request has had no answer for `timeoutMs` (a hang
 * guard: the socket was idle that long).
 */
export function transport({ ca, maxSockets = 64, timeoutMs: defaultTimeoutMs = 60_000 } = {}) {
  const httpsAgent = new HttpsAgent({ ca, keepAlive: true, maxSockets });
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
  const request = (url, { method = "GET", headers = {}, body, timeoutMs = defaultTimeoutMs } = {}) =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const secure = u.protocol === "https:";
      const req = (secure ? httpsRequest : httpRequest)(
        u,
        { method, headers: { "user-agent": "tsca-acme-client-lite", ...headers }, agent: secure ? httpsAgent : httpAgent },
        (res) => {
          const chunks = [];
          res.on("data", (d) => chunks.push(d));
          res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(body);
    });
  return {
    request,
    close: () => {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

/** Seconds of a Retry-After header (delta-seconds or HTTP-date, RFC 9110 §10.2.3) in ms, or undefined. */
function retryAfterMs(headers, now = Date.now()) {
  const v = headers["retry-after"];
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

// ---- the client ----

export class AcmeClientLite {
  /**
   * `directoryUrl`; `ca`: PEM that the server's TLS certificate chains to (or `http` a transport to share
   * between clients); `accountKey`: a P-256 KeyObject pair {privateKey, publicKey} (made when absent).
   */
  constructor({ directoryUrl, ca, http, accountKey, pollTimeoutMs = 60_000, honorRetryAfter = true }) {
    // false only for diagnosis (bench/acme.mjs): polls with the backoff and ignores the server's Retry-After.
    this.honorRetryAfter = honorRetryAfter;
    this.directoryUrl = directoryUrl;
    this.http = http ?? transport({ ca });
    this.ownsTransport = http === undefined;
    this.key = accountKey ?? generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.nonces = [];
    this.pollTimeoutMs = pollTimeoutMs;
    this.kid = undefined;
  }

  close() {
    if (this.ownsTransport) this.http.close();
  }

  async directory() {
    if (!this.dir) {
      const res = await this.http.request(this.directoryUrl);
      if (res.status !== 200) throw new Error(`GET ${this.directoryUrl}: ${res.status} ${res.body}`);
      this.dir = JSON.parse(res.body.toString("utf8"));
    }
    return this.dir;
  }

  async jwk() {
    this.publicJwk ??= await exportJWK(this.key.publicKey);
    return this.publicJwk;
  }

  /** base64url SHA-256 JWK thumbprint of the account key (RFC 7638), for key authorizations. */
  async thumbprint() {
    this.thumb ??= await calculateJwkThumbprint(await this.jwk(), "sha256");
    return this.thumb;
  }

  /** RFC 8555 §8.1: token "." thumbprint. */
  async keyAuthorization(token) {
    return `${token}.${await this.thumbprint()}`;
  }

  /** RFC 8555 §8.4: the TXT value for dns-01. */
  async dns01Value(token) {
    return createHash("sha256")
      .update(await this.keyAuthorization(token))
      .digest("base64url");
  }

  /** A nonce from the pool (filled from every response's Replay-Nonce, §6.5), else from newNonce. */
  async nonce() {
    const n = this.nonces.pop();
    if (n) return n;
    const res = await this.http.request((await this.directory()).newNonce, { method: "HEAD" });
    const fresh = res.headers["replay-nonce"];
    if (!fresh) throw new Error(`newNonce: ${res.status} without Replay-Nonce`);
    return fresh;
  }

  /**
   * A JWS POST (RFC 8555 §6.2) of `payload` (an object, or "" for POST-as-GET §6.3) to `url`, signed with the
   * account key by `kid`, or with the embedded `jwk` when `useJwk` (newAccount, revocation by certificate key)
   * or by `signer` {key, jwk} (another key). One retry on badNonce with the nonce that error carried (§6.5).
   * Returns {status, headers, body, json?}; an error status throws AcmeProblemError.
   */
  async post(url, payload, { useJwk = false, signer, accept } = {}) {
    for (let attempt = 0; ; attempt++) {
      const nonce = await this.nonce();
      const header = { alg: "ES256", nonce, url };
      if (signer) header.jwk = signer.jwk;
      else if (useJwk || !this.kid) header.jwk = await this.jwk();
      else header.kid = this.kid;
      const bytes = payload === "" ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(payload));
      const jws = await new FlattenedSign(bytes).setProtectedHeader(header).sign(signer ? signer.key : this.key.privateKey);
      const res = await this.http.request(url, {
        method: "POST",
        headers: { "content-type": "application/jose+json", ...(accept ? { accept } : {}) },
        body: JSON.stringify(jws),
      });
      const replay = res.headers["replay-nonce"];
      if (replay) this.nonces.push(replay);
      const type = String(res.headers["content-type"] ?? "");
      if (res.status >= 400) {
        let problem;
        try {
          problem = JSON.parse(res.body.toString("utf8"));
        } catch {
          problem = { detail: res.body.toString("utf8") };
        }
        const err = new AcmeProblemError(res.status, problem, url);
        if (err.type === "badNonce" && attempt === 0) continue;
        throw err;
      }
      const json = type.includes("json") && res.body.length > 0 ? JSON.parse(res.body.toString("utf8")) : undefined;
      return { ...res, json };
    }
  }

  /**
   * newAccount (§7.3), with an External Account Binding (§7.3.4) when `eab` {kid, hmacKey (base64url)}.
   * Remembers the account URL as `kid`. Returns {url, account, status}.
   */
  async newAccount({ contact, termsOfServiceAgreed = true, onlyReturnExisting, eab } = {}) {
    const url = (await this.directory()).newAccount;
    const payload = { termsOfServiceAgreed };
    if (contact) payload.contact = contact;
    if (onlyReturnExisting) payload.onlyReturnExisting = true;
    if (eab) {
      const inner = new FlattenedSign(new TextEncoder().encode(JSON.stringify(await this.jwk())));
      payload.externalAccountBinding = await inner
        .setProtectedHeader({ alg: "HS256", kid: eab.kid, url })
        .sign(Buffer.from(eab.hmacKey, "base64url"));
    }
    const res = await this.post(url, payload, { useJwk: true });
    this.kid = res.headers.location;
    return { url: this.kid, account: res.json, status: res.status };
  }

  /** newOrder (§7.4) with RFC 9773 §5 `replaces` when given. Returns the order object plus its `url`. */
  async newOrder(identifiers, { replaces, notBefore, notAfter } = {}) {
    const payload = { identifiers };
    if (replaces) payload.replaces = replaces;
    if (notBefore) payload.notBefore = notBefore;
    if (notAfter) payload.notAfter = notAfter;
    const res = await this.post((await this.directory()).newOrder, payload);
    return { ...res.json, url: res.headers.location };
  }

  /** POST-as-GET of a JSON resource. */
  async fetchJson(url) {
    return (await this.post(url, "")).json;
  }

  /** Tells the server to validate a challenge (§7.5.1). */
  async respond(challengeUrl) {
    return (await this.post(challengeUrl, {})).json;
  }

  /**
   * Polls `url` (POST-as-GET) until its status is one of `done`, waiting as Retry-After says (RFC 8555 §7.4,
   * §8.2), else with a backoff from 50 ms to 1 s; throws after pollTimeoutMs (a hang guard, not a budget).
   */
  async poll(url, done) {
    const deadline = Date.now() + this.pollTimeoutMs;
    for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
      const res = await this.post(url, "");
      if (done.includes(res.json.status)) return res.json;
      if (Date.now() > deadline) throw new Error(`${url}: still ${res.json.status} after ${this.pollTimeoutMs} ms`);
      await sleep((this.honorRetryAfter ? retryAfterMs(res.headers) : undefined) ?? wait);
    }
  }

  /** finalize (§7.4) with a DER CSR; returns the order as the server answered. */
  async finalize(order, csrDer) {
    return (await this.post(order.finalize, { csr: b64u(csrDer) })).json;
  }

  /** The PEM chain of a valid order (§7.4.2). */
  async certificate(certificateUrl) {
    return (await this.post(certificateUrl, "", { accept: "application/pem-certificate-chain" })).body.toString("utf8");
  }

  /**
   * The whole issuance for `identifiers` with one challenge type per authorization: `present(authz,
   * challenge, keyAuthorization)` makes the response available (and returns an optional cleanup), then the
   * challenge is answered and the authorization polled. Returns {order, pem, key} with the certificate
   * key pair made here.
   */
  async issue(identifiers, { challengeType = "http-01", present, replaces } = {}) {
    let order = await this.newOrder(identifiers, replaces ? { replaces } : {});
    const orderUrl = order.url;
    for (const authzUrl of order.authorizations) {
      const authz = await this.fetchJson(authzUrl);
      if (authz.status === "valid") continue;
      const challenge = authz.challenges.find((c) => c.type === challengeType);
      if (!challenge) throw new Error(`${authzUrl}: no ${challengeType} challenge`);
      const keyAuthorization = await this.keyAuthorization(challenge.token);
      const cleanup = await present(authz, challenge, keyAuthorization);
      try {
        await this.respond(challenge.url);
        const final = await this.poll(authzUrl, ["valid", "invalid", "deactivated", "expired", "revoked"]);
        if (final.status !== "valid") {
          const failed = final.challenges.find((c) => c.url === challenge.url);
          throw new AcmeProblemError(403, failed?.error ?? { detail: `authorization ${final.status}` }, authzUrl);
        }
      } finally {
        if (typeof cleanup === "function") await cleanup();
      }
    }
    order = await this.poll(orderUrl, ["ready", "valid", "invalid"]);
    if (order.status === "invalid") throw new AcmeProblemError(403, order.error ?? { detail: "order invalid" }, orderUrl);
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
    if (order.status === "ready") await this.finalize(order, makeCsr(key.privateKey, key.publicKey, identifiers));
    order = await this.poll(orderUrl, ["valid", "invalid"]);
    if (order.status !== "valid") throw new AcmeProblemError(403, order.error ?? { detail: "order invalid" }, orderUrl);
    const pem = await this.certificate(order.certificate);
    return { order: { ...order, url: orderUrl }, pem, key };
  }

  /**
   * revokeCert (§7.6) of a certificate (PEM or DER), signed by the account key, or by the certificate's own
   * key when `certKey` (a KeyObject pair) is given.
   */
  async revoke(cert, { reason, certKey } = {}) {
    const payload = { certificate: b64u(new X509Certificate(cert).raw) };
    if (reason !== undefined) payload.reason = reason;
    const signer = certKey ? { key: certKey.privateKey, jwk: await exportJWK(certKey.publicKey) } : undefined;
    return this.post((await this.directory()).revokeCert, payload, signer ? { signer } : {});
  }

  /** Account update (§7.3.2), e.g. {status: "deactivated"} (§7.3.6). */
  async updateAccount(fields) {
    return (await this.post(this.kid, fields)).json;
  }

  /**
   * RFC 9773 §4.2: unauthenticated GET of {renewalInfo}/{certID} for a certificate (PEM/DER) or a certID.
   * Returns {status, retryAfterMs, json}.
   */
  async renewalInfo(certOrId) {
    const base = (await this.directory()).renewalInfo;
    if (!base) throw new Error("the directory has no renewalInfo (RFC 9773 §3)");
    const id = typeof certOrId === "string" && !certOrId.includes("-----") ? certOrId : ariCertId(certOrId);
    const res = await this.http.request(`${base.replace(/\/$/, "")}/${id}`);
    const json = res.body.length > 0 ? JSON.parse(res.body.toString("utf8")) : undefined;
    return { status: res.status, retryAfterMs: retryAfterMs(res.headers), json };
  }
}
