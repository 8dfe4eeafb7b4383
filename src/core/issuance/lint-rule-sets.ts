/**
 * Lint rule sets: `rfc5280` is always on; `cabf-serverauth` (CA/Browser Forum Baseline Requirements for
 * TLS server certificates) and `cabf-smime` (the S/MIME Baseline Requirements) are chosen per CA
 * (`init_ca --lint`, `edit_ca --lint`) and per profile (`"lint": [...]` in a profile's configuration).
 * A certificate is linted with the union of what its CA and its profile select.
 */
import { TscaError } from "../errors.js";

export type LintRuleSetName = "rfc5280" | "cabf-serverauth" | "cabf-smime";

export const LINT_RULE_SETS: readonly LintRuleSetName[] = ["rfc5280", "cabf-serverauth", "cabf-smime"];

/** The rule sets beyond RFC 5280, the form that is stored and configured (rfc5280 is implied). */
export type ExtraRuleSet = Exclude<LintRuleSetName, "rfc5280">;

/**
 * Parse `--lint` values: each may be a comma-separated list. `rfc5280` alone (or with others) adds nothing,
 * so `edit_ca --lint rfc5280` resets a CA to RFC 5280 only. Unknown names are a usage error.
 */
export function parseLintRuleSets(values: readonly string[], what = "--lint"): ExtraRuleSet[] {
  const out = new Set<ExtraRuleSet>();
  for (const v of values)
    for (const raw of v.split(",")) {
      const name = raw.trim().toLowerCase();
      if (name === "") continue;
      if (!(LINT_RULE_SETS as readonly string[]).includes(name))
        throw new TscaError("ERR_INVALID_ARGUMENT", `${raw.trim()}: Unknown ${what} rule set (one of ${LINT_RULE_SETS.join(", ")}).`);
      if (name !== "rfc5280") out.add(name as ExtraRuleSet);
    }
  return LINT_RULE_SETS.filter((s): s is ExtraRuleSet => out.has(s as ExtraRuleSet));
}

/** The union of several selections, in canonical order. */
export function mergeRuleSets(...lists: (readonly ExtraRuleSet[] | undefined)[]): ExtraRuleSet[] {
  const all = new Set(lists.flatMap((l) => l ?? []));
  return LINT_RULE_SETS.filter((s): s is ExtraRuleSet => all.has(s as ExtraRuleSet));
}

/** Display form: always starts with rfc5280. */
export const formatRuleSets = (sets: readonly ExtraRuleSet[] | undefined): string => ["rfc5280", ...(sets ?? [])].join(", ");
