/**
 * Revocation reasons (RFC 5280 §5.3.1 CRLReason). Command-line names use underscores (`key_compromise`);
 * the RFC's camelCase names (`keyCompromise`) are accepted too. Value 7 is unused and `removeFromCRL` (8)
 * only appears in delta CRLs, so it cannot be chosen when revoking.
 */
import { TscaError } from "../errors.js";

export const REASONS = {
  unspecified: 0,
  key_compromise: 1,
  ca_compromise: 2,
  affiliation_changed: 3,
  superseded: 4,
  cessation_of_operation: 5,
  certificate_hold: 6,
  privilege_withdrawn: 9,
  aa_compromise: 10,
} as const;

export type RevocationReason = keyof typeof REASONS;

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export function parseReason(input: string): RevocationReason {
  const v = input.trim();
  for (const name of Object.keys(REASONS) as RevocationReason[])
    if (v === name || v === camel(name) || v.toLowerCase() === name.replace(/_/g, "") || v.toLowerCase() === name) return name;
  if (/^(cacompromise|aacompromise)$/i.test(v)) return v.toLowerCase().startsWith("ca") ? "ca_compromise" : "aa_compromise";
  throw new TscaError("ERR_INVALID_ARGUMENT", `${input}: Unknown revocation reason (one of ${Object.keys(REASONS).join(", ")}).`);
}

export const reasonCode = (r: RevocationReason): number => REASONS[r];

export function reasonFromCode(code: number): RevocationReason | undefined {
  return (Object.keys(REASONS) as RevocationReason[]).find((k) => REASONS[k] === code);
}

/** RFC 5280 spelling, for display and OCSP/CRL text. */
export const reasonRfcName = (r: RevocationReason): string =>
  camel(r)
    .replace(/^caCompromise$/, "cACompromise")
    .replace(/^aaCompromise$/, "aACompromise");
