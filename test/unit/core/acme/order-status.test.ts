/** RFC 8555 §7.1.6 status changes of orders and authorizations, from stored state, clock and signing request. */
import { describe, expect, it } from "vitest";
import type { AcmeAuthorization, AcmeChallenge, AcmeOrder } from "../../../../src/core/acme/model.js";
import { authorizationStatusFrom, orderStatusFrom, type OrderRequestOutcome } from "../../../../src/core/acme/order-status.js";

const t0 = new Date("2026-12-04T12:00:00Z");
const later = (ms: number): Date => new Date(t0.getTime() + ms);
const HOUR = 3_600_000;

function order(patch: Partial<AcmeOrder> = {}): AcmeOrder {
  return {
    id: "o1",
    accountId: "a1",
    caSerial: "CA",
    status: "pending",
    identifiers: [
      { type: "dns", value: "a.example" },
      { type: "dns", value: "*.b.example" },
    ],
    notBefore: null,
    notAfter: null,
    expires: later(24 * HOUR),
    error: null,
    signingRequestId: null,
    certificateSerial: null,
    replaces: null,
    createdAt: t0,
    updatedAt: t0,
    ...patch,
  };
}

function authz(value: string, patch: Partial<AcmeAuthorization> = {}): AcmeAuthorization {
  return {
    id: `z-${value}`,
    orderId: "o1",
    accountId: "a1",
    caSerial: "CA",
    identifier: { type: "dns", value },
    wildcard: false,
    status: "pending",
    expires: later(24 * HOUR),
    createdAt: t0,
    updatedAt: t0,
    ...patch,
  };
}

function chall(status: AcmeChallenge["status"], type: AcmeChallenge["type"] = "http-01"): AcmeChallenge {
  return { id: `c-${type}`, authzId: "z", type, token: "tok", status, validated: null, error: null, updatedAt: t0 };
}

const request = (patch: Partial<OrderRequestOutcome>): OrderRequestOutcome => ({
  status: "pending",
  errorCode: null,
  errorMessage: null,
  certificateSerial: null,
  ...patch,
});

describe("authorizationStatusFrom", () => {
  it("stays pending while no challenge has succeeded or failed", () => {
    expect(authorizationStatusFrom(authz("a"), [chall("pending"), chall("processing", "dns-01")], t0)).toBe("pending");
  });

  it("is valid once one challenge is valid, invalid once one is invalid", () => {
    expect(authorizationStatusFrom(authz("a"), [chall("pending"), chall("valid", "dns-01")], t0)).toBe("valid");
    expect(authorizationStatusFrom(authz("a"), [chall("invalid"), chall("pending", "dns-01")], t0)).toBe("invalid");
  });

  it("expires at its expiry time, pending or valid (§7.1.6)", () => {
    expect(authorizationStatusFrom(authz("a"), [chall("pending")], later(24 * HOUR - 1))).toBe("pending");
    expect(authorizationStatusFrom(authz("a"), [chall("pending")], later(24 * HOUR))).toBe("expired");
    expect(authorizationStatusFrom(authz("a", { status: "valid" }), [chall("valid")], later(25 * HOUR))).toBe("expired");
    expect(authorizationStatusFrom(authz("a"), [chall("valid")], later(25 * HOUR))).toBe("expired");
  });

  it("keeps final states (deactivated, revoked, invalid, expired) whatever the challenges say", () => {
    for (const s of ["deactivated", "revoked", "invalid", "expired"] as const)
      expect(authorizationStatusFrom(authz("a", { status: s }), [chall("valid")], t0)).toBe(s);
  });
});

describe("orderStatusFrom", () => {
  it("is pending until every authorization is valid, then ready", () => {
    expect(orderStatusFrom(order(), [authz("a.example", { status: "valid" }), authz("b.example")], t0)).toEqual({ status: "pending" });
    expect(orderStatusFrom(order(), [authz("a.example", { status: "valid" }), authz("b.example", { status: "valid" })], t0)).toEqual({
      status: "ready",
    });
  });

  it("is pending, not ready, without authorizations", () => {
    expect(orderStatusFrom(order(), [], t0).status).toBe("pending");
  });

  it.each(["invalid", "deactivated", "expired", "revoked"] as const)("is invalid when an authorization is %s, naming it", (s) => {
    const r = orderStatusFrom(order(), [authz("a.example", { status: "valid" }), authz("b.example", { status: s, wildcard: true })], t0);
    expect(r.status).toBe("invalid");
    expect(r.error?.type).toBe("urn:ietf:params:acme:error:unauthorized");
    expect(r.error?.detail).toContain("*.b.example");
    expect(r.error?.subproblems).toEqual([
      {
        type: "urn:ietf:params:acme:error:unauthorized",
        detail: `The authorization is ${s}.`,
        identifier: { type: "dns", value: "b.example" },
      },
    ]);
  });

  it("is invalid once the order expires unfinalized, even when ready", () => {
    const valid = [authz("a.example", { status: "valid" }), authz("b.example", { status: "valid" })];
    expect(orderStatusFrom(order({ status: "ready" }), valid, later(24 * HOUR - 1)).status).toBe("ready");
    expect(orderStatusFrom(order({ status: "ready" }), valid, later(24 * HOUR)).status).toBe("invalid");
  });

  it("is processing while the finalize request is pending, even past the order's expiry", () => {
    const o = order({ status: "processing", signingRequestId: "r1" });
    expect(orderStatusFrom(o, [], later(48 * HOUR), request({}))).toEqual({ status: "processing" });
    expect(orderStatusFrom(o, [], later(48 * HOUR))).toEqual({ status: "processing" });
  });

  it("is valid with the certificate once the request is issued", () => {
    const o = order({ status: "processing", signingRequestId: "r1" });
    expect(orderStatusFrom(o, [], t0, request({ status: "issued", certificateSerial: "4A0B" }))).toEqual({
      status: "valid",
      certificateSerial: "4A0B",
    });
  });

  it("is invalid with badCSR and the request's sentence when the CSR or names were refused", () => {
    const o = order({ status: "processing", signingRequestId: "r1" });
    for (const code of ["ERR_CSR_WEAK", "ERR_NAME_CONSTRAINTS", "ERR_LINT"]) {
      const r = orderStatusFrom(o, [], t0, request({ status: "failed", errorCode: code, errorMessage: `Refused: ${code}.` }));
      expect(r.status).toBe("invalid");
      expect(r.error).toMatchObject({ type: "urn:ietf:params:acme:error:badCSR", detail: `Refused: ${code}.`, status: 400 });
    }
  });

  it("is invalid with serverInternal, and no internal detail, when the server failed", () => {
    const o = order({ status: "processing", signingRequestId: "r1" });
    for (const code of ["ERR_INTERNAL", "ERR_KEY_NOT_FOUND", "ERR_PROFILE", "ERR_CA_UNUSABLE", "ERR_SOMETHING_UNKNOWN", null]) {
      const r = orderStatusFrom(o, [], t0, request({ status: "failed", errorCode: code, errorMessage: "secret path /var/lib/x" }));
      expect(r.error?.type, String(code)).toBe("urn:ietf:params:acme:error:serverInternal");
      expect(r.error?.status).toBe(500);
      expect(r.error?.detail).not.toContain("/var/lib");
    }
  });

  it("keeps valid and invalid final, with their stored certificate and error", () => {
    const err = { type: "urn:ietf:params:acme:error:badCSR", detail: "x", status: 400 };
    expect(orderStatusFrom(order({ status: "invalid", error: err }), [authz("a", { status: "valid" })], t0)).toEqual({
      status: "invalid",
      error: err,
    });
    expect(
      orderStatusFrom(order({ status: "valid", certificateSerial: "AB" }), [], later(100 * HOUR), request({ status: "failed" })),
    ).toEqual({
      status: "valid",
      certificateSerial: "AB",
    });
  });
});
