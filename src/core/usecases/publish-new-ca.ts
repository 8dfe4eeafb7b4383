/**
 * The second step of creating a CA (init_ca, import_ca): its first CRLs and its delegated OCSP responder,
 * so that the CRL and OCSP URLs it puts into certificates answer as soon as `tsca serve` runs, instead of
 * 404 and "unauthorized" until the timers first run generate_crls and generate_ocsp_keys (RFC 5280
 * §4.2.1.13: a distribution point names where the CRL *is*; RFC 6960 §4.2.2.2: the delegated responder
 * must exist to sign). It runs after the CA is committed and calls those two use cases for this one CA,
 * so the CRLs and the responder are exactly what the timers would have made. A failure here never undoes
 * the CA, which is complete and valid on its own: the outcome says which part failed and why, and the
 * caller tells the user how to redo it.
 */
import type { UseCaseContext } from "../access/context.js";
import { isTscaError } from "../errors.js";
import type { CertificateAuthority } from "../ca/certificate-authority.js";
import { unusableReason } from "../ca/usable-cas.js";
import { generateCrls } from "./generate-crls.js";
import { generateOcspKeys, type GenerateOcspKeysDeps } from "./generate-ocsp-keys.js";

export type PublishNewCaDeps = Parameters<typeof generateCrls>[1] & GenerateOcspKeysDeps;

export type PublicationStep = "crls" | "ocsp";

export type PublicationOutcome =
  | { status: "published" }
  /** The CA cannot sign now (an imported CA that is expired, or under a revoked parent): nothing to publish. */
  | { status: "not-usable"; reason: string }
  | { status: "incomplete"; failed: { step: PublicationStep; reason: string }[] };

const reasonOf = (e: unknown): string => (isTscaError(e) ? e.message : "unexpected error");

export async function publishNewCa(
  ctx: UseCaseContext,
  deps: PublishNewCaDeps,
  ca: CertificateAuthority,
  password: string | undefined,
): Promise<PublicationOutcome> {
  const unusable = unusableReason(ca, await deps.cas.list(), deps.clock.now());
  if (unusable) return { status: "not-usable", reason: unusable };
  // The password of the new key: only for an encrypted key (a password for a plain key is refused).
  const keyPassword = ca.keyEncrypted && password !== undefined ? { password } : {};
  const failed: { step: PublicationStep; reason: string }[] = [];

  try {
    const outcomes = await generateCrls(ctx, deps, { cas: [ca.serial], force: false, ...keyPassword });
    const bad = outcomes.find((o) => o.status !== "generated" && o.status !== "current");
    if (bad) failed.push({ step: "crls", reason: bad.status === "failed" ? reasonOf(bad.error) : bad.note });
  } catch (e) {
    failed.push({ step: "crls", reason: reasonOf(e) });
  }

  try {
    const outcomes = await generateOcspKeys(ctx, deps, { cas: [ca.serial], force: false, ...keyPassword });
    const bad = outcomes.find((o) => o.outcome === "skipped");
    if (bad) failed.push({ step: "ocsp", reason: bad.reason ?? "skipped" });
  } catch (e) {
    failed.push({ step: "ocsp", reason: reasonOf(e) });
  }

  return failed.length ? { status: "incomplete", failed } : { status: "published" };
}
