/** Object identifiers used across tsca, with the RFC that defines each. */
export const OID = {
  // RFC 5280 §4.2.1 certificate extensions
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  issuerAltName: "2.5.29.18",
  basicConstraints: "2.5.29.19",
  cRLNumber: "2.5.29.20",
  cRLReason: "2.5.29.21",
  invalidityDate: "2.5.29.24",
  deltaCRLIndicator: "2.5.29.27",
  issuingDistributionPoint: "2.5.29.28",
  nameConstraints: "2.5.29.30",
  cRLDistributionPoints: "2.5.29.31",
  certificatePolicies: "2.5.29.32",
  policyMappings: "2.5.29.33",
  authorityKeyIdentifier: "2.5.29.35",
  policyConstraints: "2.5.29.36",
  extKeyUsage: "2.5.29.37",
  freshestCRL: "2.5.29.46",
  inhibitAnyPolicy: "2.5.29.54",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  tlsFeature: "1.3.6.1.5.5.7.1.24",
  ocspNoCheck: "1.3.6.1.5.5.7.48.1.5",
  ocsp: "1.3.6.1.5.5.7.48.1",
  caIssuers: "1.3.6.1.5.5.7.48.2",
  // RFC 6960 §4.2.1, §4.4 OCSP response type and extensions; RFC 8954 nonce
  ocspBasic: "1.3.6.1.5.5.7.48.1.1",
  ocspNonce: "1.3.6.1.5.5.7.48.1.2",
  ocspCrlId: "1.3.6.1.5.5.7.48.1.3",
  ocspAcceptableResponses: "1.3.6.1.5.5.7.48.1.4",
  ocspServiceLocator: "1.3.6.1.5.5.7.48.1.7",
  ocspPreferredSignatureAlgorithms: "1.3.6.1.5.5.7.48.1.8",
  // Hash algorithms of OCSP CertIDs (RFC 6960 §4.1.1; RFC 3279 §2.2.1, RFC 5754 §2)
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  // RFC 5280 §4.2.1.4 policy qualifiers
  anyPolicy: "2.5.29.32.0",
  cps: "1.3.6.1.5.5.7.2.1",
  userNotice: "1.3.6.1.5.5.7.2.2",
  // Algorithms (RFC 4055, RFC 5758, RFC 8410)
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  sha384WithRSAEncryption: "1.2.840.113549.1.1.12",
  sha512WithRSAEncryption: "1.2.840.113549.1.1.13",
  ecPublicKey: "1.2.840.10045.2.1",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
  ecdsaWithSHA384: "1.2.840.10045.4.3.3",
  ecdsaWithSHA512: "1.2.840.10045.4.3.4",
  ed25519: "1.3.101.112",
  ed448: "1.3.101.113",
  secp256r1: "1.2.840.10045.3.1.7",
  secp384r1: "1.3.132.0.34",
  secp521r1: "1.3.132.0.35",
  md5WithRSAEncryption: "1.2.840.113549.1.1.4",
  sha1WithRSAEncryption: "1.2.840.113549.1.1.5",
  ecdsaWithSHA1: "1.2.840.10045.4.1",
} as const;

/** Extended key usages by name (RFC 5280 §4.2.1.12 and later registrations). */
export const EXTENDED_KEY_USAGES: Record<string, string> = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  ipsecEndSystem: "1.3.6.1.5.5.7.3.5",
  ipsecTunnel: "1.3.6.1.5.5.7.3.6",
  ipsecUser: "1.3.6.1.5.5.7.3.7",
  timeStamping: "1.3.6.1.5.5.7.3.8",
  OCSPSigning: "1.3.6.1.5.5.7.3.9",
  ipsecIKE: "1.3.6.1.5.5.7.3.17",
  msKDC: "1.3.6.1.5.2.3.5",
  smartcardLogon: "1.3.6.1.4.1.311.20.2.2",
  certificateTransparency: "1.3.6.1.4.1.11129.2.4.4",
  anyExtendedKeyUsage: "2.5.29.37.0",
};

/** Key usage bit names in bit order (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BITS = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;
export type KeyUsageName = (typeof KEY_USAGE_BITS)[number];

/** Display names of extensions, for view_* output. */
export const EXTENSION_NAMES: Record<string, string> = {
  [OID.subjectKeyIdentifier]: "Subject Key Identifier",
  [OID.keyUsage]: "Key Usage",
  [OID.subjectAltName]: "Subject Alternative Name",
  [OID.issuerAltName]: "Issuer Alternative Name",
  [OID.basicConstraints]: "Basic Constraints",
  [OID.nameConstraints]: "Name Constraints",
  [OID.cRLDistributionPoints]: "CRL Distribution Points",
  [OID.certificatePolicies]: "Certificate Policies",
  [OID.policyMappings]: "Policy Mappings",
  [OID.authorityKeyIdentifier]: "Authority Key Identifier",
  [OID.policyConstraints]: "Policy Constraints",
  [OID.extKeyUsage]: "Extended Key Usage",
  [OID.freshestCRL]: "Freshest CRL",
  [OID.inhibitAnyPolicy]: "Inhibit anyPolicy",
  [OID.authorityInfoAccess]: "Authority Information Access",
  [OID.tlsFeature]: "TLS Feature",
  [OID.ocspNoCheck]: "OCSP No Check",
};

/**
 * Why a dotted OID cannot be encoded, or undefined when it can. X.660 §A.2 / X.690 §8.19.4: the first
 * arc is 0, 1 or 2; under 0 and 1 the second arc is below 40 (they share one encoded subidentifier, so
 * `1.50` would silently become `2.10`); at least two arcs; decimal arcs without leading zeros.
 */
export function oidProblem(dotted: string): string | undefined {
  const arcs = dotted.split(".");
  if (arcs.length < 2 || !arcs.every((a) => /^(0|[1-9]\d*)$/.test(a)))
    return "An object identifier is two or more decimal numbers separated by dots, without leading zeros.";
  if (!["0", "1", "2"].includes(arcs[0]!)) return "The first arc of an object identifier must be 0, 1 or 2.";
  if (arcs[0] !== "2" && Number(arcs[1]) >= 40) return "Under arc 0 or 1, the second arc of an object identifier must be below 40.";
  return undefined;
}

/** True when `dotted` is an OID that can be encoded (see oidProblem). */
export const isValidOid = (dotted: string): boolean => oidProblem(dotted) === undefined;
