/**
 * dns-01 (RFC 8555 §8.4): a TXT record at _acme-challenge.<name> whose value is base64url(SHA-256(key
 * authorization)). For a wildcard authorization the name is the base name (§7.1.3: the authorization's
 * identifier has no "*."), so *.example.org is proved at _acme-challenge.example.org. Several TXT records
 * may be there (a wildcard and its base name, or two clients); one matching is enough.
 */
import { dns01TxtValue } from "../../core/acme/key-authorization.js";
import type { ChallengeValidation } from "../../core/ports/acme-validator.js";
import type { ValidationContext } from "./context.js";
import { ChallengeFailure, excerpt } from "./failure.js";

export async function validateDns01(ctx: ValidationContext, v: ChallengeValidation): Promise<void> {
  const name = `_acme-challenge.${v.identifier.value}`;
  const expected = dns01TxtValue(v.keyAuthorization);
  const records = await ctx.dns.txt(name);
  if (records.includes(expected)) return;
  if (!records.length) throw new ChallengeFailure("incorrectResponse", `There is no TXT record at ${name}.`);
  throw new ChallengeFailure(
    "incorrectResponse",
    `No TXT record at ${name} is the digest of the key authorization (found ${records.length}, the first ${excerpt(records[0]!)}).`,
  );
}
