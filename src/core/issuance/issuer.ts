/**
 * A CA prepared for issuing: looked up, checked usable (itself and every ancestor), its key opened, and
 * every per-CA part of a certificate encoded once — issuer name, AKI, the URLs it adds — so issuing many
 * certificates costs only the per-certificate parts, the signature and the insert.
 */
import { TscaError } from "../errors.js";
import { caStatus, type CertificateAuthority } from "../ca/certificate-authority.js";
import { findCa } from "../ca/find-ca.js";
import { ancestry, assertUsable } from "../ca/hierarchy.js";
import type { CaRepository } from "../ports/ca-repository.js";
import type { KeyStoreRegistry } from "../ports/key-store-registry.js";
import type { Signer } from "../ports/signer.js";
import { keyIdentifier, parseCertificate } from "../x509/certificate.js";
import { makeExtension, type Extension } from "../x509/extensions/extension.js";
import { authorityKeyIdentifier } from "../x509/extensions/key-identifiers.js";
import { nameConstraints } from "../x509/extensions/name-constraints.js";
import { findExtension } from "../x509/extensions/registry.js";
import { curveOfOid, type EllipticCurve, type HashAlgorithm } from "../x509/algorithms.js";
import type { ExtraRuleSet } from "./lint-rule-sets.js";
import type { ConstraintSource } from "./name-constraints-check.js";
import { loadCaSigner } from "./ca-signer.js";

export interface PreparedIssuer {
  ca: CertificateAuthority;
  /** The CA first, then its ancestors up to the root. */
  chain: CertificateAuthority[];
  signer: Signer;
  hash: HashAlgorithm | undefined;
  /** The curve of an EC CA key (lint checks the hash against it, CA/B BR §7.1.3.2.2). */
  curve?: EllipticCurve | undefined;
  /** The lint rule sets the CA selects (edit_ca --lint), beyond RFC 5280. */
  lintRuleSets?: ExtraRuleSet[];
  /** The CA's subject exactly as encoded in its certificate: the issuer of what it signs (§4.1.2.4). */
  issuerDer: Buffer;
  aki: Extension;
  constraints: ConstraintSource[];
}

/** The CA to use when none is named: the configured default, else the usable CA that expires last. */
export async function defaultCa(cas: CaRepository, configured: string | undefined, now: Date): Promise<CertificateAuthority> {
  if (configured) return findCa(cas, configured);
  const usable = (await cas.list()).filter((ca) => ca.enabled && caStatus(ca, now) === "valid");
  const last = usable.sort((a, b) => b.notAfter.getTime() - a.notAfter.getTime())[0];
  if (!last) throw new TscaError("ERR_NO_USABLE_CA", "No certificate authority is usable: create one with init_ca or name one with --ca.");
  return last;
}

export async function prepareIssuer(
  deps: { cas: CaRepository; keys: KeyStoreRegistry },
  ca: CertificateAuthority,
  password: string | undefined,
  now: Date,
): Promise<PreparedIssuer> {
  const all = new Map((await deps.cas.list()).map((c) => [c.serial, c]));
  const chain = ancestry(ca, (s) => all.get(s));
  assertUsable(chain, now, "Certificate authority", "ERR_CA_UNUSABLE");
  // The store the CA row names (key_backend, key_options); the key is checked against the certificate there.
  const cert = parseCertificate(ca.der);
  const signer = await loadCaSigner(deps.keys, ca, password, cert.spki);
  const constraints: ConstraintSource[] = [];
  for (const c of chain) {
    const nc = findExtension((c === ca ? cert : parseCertificate(c.der)).extensions, nameConstraints);
    if (nc) constraints.push({ caName: c.name, constraints: nc });
  }
  return {
    ca,
    chain,
    signer,
    hash: ca.signatureHash ?? undefined,
    curve: curveOfOid(cert.curveOid),
    lintRuleSets: ca.lintRuleSets ?? [],
    issuerDer: cert.subjectDer,
    aki: makeExtension(authorityKeyIdentifier, keyIdentifier(cert.spki)),
    constraints,
  };
}
