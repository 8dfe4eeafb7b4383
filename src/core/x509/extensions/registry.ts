/** Extension codecs by OID, so that any certificate's extensions can be described. */
import { hexColons, type Extension, type ExtensionCodec } from "./extension.js";
import { authorityInformationAccess } from "./authority-information-access.js";
import { basicConstraints } from "./basic-constraints.js";
import { certificatePolicies } from "./certificate-policies.js";
import { crlDistributionPoints, freshestCrl } from "./distribution-points.js";
import { extendedKeyUsage } from "./extended-key-usage.js";
import { authorityKeyIdentifier, subjectKeyIdentifier } from "./key-identifiers.js";
import { keyUsage } from "./key-usage.js";
import { nameConstraints } from "./name-constraints.js";
import { inhibitAnyPolicy, policyConstraints } from "./policy-constraints.js";
import { issuerAltName, subjectAltName } from "./alternative-names.js";
import { ocspNoCheck, tlsFeature } from "./tls-feature.js";

const CODECS: ExtensionCodec<unknown>[] = [
  authorityInformationAccess,
  authorityKeyIdentifier,
  basicConstraints,
  certificatePolicies,
  crlDistributionPoints,
  extendedKeyUsage,
  freshestCrl,
  inhibitAnyPolicy,
  issuerAltName,
  keyUsage,
  nameConstraints,
  ocspNoCheck,
  policyConstraints,
  subjectAltName,
  subjectKeyIdentifier,
  tlsFeature,
] as ExtensionCodec<unknown>[];

const BY_OID = new Map(CODECS.map((c) => [c.oid, c]));

export const codecFor = (oid: string): ExtensionCodec<unknown> | undefined => BY_OID.get(oid);

export interface DescribedExtension {
  oid: string;
  name: string;
  critical: boolean;
  lines: string[];
}

/** A readable description; unknown or undecodable extensions are shown as hex, never thrown. */
export function describeExtension(e: Extension): DescribedExtension {
  const codec = BY_OID.get(e.oid);
  let lines: string[];
  try {
    lines = codec ? codec.describe(codec.decode(e.value)) : [hexColons(e.value)];
  } catch {
    lines = [`(undecodable) ${hexColons(e.value)}`];
  }
  return { oid: e.oid, name: codec?.name ?? `Unknown extension (${e.oid})`, critical: e.critical, lines };
}

/** Decode an extension value with its codec, or undefined when absent. */
export function findExtension<T>(extensions: Extension[], codec: ExtensionCodec<T>): T | undefined {
  const e = extensions.find((x) => x.oid === codec.oid);
  return e ? codec.decode(e.value) : undefined;
}
