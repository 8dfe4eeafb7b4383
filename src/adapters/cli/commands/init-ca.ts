/** `tsca init_ca NAME SUBJECT`: parse, call initCaAndPublish (the CA, then its first CRLs and OCSP responder), print the new serial. */
import { Command, Option } from "commander";
import { TscaError } from "../../../core/errors.js";
import { parseLintRuleSets } from "../../../core/issuance/lint-rule-sets.js";
import { initCaAndPublish } from "../../../core/usecases/init-ca.js";
import { parseEllipticCurve, parseHashAlgorithm, parseKeyType } from "../../../core/x509/algorithms.js";
import { parseExtendedKeyUsages } from "../../../core/x509/extensions/extended-key-usage.js";
import { parseKeyUsages } from "../../../core/x509/extensions/key-usage.js";
import { parseName } from "../../../core/x509/name.js";
import { parseDefaultHostname } from "../../../core/ca/default-urls.js";
import type { CliIo, ContextFactory } from "../context.js";
import { reportNewCa } from "../render/new-ca.js";
import { parseDuration } from "../duration.js";
import { examples, groupOptions, type OptionGroup } from "../help.js";
import { addPasswordOption, resolvePassword } from "../prompt.js";
import {
  collect,
  generalNames,
  httpUrl,
  nameConstraints,
  nonNegativeInt,
  policiesFromArgv,
  positiveInt,
  splitList,
  urlNames,
} from "../values.js";
import { addSignedCertificateOptions, signedCertificateUrls } from "./signed-certificate-options.js";
import { addKeyBackendOptions, KEY_BACKEND_FLAGS, keyBackendRequest, type KeyBackendOpts } from "./key-backend-options.js";
import { ACME_FLAGS, acmeSettingsChange, addAcmeOptions, type AcmeOpts } from "./acme-options.js";

interface Opts {
  keyType?: string;
  keySize?: string;
  ellipticCurve?: string;
  algorithm?: string;
  password?: string | boolean;
  parent?: string;
  parentPassword?: string | boolean;
  expires?: string;
  pathlen?: string | false;
  pathLength?: string | false;
  caCrlUrl?: string[];
  caOcspUrl?: string[];
  caIssuerUrl?: string[];
  nameConstraint?: string[];
  permitName?: string[];
  excludeName?: string[];
  keyUsage?: string[];
  keyUsageNonCritical?: boolean;
  extendedKeyUsage?: string[];
  extendedKeyUsageCritical?: boolean;
  certificatePoliciesCritical?: boolean;
  inhibitAnyPolicy?: string;
  inhibitPolicyMapping?: string;
  requireExplicitPolicy?: string;
  subjectAlternativeName?: string[];
  website?: string;
  tos?: string;
  caa?: string;
  defaultHostname?: string | false;
}

function pathLength(o: Opts): number | null {
  const given = [o.pathlen, o.pathLength].filter((v) => v !== undefined);
  if (given.length > 1)
    throw new TscaError("ERR_INVALID_ARGUMENT", "Give the path length once (--pathlen/--path-length or --no-pathlen/--no-path-length).");
  const v = given[0];
  if (v === undefined) return 0; // secure default (RFC 5280 §4.2.1.9 allows any; we allow no sub-CAs unless asked)
  if (v === false) return null;
  return nonNegativeInt(v, "Path length");
}

/** init_ca has some fifty options: -h shows them in these groups (issue 7). */
const INIT_CA_GROUPS: readonly OptionGroup[] = [
  { heading: "Key:", flags: ["key-type", "key-size", "elliptic-curve", "algorithm", "password", "password-file", ...KEY_BACKEND_FLAGS] },
  {
    heading: "Hierarchy and validity:",
    flags: ["parent", "parent-password", "parent-password-file", "expires", "pathlen", "no-pathlen", "path-length", "no-path-length"],
  },
  {
    heading: "URLs (--ca-*: in this CA's own certificate; the others: in what it signs):",
    flags: ["ca-crl-url", "ca-ocsp-url", "ca-issuer-url", "crl-full-name", "ocsp-responder", "ca-issuer"],
    match: /url|hostname|^sign-|issuer|crl|ocsp/,
  },
  {
    heading: "Extensions of this CA's certificate:",
    flags: [
      "name-constraint",
      "permit-name",
      "exclude-name",
      "key-usage",
      "key-usage-non-critical",
      "extended-key-usage",
      "extended-key-usage-critical",
      "policy-identifier",
      "certification-practice-statement",
      "user-notice",
      "certificate-policies-critical",
      "inhibit-any-policy",
      "inhibit-policy-mapping",
      "require-explicit-policy",
      "subject-alternative-name",
    ],
  },
  { heading: "Metadata (ACME):", flags: ["website", "tos", "caa"] },
  { heading: "ACME (docs/acme.md):", flags: [...ACME_FLAGS] },
];

const INIT_CA_EXAMPLES = examples(
  ['tsca init_ca --key-type EC --pathlen 1 "Example Root" "/CN=Example Root"', "a root that may have one level of intermediates"],
  [
    'tsca init_ca --key-type EC --parent "Example Root" \\\n--default-hostname ca.example.com "Example Sub" "CN=Example Sub"',
    "an intermediate with the CRL, OCSP and issuer URLs of tsca serve on ca.example.com",
  ],
  ['tsca init_ca --key-type RSA --expires 7300d "RSA Root" "/CN=RSA Root"', "an RSA root valid for 7300 days"],
  ['tsca init_ca --password-file /root/ca.pass "Locked Root" "/CN=Locked Root"', "encrypt the key with the first line of the file"],
  [
    'tsca init_ca --key-type EC --key-backend pkcs11 --pkcs11-token-label ca \\\n--pkcs11-pin-file /etc/tsca/pin "HSM Root" "/CN=HSM Root"',
    "a root whose key is made on (and never leaves) the PKCS#11 token labelled ca",
  ],
);

export function registerInitCa(program: Command, context: ContextFactory, io: CliIo): void {
  const cmd = program
    .command("init_ca")
    .description("Create a new root CA, or an intermediate CA with --parent. Prints the new CA's serial.")
    .argument("<name>", "unique, human-readable name of the CA")
    .argument("<subject>", 'subject with a CN, OpenSSL style ("/O=Example/CN=Example CA") or RFC 4514 ("O=Example,CN=Example CA")')
    .option("--key-type <type>", "key type: RSA, EC, Ed25519 or Ed448 (default from settings: RSA)")
    .option("--key-size <bits>", "RSA key size, a power of two, at least 2048 (default from settings: 4096)")
    .option("--elliptic-curve <curve>", "EC curve: secp256r1, secp384r1 or secp521r1 (default from settings: secp256r1)")
    .option(
      "--algorithm <hash>",
      "signature hash: SHA-256, SHA-384 or SHA-512 (default: the key's, RSA SHA-256, EC P-256/384/521 SHA-256/384/512); not for Ed25519/Ed448",
    )
    .option(
      "--lint <sets>",
      "lint rule sets for what it signs: cabf-serverauth, cabf-smime (comma-separated or repeated; rfc5280 always on)",
      collect,
    )
    .option("--parent <ca>", "create an intermediate CA signed by this CA (serial prefix or name)")
    .option(
      "--expires <days>",
      "validity: days (90 or 90d), or hours, minutes or seconds making whole days (2160h); default from settings: 3650; an intermediate never outlives its parent",
    )
    .option("--pathlen <n>", "maximum number of CA levels below this CA (default 0)")
    .option("--no-pathlen", "no path length limit")
    .option("--path-length <n>", "3.x spelling of --pathlen")
    .option("--no-path-length", "3.x spelling of --no-pathlen")
    .option("--ca-crl-url <url>", "CRL URL put into this (intermediate) CA's own certificate; repeatable", collect)
    .option("--ca-ocsp-url <url>", "OCSP URL put into this (intermediate) CA's own certificate; repeatable", collect)
    .option(
      "--ca-issuer-url <url>",
      "URL of the parent's certificate put into this (intermediate) CA's own certificate; repeatable",
      collect,
    )
    .addOption(new Option("--crl-full-name <url>", "3.x spelling of --ca-crl-url").argParser(collect).hideHelp(false))
    .addOption(new Option("--ocsp-responder <url>", "3.x spelling of --ca-ocsp-url").argParser(collect))
    .addOption(new Option("--ca-issuer <url>", "3.x spelling of --ca-issuer-url").argParser(collect))
    .option("--name-constraint <constraint>", "permitted,NAME or excluded,NAME (critical name constraints); repeatable", collect)
    .option("--permit-name <name>", "3.x: a permitted subtree of the name constraints; repeatable", collect)
    .option("--exclude-name <name>", "3.x: an excluded subtree of the name constraints; repeatable", collect)
    .option("--key-usage <usages>", "key usages (comma-separated or repeated), replacing the default keyCertSign,cRLSign", collect)
    .option("--key-usage-non-critical", "mark the key usage extension non-critical")
    .option("--extended-key-usage <usages>", "extended key usages by name or OID (comma-separated or repeated)", collect)
    .option("--extended-key-usage-critical", "mark the extended key usage extension critical")
    .option("--policy-identifier <oid>", "certificate policy OID or anyPolicy; repeatable", collect)
    .option("--certification-practice-statement <url>", "CPS URL for the preceding --policy-identifier", collect)
    .option("--user-notice <text>", "user notice for the preceding --policy-identifier (max. 200 characters)", collect)
    .option("--certificate-policies-critical", "mark the certificate policies extension critical")
    .option("--inhibit-any-policy <n>", "inhibitAnyPolicy skip count (critical)")
    .option("--inhibit-policy-mapping <n>", "policy constraints: inhibitPolicyMapping skip count (critical)")
    .option("--require-explicit-policy <n>", "policy constraints: requireExplicitPolicy skip count (critical)")
    .option("--subject-alternative-name <name>", "subject alternative name of the CA; repeatable", collect)
    .option("--website <url>", "website of the CA (ACME meta)")
    .option("--tos <url>", "terms of service URL (ACME meta)")
    .option("--caa <identity>", "CAA identity (ACME meta)")
    .option(
      "--default-hostname <host>",
      "HOST[:PORT] of tsca serve: default CRL, OCSP and issuer URLs for what this CA signs and, for an intermediate, in its own certificate (default from settings: TSCA_DEFAULT_HOSTNAME)",
    )
    .option("--no-default-hostname", "no default URLs, even when TSCA_DEFAULT_HOSTNAME is set");
  addSignedCertificateOptions(cmd);
  addPasswordOption(cmd, "password", "encrypt the new private key with this password");
  addPasswordOption(cmd, "parent-password", "password of the parent's private key");
  addKeyBackendOptions(cmd);
  addAcmeOptions(cmd, { edit: false });
  groupOptions(cmd, INIT_CA_GROUPS);
  cmd.addHelpText("after", INIT_CA_EXAMPLES);
  cmd.action(async (name: string, subject: string, o: Opts & KeyBackendOpts & AcmeOpts & Record<string, unknown>) => {
    const subjectName = parseName(subject);
    const keyBackend = keyBackendRequest(o, name);
    const keyType = o.keyType !== undefined ? parseKeyType(o.keyType) : undefined;
    const req = {
      name,
      subject: subjectName,
      key: {
        ...(keyType !== undefined ? { keyType } : {}),
        ...(o.keySize !== undefined ? { keySize: positiveInt(o.keySize, "Key size") } : {}),
        ...(o.ellipticCurve !== undefined ? { curve: parseEllipticCurve(o.ellipticCurve) } : {}),
        ...(o.algorithm !== undefined ? { hash: parseHashAlgorithm(o.algorithm) } : {}),
      },
      certificate: {
        pathLength: pathLength(o),
        ...(o.keyUsage ? { keyUsage: parseKeyUsages(splitList(o.keyUsage)!) } : {}),
        keyUsageCritical: !o.keyUsageNonCritical,
        ...(o.extendedKeyUsage ? { extendedKeyUsage: parseExtendedKeyUsages(splitList(o.extendedKeyUsage)!) } : {}),
        extendedKeyUsageCritical: Boolean(o.extendedKeyUsageCritical),
        crlUrls: [
          ...urlNames(o.caCrlUrl, "--ca-crl-url", { ldap: true, templates: true }),
          ...urlNames(o.crlFullName as string[] | undefined, "--crl-full-name", { ldap: true, templates: true }),
        ],
        ocspUrls: [
          ...urlNames(o.caOcspUrl, "--ca-ocsp-url", { templates: true }),
          ...urlNames(o.ocspResponder as string[] | undefined, "--ocsp-responder", { templates: true }),
        ],
        issuerUrls: [
          ...urlNames(o.caIssuerUrl, "--ca-issuer-url", { templates: true }),
          ...urlNames(o.caIssuer as string[] | undefined, "--ca-issuer", { templates: true }),
        ],
        nameConstraints: nameConstraints(o.nameConstraint, o.permitName, o.excludeName),
        policies: policiesFromArgv(io.argv),
        policiesCritical: Boolean(o.certificatePoliciesCritical),
        ...(o.inhibitAnyPolicy !== undefined ? { inhibitAnyPolicy: nonNegativeInt(o.inhibitAnyPolicy, "--inhibit-any-policy") } : {}),
        ...(o.inhibitPolicyMapping !== undefined
          ? { inhibitPolicyMapping: nonNegativeInt(o.inhibitPolicyMapping, "--inhibit-policy-mapping") }
          : {}),
        ...(o.requireExplicitPolicy !== undefined
          ? { requireExplicitPolicy: nonNegativeInt(o.requireExplicitPolicy, "--require-explicit-policy") }
          : {}),
        subjectAltNames: generalNames(o.subjectAlternativeName),
        issuerAltNames: [],
      },
      sign: signedCertificateUrls(o),
      ...(o.website !== undefined ? { website: httpUrl(o.website, "--website") } : {}),
      ...(o.tos !== undefined ? { termsOfService: httpUrl(o.tos, "--tos") } : {}),
      ...(o.caa !== undefined ? { caaIdentity: o.caa } : {}),
      ...(o.lint !== undefined ? { lintRuleSets: parseLintRuleSets(o.lint as string[]) } : {}),
    };
    const acme = acmeSettingsChange(o);
    const givenHostname = typeof o.defaultHostname === "string" ? parseDefaultHostname(o.defaultHostname) : o.defaultHostname;
    const ctx = await context();
    const password = await resolvePassword(o, { flag: "password", question: "Password for the new CA's private key: ", confirm: true }, io);
    const parentPassword = await resolvePassword(o, { flag: "parent-password", question: "Password of the parent CA's private key: " }, io);
    const { ca, publication } = await initCaAndPublish(ctx.caller, ctx, {
      ...req,
      ...keyBackend,
      ...(o.expires !== undefined ? { expiresDays: parseDuration(o.expires, "--expires", { unit: "days" }) } : {}),
      ...(givenHostname !== undefined ? { defaultHostname: givenHostname } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(o.parent !== undefined ? { parent: o.parent } : {}),
      ...(parentPassword !== undefined ? { parentPassword } : {}),
      ...(acme ? { acme } : {}),
    });
    reportNewCa(ca, publication, io);
  });
}
