/**
 * resign through the signing queue (issue 10, `POST /certificates/{serial}/resign` on a host without the
 * CA key): submitResignRequest records a request carrying the stored CSR and `resigns`; the real worker
 * batch (processSigningRequests over the real queue and database) signs it like resign_cert. Evidence:
 *   - the new certificate has a new serial and the old one's subject, SANs, key usage, extended key usage,
 *     TLS feature and policies exactly (openssl's text of each extension compared), the same public key,
 *     and `openssl verify` accepts it against Root and Inter;
 *   - the audit log records the submission and the issue with the renewed serial;
 *   - refusals, nothing recorded: an imported certificate (no CSR), an actor without `sign` on its CA.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UseCaseContext } from "../../src/core/access/context.js";
import { isTscaError } from "../../src/core/errors.js";
import { CachedKeyStoreRegistry } from "../../src/core/issuance/cached-key-store.js";
import { processSigningRequests } from "../../src/core/usecases/process-signing-requests.js";
import { submitResignRequest } from "../../src/core/usecases/submit-resign-request.js";
import { keyHostContext } from "../../src/main/composition.js";
import { signingQueue } from "../../src/main/signing-queue.js";
import { makeCsr } from "../helpers/certs.js";
import { tsca } from "../helpers/cli.js";
import { leaf } from "../helpers/crl.js";
import { BACKENDS } from "../helpers/databases.js";
import { keyFile, opensslExtensions, opensslSignCsr, opensslVerify, ossl, scratch, x509Text } from "../helpers/oracles.js";
import { closePkiInstallation, openPkiInstallation, webCaller, type PkiInstallation } from "../helpers/use-case-context.js";
import { join } from "node:path";

const pem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;

describe.each(BACKENDS)("resign through the signing queue (%s)", (backend) => {
  let inst: PkiInstallation;
  let inter: string;
  let signer: UseCaseContext;

  /** One worker batch, exactly as `tsca worker` runs it (real queue, key store, profiles, defaults). */
  async function workerBatch(): Promise<{ issued: number; failed: number }> {
    const url = inst.t.env.TSCA_DATABASE_URL ?? join(inst.t.home, "tsca.sqlite3");
    const queue = signingQueue(inst.db, url);
    try {
      return await processSigningRequests(
        keyHostContext("system", inst.deps, undefined, undefined, "worker"),
        {
          queue,
          keys: new CachedKeyStoreRegistry(inst.deps.keys),
          profiles: inst.deps.profiles,
          defaults: inst.deps.defaults,
          password: () => undefined,
        },
        16,
      );
    } finally {
      await queue.close();
    }
  }

  const refusal = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (e) {
      if (isTscaError(e)) return e.code;
      throw e;
    }
    throw new Error("expected a refusal");
  };

  const requestCount = async (): Promise<number> => (await inst.db.db.selectFrom("signing_request").select("id").execute()).length;

  beforeAll(async () => {
    inst = await openPkiInstallation(backend);
    inter = inst.pki.inter.replace(/:/g, "");
    signer = webCaller(inst.db.db, "renewer", [{ permission: "sign", caSerial: inter }]);
  });
  afterAll(() => closePkiInstallation(inst));

  it("the worker signs a queued renewal exactly like resign_cert: same names and extensions, new serial, openssl verifies", async () => {
    const old = leaf(inst.t, "Inter", "renew.example.test", [
      "--profile",
      "client",
      "--alt",
      "DNS:renew.example.test",
      "--alt",
      "IP:192.0.2.7",
      "--alt",
      "email:ops@example.test",
      "--key-usage",
      "digitalSignature,keyAgreement",
      "--extended-key-usage",
      "clientAuth,serverAuth",
      "--extended-key-usage-critical",
      "--tls-feature",
      "status_request",
      "--policy-identifier",
      "1.3.6.1.4.1.99999.1",
    ]);
    const submitted = await submitResignRequest(signer, inst.deps, { cert: old.serial.toLowerCase(), expiresDays: 30 });
    expect(submitted.caSerial).toBe(inter);
    const pending = await inst.deps.signingRequests.get(submitted.id);
    expect(pending?.status).toBe("pending");
    expect(pending?.parameters.resigns).toBe(old.hex);

    expect(await workerBatch()).toMatchObject({ issued: 1, failed: 0 });
    const done = (await inst.deps.signingRequests.get(submitted.id))!;
    expect([done.status, done.errorCode]).toEqual(["issued", null]);
    expect(done.certificateSerial).not.toBe(old.hex);
    const renewed = (await inst.deps.certs.get(done.certificateSerial!))!;
    const newPem = pem(renewed.der);

    const v = opensslVerify(inst.pki.rootPem, [inst.pki.interPem], newPem);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout.trim()).toMatch(/: OK$/);
    const field = (p: string, f: string): string => ossl(["x509", "-noout", `-${f}`], p).trim();
    expect(field(newPem, "subject")).toBe(field(old.pem, "subject"));
    expect(field(newPem, "pubkey")).toBe(field(old.pem, "pubkey"));
    expect(field(newPem, "serial")).not.toBe(field(old.pem, "serial"));
    const oldExt = opensslExtensions(x509Text(old.pem));
    const newExt = opensslExtensions(x509Text(newPem));
    for (const name of [
      "X509v3 Subject Alternative Name",
      "X509v3 Key Usage",
      "X509v3 Extended Key Usage",
      "TLS Feature",
      "X509v3 Certificate Policies",
    ]) {
      expect(oldExt.get(name), name).toBeDefined();
      expect(newExt.get(name), name).toEqual(oldExt.get(name));
    }
    // 30 days asked for, not the profile's default.
    const days = (renewed.notAfter.getTime() - renewed.notBefore.getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    const events = await inst.db.db.selectFrom("audit_event").selectAll().orderBy("seq").execute();
    const submit = events.find((e) => e.action === "request.submit" && e.object === `request:${submitted.id}`)!;
    expect([submit.actor, submit.outcome, JSON.parse(submit.detail).resigns]).toEqual(["web:renewer", "success", old.hex]);
    const issue = events.find((e) => e.action === "cert.issue" && e.object === `cert:${renewed.serial}`)!;
    expect(JSON.parse(issue.detail)).toMatchObject({ resigned: old.hex, request: submitted.id, requestedBy: "web:renewer" });
  });

  it("refuses an imported certificate (no stored CSR) and an actor without sign on its CA, recording no request", async () => {
    const before = await requestCount();
    // Signed with Inter's key by openssl, outside tsca, then imported: tsca has no CSR for it.
    const csr = makeCsr("ec", "/CN=imported.example.test");
    const importedPem = opensslSignCsr(
      inst.pki.interPem,
      keyFile(inst.t, inter),
      csr.pem,
      ["subjectAltName=DNS:imported.example.test"],
      "0x4A11CE01",
    );
    tsca(inst.t, ["import_cert", "--ca", "Inter", scratch("imported.pem", importedPem)]);
    expect(await refusal(submitResignRequest(signer, inst.deps, { cert: "4A11CE01" }))).toBe("ERR_CSR_INVALID");
    const viewer = webCaller(inst.db.db, "viewer", [{ permission: "view", caSerial: null }]);
    const other = leaf(inst.t, "Inter", "other.example.test");
    expect(await refusal(submitResignRequest(viewer, inst.deps, { cert: other.serial }))).toBe("ERR_FORBIDDEN");
    const onRoot = leaf(inst.t, "Root", "root-leaf.example.test");
    expect(await refusal(submitResignRequest(signer, inst.deps, { cert: onRoot.serial }))).toBe("ERR_FORBIDDEN");
    expect(await requestCount()).toBe(before);
  });
});
