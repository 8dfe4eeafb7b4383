/** `tsca init_ca NAME SUBJECT`: parse, call initCa, print the new serial. */
import { Command, Option } from "commander";
import { TscaError } from "../../../core/errors.js";
import { formatSerial } from "../../../core/issuance/serial.js";
import { initCa } from "../../../core/usecases/init-ca.js";
import { parseEllipticCurve, parseHashAlgorithm, parseKeyType } from "../../../core/x509/algorithms.js";
import { parseExtendedKeyUsages } from "../../../core/x509/extensions/extended-key-usage.js";
import { parseKeyUsages } from "../../../core/x509/extensions/key-usage.js";
import { parseName } from "../../../core/x509/name.js";
import { parseDefaultHostname } from "../../../core/ca/default-urls.js";
import type { CliIo, ContextFactory } from "../context.js";
import { resolvePassword } from "../prompt.js";
import { collect, generalNames, nameConstraints, nonNegativeInt, policiesFromArgv, positiveInt, splitList, urlNames } from "../values.js";
import { addSignedCertificateOptions, signedCertificateUrls } from "./signed-certificate-options.js";

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

export function registerInitCa(program: Command, context: ContextFactory, io: CliIo): void {
  const cmd = program
    .command("init_ca")
    .description("Create a new root CA, or an intermediate CA with --parent. Prints the new CA's serial.")
    .argument("<name>", "unique, human-readable name of the CA")
    .argument(
      "<subject>",
      'subject, OpenSSL style ("/C=AT/O=Example/CN=ca.example.com") or RFC 4514 ("C=AT,O=Example,CN=ca.example.com"); must contain CN',
    )
    .option("--key-type <type>", "key type: RSA, EC, Ed25519 or Ed448 (default from settings: RSA)")
    .option("--key-size <bits>", "RSA key size, a power of two, at least 2048 (default from settings: 4096)")
    .option("--elliptic-curve <curve>", "EC curve: secp256r1, secp384r1 or secp521r1 (default from settings: secp256r1)")
    .option("--algorithm <hash>", "signature hash: SHA-256, SHA-384 or SHA-512 (default SHA-512); not for Ed25519/Ed448")
    .option("--password [password]", "encrypt the private key with this password (asked for when given without a value)")
    .option("--parent <ca>", "create an intermediate CA signed by this CA (serial prefix or name)")
    .option("--parent-password [password]", "password of the parent's private key (asked for when given without a value)")
    .option("--expires <days>", "validity in days (default from settings: 3650); an intermediate never outlives its parent")
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
    .addOption(new Option("--crl-full-name <name>", "3.x spelling of --ca-crl-url").argParser(collect).hideHelp(false))
    .addOption(new Option("--ocsp-responder <name>", "3.x spelling of --ca-ocsp-url").argParser(collect))
    .addOption(new Option("--ca-issuer <name>", "3.x spelling of --ca-issuer-url").argParser(collect))
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
  cmd.action(async (name: string, subject: string, o: Opts & Record<string, unknown>) => {
    const subjectName = parseName(subject);
    const keyType = o.keyType !== undefined ? parseKeyType(o.keyType) : undefined;
    const req = {
      name,
      subject: subjectName,
      key: {
        keyType: keyType ?? (await context()).settings.defaultKeyType,
        ...(o.keySize !== undefined ? { keySize: positiveInt(o.keySize, "Key size") } : {}),
        ...(o.ellipticCurve !== undefined ? { curve: parseEllipticCurve(o.ellipticCurve) } : {}),
        ...(o.algorithm !== undefined ? { hash: parseHashAlgorithm(o.algorithm) } : {}),
      },
      expiresDays: 0,
      certificate: {
        pathLength: pathLength(o),
        ...(o.keyUsage ? { keyUsage: parseKeyUsages(splitList(o.keyUsage)!) } : {}),
        keyUsageCritical: !o.keyUsageNonCritical,
        ...(o.extendedKeyUsage ? { extendedKeyUsage: parseExtendedKeyUsages(splitList(o.extendedKeyUsage)!) } : {}),
        extendedKeyUsageCritical: Boolean(o.extendedKeyUsageCritical),
        crlUrls: urlNames([...(o.caCrlUrl ?? []), ...((o.crlFullName as string[] | undefined) ?? [])]),
        ocspUrls: urlNames([...(o.caOcspUrl ?? []), ...((o.ocspResponder as string[] | undefined) ?? [])]),
        issuerUrls: urlNames([...(o.caIssuerUrl ?? []), ...((o.caIssuer as string[] | undefined) ?? [])]),
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
      ...(o.website !== undefined ? { website: o.website } : {}),
      ...(o.tos !== undefined ? { termsOfService: o.tos } : {}),
      ...(o.caa !== undefined ? { caaIdentity: o.caa } : {}),
    };
    const givenHostname = typeof o.defaultHostname === "string" ? parseDefaultHostname(o.defaultHostname) : o.defaultHostname;
    const ctx = await context();
    const s = ctx.settings;
    const password = await resolvePassword(o.password, "Password for the new CA's private key: ", io);
    const parentPassword = await resolvePassword(o.parentPassword, "Password of the parent CA's private key: ", io);
    const defaultHostname = givenHostname === false ? undefined : (givenHostname ?? s.defaultHostname);
    const ca = await initCa(ctx, {
      ...req,
      expiresDays: o.expires !== undefined ? positiveInt(o.expires, "--expires") : s.defaultCaExpires,
      keyDefaults: { keySize: s.defaultKeySize, minKeySize: s.minKeySize, curve: s.defaultEllipticCurve, hash: s.defaultSignatureHash },
      ...(defaultHostname !== undefined ? { defaultHostname } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(o.parent !== undefined ? { parent: o.parent } : {}),
      ...(parentPassword !== undefined ? { parentPassword } : {}),
    });
    io.stdout.write(formatSerial(ca.serial) + "\n");
  });
}
