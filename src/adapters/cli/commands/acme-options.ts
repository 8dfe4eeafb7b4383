/**
 * The --acme-* options of init_ca and edit_ca: whether the CA answers ACME (/acme/{serial-hex}/directory),
 * with which profile, whether accounts need a contact or an External Account Binding (RFC 8555 §7.3,
 * §7.3.4), and which identifiers newOrder accepts (docs/acme.md). Patterns are checked by the use case.
 */
import type { Command } from "commander";
import type { AcmeSettingsChange } from "../../../core/acme/settings-change.js";
import { TscaError } from "../../../core/errors.js";
import { collect } from "../values.js";

export interface AcmeOpts {
  acmeEnable?: boolean;
  acmeDisable?: boolean;
  acmeProfile?: string;
  acmeClearProfile?: boolean;
  acmeRequiresContact?: boolean;
  acmeContactOptional?: boolean;
  acmeEabRequired?: boolean;
  acmeEabOptional?: boolean;
  acmeAllow?: string[];
  acmeDeny?: string[];
  acmeClearAllow?: boolean;
  acmeClearDeny?: boolean;
}

/** The option names, for init_ca's help groups. */
export const ACME_FLAGS = [
  "acme-enable",
  "acme-disable",
  "acme-profile",
  "acme-clear-profile",
  "acme-requires-contact",
  "acme-contact-optional",
  "acme-eab-required",
  "acme-eab-optional",
  "acme-allow",
  "acme-deny",
  "acme-clear-allow",
  "acme-clear-deny",
] as const;

/** `edit`: the options that undo a setting (clear the profile, the allow or deny list) exist too. */
export function addAcmeOptions(cmd: Command, { edit }: { edit: boolean }): void {
  cmd
    .option("--acme-enable", "answer ACME at /acme/<serial hex>/directory (tsca serve)")
    .option("--acme-disable", "do not answer ACME (existing accounts and orders are kept)")
    .option("--acme-profile <profile>", "profile for certificates issued through ACME (default: the CA's default profile)");
  if (edit) cmd.option("--acme-clear-profile", "ACME certificates get the CA's default profile again");
  cmd
    .option("--acme-requires-contact", "new ACME accounts must give a contact (mailto:)")
    .option("--acme-contact-optional", "new ACME accounts may omit the contact (default)")
    .option("--acme-eab-required", "new ACME accounts need an External Account Binding key (tsca create_eab_key)")
    .option("--acme-eab-optional", "new ACME accounts need no External Account Binding (default)")
    .option(
      "--acme-allow <pattern>",
      "identifiers ACME orders may name: a name, *.zone or .zone (anything below zone), an IP address or CIDR; repeatable, added to the list (empty list: all)",
      collect,
    )
    .option(
      "--acme-deny <pattern>",
      "identifiers ACME orders may not name (wins over --acme-allow); same forms; repeatable, added",
      collect,
    );
  if (edit)
    cmd
      .option("--acme-clear-allow", "empty the allow list first (with --acme-allow: replace it)")
      .option("--acme-clear-deny", "empty the deny list first (with --acme-deny: replace it)");
}

function either(a: boolean | undefined, b: boolean | undefined, yes: string, no: string): boolean | undefined {
  if (a && b) throw new TscaError("ERR_INVALID_ARGUMENT", `Give either --${yes} or --${no}, not both.`);
  return a ? true : b ? false : undefined;
}

/** The change the options ask for; undefined when no --acme-* option was given. */
export function acmeSettingsChange(o: AcmeOpts): AcmeSettingsChange | undefined {
  if (o.acmeProfile !== undefined && o.acmeClearProfile)
    throw new TscaError("ERR_INVALID_ARGUMENT", "Give either --acme-profile or --acme-clear-profile, not both.");
  const change: AcmeSettingsChange = {};
  const enabled = either(o.acmeEnable, o.acmeDisable, "acme-enable", "acme-disable");
  const requiresContact = either(o.acmeRequiresContact, o.acmeContactOptional, "acme-requires-contact", "acme-contact-optional");
  const eabRequired = either(o.acmeEabRequired, o.acmeEabOptional, "acme-eab-required", "acme-eab-optional");
  if (enabled !== undefined) change.enabled = enabled;
  if (requiresContact !== undefined) change.requiresContact = requiresContact;
  if (eabRequired !== undefined) change.eabRequired = eabRequired;
  if (o.acmeProfile !== undefined) change.profile = o.acmeProfile;
  if (o.acmeClearProfile) change.profile = null;
  if (o.acmeClearAllow) change.clearAllow = true;
  if (o.acmeAllow) change.allow = o.acmeAllow;
  if (o.acmeClearDeny) change.clearDeny = true;
  if (o.acmeDeny) change.deny = o.acmeDeny;
  return Object.keys(change).length ? change : undefined;
}
