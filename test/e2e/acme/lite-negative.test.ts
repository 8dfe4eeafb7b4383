/**
 * ACME refusals over real HTTPS against `tsca serve --worker`, driven by the project's own client
 * (bench/acme-client-lite.mjs), each with the RFC 8555 §6.7 error type and no certificate (issue 11
 * evidence): a wrong key authorization served for http-01 makes the challenge and its authorization
 * invalid with incorrectResponse (§8.3) and the order invalid; a CAA record naming another CA (RFC 8659
 * §4, the DNS server of test/helpers/dns-server.ts) fails the challenge with caa; a name the CA's ACME
 * policy denies is refused at newOrder with rejectedIdentifier (§7.4). The one successful control order
 * verifies with `openssl verify`.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcmeClientLite, AcmeProblemError, type AcmeObject } from "../../../bench/acme-client-lite.mjs";
import { expectIssued } from "../../helpers/acme-clients.js";
import { startAcmeServer, type AcmeServer } from "../../helpers/acme-server.js";
import { BACKENDS } from "../../helpers/databases.js";
import { tsca } from "../../helpers/cli.js";

describe.each(BACKENDS)("ACME refusals through the project's client over HTTPS (%s)", (backend) => {
  let server: AcmeServer;
  let http01: HttpServer;
  let client: AcmeClientLite;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    server = await startAcmeServer({ kind: "tsca", backend });
    http01 = createHttpServer((req, res) => {
      const ka = tokens.get((req.url ?? "").replace("/.well-known/acme-challenge/", ""));
      if (ka === undefined) res.writeHead(404).end();
      else res.writeHead(200).end(ka);
    });
    await new Promise<void>((resolve) => http01.listen(server.http01Port, "127.0.0.1", () => resolve()));
    client = new AcmeClientLite({ directoryUrl: server.directory, ca: readFileSync(server.tlsRoot) });
    await client.newAccount({ contact: ["mailto:negative@example.test"] });
  });
  afterAll(async () => {
    client?.close();
    await new Promise<void>((resolve) => (http01 ? http01.close(() => resolve()) : resolve()));
    await server?.stop();
  });

  const freshName = (label: string): string => `${label}-${randomBytes(4).toString("hex")}.example.test`;

  /** Orders `name`, serves `keyAuthorization(correct)` for its http-01 challenge, answers it; returns the final authz and order. */
  async function attempt(name: string, serve: (correct: string) => string): Promise<{ authz: AcmeObject; order: AcmeObject }> {
    const order = await client.newOrder([{ type: "dns", value: name }]);
    const authzUrl = order.authorizations[0] as string;
    const authz = await client.fetchJson(authzUrl);
    const challenge = (authz.challenges as AcmeObject[]).find((c) => c.type === "http-01")!;
    tokens.set(challenge.token as string, serve(await client.keyAuthorization(challenge.token as string)));
    await client.respond(challenge.url as string);
    const final = await client.poll(authzUrl, ["valid", "invalid"]);
    return { authz: final, order: await client.poll(order.url as string, ["ready", "valid", "invalid"]) };
  }

  function failedChallenge(authz: AcmeObject): AcmeObject {
    const c = (authz.challenges as AcmeObject[]).find((x) => x.type === "http-01")!;
    expect(c.status).toBe("invalid");
    return c.error as AcmeObject;
  }

  it("control: the right key authorization gives a certificate that verifies", async () => {
    const name = freshName("good");
    server.addName(name);
    const { authz, order } = await attempt(name, (ka) => ka);
    expect(authz.status).toBe("valid");
    expect(order.status).toBe("ready");
  });

  it("a wrong key authorization: challenge and authorization invalid with incorrectResponse, order invalid, no certificate", async () => {
    const name = freshName("wrong");
    server.addName(name);
    const { authz, order } = await attempt(name, (ka) => `${ka.split(".")[0]}.${randomBytes(32).toString("base64url")}`);
    expect(authz.status).toBe("invalid");
    expect(failedChallenge(authz).type).toBe("urn:ietf:params:acme:error:incorrectResponse");
    expect(order.status).toBe("invalid");
    expect(order.certificate).toBeUndefined();
  });

  it("a CAA record naming another CA: the challenge fails with caa, no certificate", async () => {
    const name = freshName("caa");
    server.addName(name);
    server.dns.setCaa(name, [{ tag: "issue", value: "other-ca.example" }]);
    const { authz, order } = await attempt(name, (ka) => ka);
    expect(authz.status).toBe("invalid");
    const error = failedChallenge(authz);
    expect(error.type).toBe("urn:ietf:params:acme:error:caa");
    expect(String(error.detail)).toContain("other-ca.example");
    expect(order.status).toBe("invalid");
    expect(order.certificate).toBeUndefined();
  });

  it("a name outside the CA's ACME policy: newOrder refused with rejectedIdentifier", async () => {
    tsca(server.tsca!.t, ["edit_ca", "--acme-deny", ".denied.example.test", server.tsca!.caName]);
    const err = await client.newOrder([{ type: "dns", value: "www.denied.example.test" }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AcmeProblemError);
    const problem = (err as AcmeProblemError).problem;
    expect((err as AcmeProblemError).status).toBe(400);
    // RFC 8555 §6.7.1: the refusal names the identifier in a subproblem (or is the only problem).
    const types = [problem.type, ...((problem.subproblems as AcmeObject[] | undefined) ?? []).map((s) => s.type)];
    expect(types).toContain("urn:ietf:params:acme:error:rejectedIdentifier");
    // A name the policy allows still works after the change (the refusal is the policy's, not the server's).
    const name = freshName("allowed");
    server.addName(name);
    const { pem } = await client.issue([{ type: "dns", value: name }], {
      present: (_a, c, ka) => void tokens.set(c.token as string, ka),
    });
    const file = join(tmpdir(), `tsca-negative-${randomBytes(6).toString("hex")}.pem`);
    writeFileSync(file, pem);
    await expectIssued(server, file, [name]);
  });
});
