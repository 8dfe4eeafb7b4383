/** `tsca sign_cert`: sign a CSR (file or stdin) with a CA and a profile; prints the certificate. */
import { Command, Option } from "commander";
import { TscaError } from "../../../core/errors.js";
import { BUILTIN_PROFILE_NAMES } from "../../../core/issuance/profiles.js";
import type { ExtensionOverrides } from "../../../core/issuance/end-entity-extensions.js";
import { parseWatcher } from "../../../core/usecases/cert-watchers.js";
import { signCert } from "../../../core/usecases/sign-cert.js";
import { describeCertificate } from "../../../core/usecases/view-cert.js";
import { parseExtendedKeyUsages } from "../../../core/x509/extensions/extended-key-usage.js";
import { parseKeyUsages } from "../../../core/x509/extensions/key-usage.js";
import { parseTlsFeatures } from "../../../core/x509/extensions/tls-feature.js";
import { derFromPemOrDer } from "../../../core/x509/pem.js";
import { parseName } from "../../../core/x509/name.js";
import type { CliIo, ContextFactory } from "../context.js";
import { readFileOrStdin } from "../input.js";
import { parseDuration } from "../duration.js";
import { groupOptions, withExamples, type OptionGroup } from "../help.js";
import { addPasswordOption, resolvePassword } from "../prompt.js";
import { addCertificateOutputOptions, checkCertificateOutput, writeCertificate } from "../render/cert-output.js";
import { collect, generalNames, policiesFromArgv, splitList, urlNames } from "../values.js";

type Opts = Record<string, unknown> & {
  csr?: string;
  ca?: string;
  subject?: string;
  subjectAlternativeName?: string[];
  profile?: string;
  expires?: string;
  password?: string | boolean;
  outputFormat: string;
  bundle?: boolean;
  out?: string;
  watch?: string[];
};

/** Extension options shared by sign_cert (and documented once in docs/cli.md). */
export function addExtensionOptions(cmd: Command): void {
  cmd
    .option("--key-usage <usages>", "key usages (comma-separated or repeated), replacing the profile's", collect)
    .option("--key-usage-non-critical", "mark key usage non-critical")
    .option("--extended-key-usage <usages>", "extended key usages by name or OID, replacing the profile's", collect)
    .option("--extended-key-usage-critical", "mark extended key usage critical")
    .option("--tls-feature <features>", "TLS features: status_request (OCSP must-staple), status_request_v2", collect)
    .option("--tls-feature-critical", "mark the TLS feature extension critical")
    .option("--ocsp-no-check", "add the OCSP no-check extension (for OCSP responder certificates)")
    .option("--ocsp-no-check-critical", "mark OCSP no-check critical")
    .option("--policy-identifier <oid>", "certificate policy OID; repeatable (anyPolicy is not allowed for end entities)", collect)
    .option("--certification-practice-statement <url>", "CPS URL for the preceding --policy-identifier", collect)
    .option("--user-notice <text>", "user notice for the preceding --policy-identifier", collect)
    .option("--certificate-policies-critical", "mark certificate policies critical")
    .option("--issuer-alternative-name <name>", "issuer alternative name, replacing the CA's; repeatable", collect)
    .option("--crl-full-name <url>", "CRL distribution point, replacing the CA's; repeatable", collect)
    .option("--crl-distribution-points-critical", "mark CRL distribution points critical")
    .option("--ocsp-responder <url>", "OCSP responder URL, replacing the CA's; repeatable", collect)
    .option("--ca-issuer <url>", "CA issuers URL, replacing the CA's; repeatable", collect)
    .option("--subject-alternative-name-critical", "mark the subject alternative name critical");
}

export function extensionOverrides(o: Record<string, unknown>, argv: string[]): ExtensionOverrides {
  const list = (k: string): string[] | undefined => splitList(o[k] as string[] | undefined);
  const policies = policiesFromArgv(argv);
  if (policies.some((p) => p.oid === "2.5.29.32.0"))
    throw new TscaError("ERR_INVALID_ARGUMENT", "anyPolicy is not allowed in end-entity certificates.");
  const out: ExtensionOverrides = {};
  if (list("keyUsage")) out.keyUsage = parseKeyUsages(list("keyUsage")!);
  if (o.keyUsageNonCritical) out.keyUsageCritical = false;
  if (list("extendedKeyUsage")) out.extendedKeyUsage = parseExtendedKeyUsages(list("extendedKeyUsage")!);
  if (o.extendedKeyUsageCritical) out.extendedKeyUsageCritical = true;
  if (list("tlsFeature")) out.tlsFeatures = parseTlsFeatures(list("tlsFeature")!);
  if (o.tlsFeatureCritical) out.tlsFeatureCritical = true;
  if (o.ocspNoCheck) out.ocspNoCheck = true;
  if (o.ocspNoCheckCritical) out.ocspNoCheckCritical = true;
  if (policies.length) out.policies = policies;
  if (o.certificatePoliciesCritical) out.policiesCritical = true;
  if (o.issuerAlternativeName) out.issuerAltNames = generalNames(o.issuerAlternativeName as string[]);
  if (o.crlFullName) out.crlFullNames = urlNames(o.crlFullName as string[], "--crl-full-name", { ldap: true });
  if (o.crlDistributionPointsCritical) out.crlCritical = true;
  if (o.ocspResponder) out.ocspResponders = urlNames(o.ocspResponder as string[], "--ocsp-responder");
  if (o.caIssuer) out.caIssuers = urlNames(o.caIssuer as string[], "--ca-issuer");
  if (o.subjectAlternativeNameCritical) out.sanCritical = true;
  return out;
}

function profileFromFlags(o: Opts): string | undefined {
  const flags = BUILTIN_PROFILE_NAMES.filter((p) => o[p]);
  const chosen = [...flags, ...(o.profile !== undefined ? [o.profile] : [])];
  if (chosen.length > 1) throw new TscaError("ERR_INVALID_ARGUMENT", `Choose one profile, not ${chosen.join(" and ")}.`);
  return chosen[0];
}

/** sign_cert -h: what is signed and by whom, then the extension overrides, then the output. */
const SIGN_CERT_GROUPS: readonly OptionGroup[] = [
  {
    heading: "Request and signing CA:",
    flags: ["csr", "ca", "subject", "subject-alternative-name", "alt", "name", "profile", "expires", "password", "password-file", "watch"],
    match: new RegExp(`^(${BUILTIN_PROFILE_NAMES.join("|")})$`),
  },
  {
    heading: "Extensions (replacing the profile's or the CA's):",
    flags: [],
    match: /critical|usage|feature|no-check|polic|notice|practice|issuer|crl|ocsp/,
  },
  { heading: "Output:", flags: ["output-format", "bundle", "out", "pem", "no-pem", "extensions", "no-extensions"] },
];

export function registerSignCert(program: Command, context: ContextFactory, io: CliIo): void {
  // The three SAN spellings are aliases: keep the names in command-line order (the first may become the CN).
  const sansInOrder: string[] = [];
  const san = (value: string, previous?: string[]): string[] => {
    sansInOrder.push(value);
    return collect(value, previous);
  };
  const cmd = program
    .command("sign_cert")
    .description("Sign a CSR (PEM or DER, from --csr or standard input) with a CA. Prints the certificate (PEM by default).")
    .option("--csr <file>", "the certificate signing request; - or nothing: standard input")
    .option("--ca <ca>", "the signing CA (serial prefix or name); default: the configured default CA, else the usable CA that expires last")
    .option("--subject <subject>", "subject (OpenSSL style or RFC 4514); default: the CSR's subject")
    .option("--subject-alternative-name <name>", "subject alternative name; repeatable; default: the CSR's requested SANs", san)
    .addOption(new Option("--alt <name>", "same as --subject-alternative-name").argParser(san))
    .addOption(new Option("--name <name>", "same as --subject-alternative-name").argParser(san))
    .option("--profile <name>", "certificate profile (built-in: client, server, webserver, enduser, ocsp; more from configuration)");
  for (const p of BUILTIN_PROFILE_NAMES) cmd.option(`--${p}`, `use the ${p} profile`);
  cmd
    .option(
      "--expires <days>",
      "validity: days (90 or 90d), or hours, minutes or seconds making whole days (48h); default from the profile, else the setting defaultExpires: 100",
    )
    .option("--watch <email>", "e-mail address to notify before expiry; repeatable", collect);
  addPasswordOption(cmd, "password", "password of the CA's private key");
  addExtensionOptions(cmd);
  addCertificateOutputOptions(cmd, "pem");
  groupOptions(cmd, SIGN_CERT_GROUPS);
  withExamples(
    cmd,
    ['tsca sign_cert --ca "Example Sub" --csr www.csr --out www.pem', "a server certificate (profile webserver) for the names in the CSR"],
    ["tsca sign_cert --csr www.csr --alt www.example.com --expires 90d", "with the default CA, other names, 90 days"],
    ["openssl req -new -key user.key -subj /CN=alice | \\\ntsca sign_cert --client --password-file ca.pass", "a CSR from standard input"],
  );
  cmd.action(async (o: Opts) => {
    const sans = sansInOrder;
    const request = {
      subject: o.subject !== undefined ? parseName(o.subject) : undefined,
      sans: generalNames(sans),
      profile: profileFromFlags(o),
      expiresDays: o.expires !== undefined ? parseDuration(o.expires, "--expires", { unit: "days" }) : undefined,
      overrides: extensionOverrides(o, io.argv),
      watchers: (o.watch ?? []).map(parseWatcher),
    };
    const password = await resolvePassword(o, { flag: "password", question: "Password of the CA's private key: " }, io);
    const csr = derFromPemOrDer(await readFileOrStdin(o.csr, "CSR", io), "CERTIFICATE REQUEST", o.csr ?? "standard input");
    // Before anything is issued: a certificate stored but never delivered would be issued twice on a retry.
    await checkCertificateOutput(o);
    const ctx = await context();
    const { certificate } = await signCert(ctx.caller, ctx, {
      csr,
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(request.subject ? { subject: request.subject } : {}),
      sans: request.sans,
      ...(request.profile !== undefined ? { profile: request.profile } : {}),
      ...(request.expiresDays !== undefined ? { expiresDays: request.expiresDays } : {}),
      overrides: request.overrides,
      watchers: request.watchers,
    });
    const now = ctx.clock.now();
    await writeCertificate(await describeCertificate(ctx.cas, certificate, now), o, now, io);
  });
}
