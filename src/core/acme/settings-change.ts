/**
 * A change of a CA's ACME settings (init_ca/edit_ca --acme-*), checked before anything is stored: a
 * profile that does not exist would fail every finalize, and a pattern that cannot match anything would
 * silently let through (or refuse) what the operator meant otherwise, so both are refused up front with
 * the same errors other options give (ERR_PROFILE; ERR_INVALID_ARGUMENT from parsePolicyPattern).
 */
import type { Profiles } from "../issuance/profiles.js";
import { parsePolicyPattern } from "./policy-pattern.js";
import { ACME_DISABLED, type CaAcmeSettings } from "./model.js";

export interface AcmeSettingsChange {
  enabled?: boolean;
  /** null: back to the CA's default profile, then the installation's. */
  profile?: string | null;
  requiresContact?: boolean;
  eabRequired?: boolean;
  /** Empty the allow (deny) list first; the patterns of `allow` (`deny`) are then added. */
  clearAllow?: boolean;
  allow?: string[];
  clearDeny?: boolean;
  deny?: string[];
}

/** The settings after the change, and which of them it changed (`acme.enabled`, … for the audit event). */
export function applyAcmeSettingsChange(
  current: CaAcmeSettings | undefined,
  change: AcmeSettingsChange,
  profiles: Pick<Profiles, "get">,
): { settings: CaAcmeSettings; changed: string[] } {
  const before = current ?? ACME_DISABLED;
  if (change.profile !== undefined && change.profile !== null) profiles.get(change.profile);
  const list = (stored: string[], clear: boolean | undefined, add: string[] | undefined): string[] => {
    const out = clear ? [] : [...stored];
    // Normalised (lower case, canonical address) so that a pattern given twice in two spellings is kept once.
    for (const p of (add ?? []).map(parsePolicyPattern)) if (!out.includes(p)) out.push(p);
    return out;
  };
  const settings: CaAcmeSettings = {
    enabled: change.enabled ?? before.enabled,
    profile: change.profile !== undefined ? change.profile : before.profile,
    requiresContact: change.requiresContact ?? before.requiresContact,
    eabRequired: change.eabRequired ?? before.eabRequired,
    allowIdentifiers: list(before.allowIdentifiers, change.clearAllow, change.allow),
    denyIdentifiers: list(before.denyIdentifiers, change.clearDeny, change.deny),
  };
  const changed = (Object.keys(settings) as (keyof CaAcmeSettings)[])
    .filter((k) => JSON.stringify(settings[k]) !== JSON.stringify(before[k]))
    .map((k) => `acme.${k}`);
  return { settings, changed };
}
