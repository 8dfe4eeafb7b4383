/**
 * The first step of every ACME POST (RFC 8555 §6.2–§6.5): verify its JWS against the URL it was sent to,
 * spend its nonce (issued by any host of the installation: the MAC key is in the database, single use is
 * a row insert) and resolve the signing account.
 */
import { verifyAcmeJws } from "../../acme/jws.js";
import type { AcmeAccount, PublicJwk } from "../../acme/model.js";
import { checkNonce, issueNonce } from "../../acme/nonce.js";
import { accountOfKid, type AcmeDeps, type AcmeRequest } from "./deps.js";

export interface VerifiedRequest {
  payload: unknown;
  /** The account ("kid" requests). */
  account?: AcmeAccount;
  /** The embedded key ("jwk" requests). */
  jwk?: PublicJwk;
}

/** Checks a nonce this installation issued and records it as used; false for anything else. */
export async function spendNonce(deps: Pick<AcmeDeps, "acme" | "clock" | "uow">, nonce: string): Promise<boolean> {
  const ok = checkNonce(await deps.acme.nonceKey(), nonce, deps.clock.now());
  return ok ? deps.uow.run((tx) => tx.acme.useNonce(nonce, ok.expires)) : false;
}

export async function verifyRequest(
  deps: AcmeDeps,
  r: AcmeRequest,
  body: unknown,
  url: string,
  key: "jwk" | "kid" | "either",
): Promise<VerifiedRequest> {
  let account: AcmeAccount | undefined;
  const v = await verifyAcmeJws(body, {
    url,
    key,
    useNonce: (n) => spendNonce(deps, n),
    accountKey: async (kid) => {
      account = await accountOfKid(deps, r, kid);
      return account.jwk;
    },
  });
  return { payload: v.payload, ...(account ? { account } : {}), ...(v.jwk ? { jwk: v.jwk } : {}) };
}

/** A new nonce for a Replay-Nonce header. */
export async function newNonce(deps: Pick<AcmeDeps, "acme" | "clock" | "random">): Promise<string> {
  return issueNonce(await deps.acme.nonceKey(), deps.clock.now(), deps.random.bytes(16));
}
