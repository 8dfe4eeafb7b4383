/**
 * How a validation step says why a challenge failed: it throws a ChallengeFailure with the RFC 8555 §6.7
 * error type and one sentence, and the validator turns it into the problem stored on the challenge
 * (§7.1.5 "error"). Anything else thrown is a bug of ours, left to the caller (which records
 * serverInternal), so that a broken validator never looks like a client's mistake.
 */
import { AcmeProblem, type AcmeErrorType } from "../../core/acme/problem.js";
import type { ValidationResult } from "../../core/ports/acme-validator.js";

export class ChallengeFailure extends Error {
  constructor(
    readonly acmeType: AcmeErrorType,
    detail: string,
  ) {
    super(detail);
    this.name = "ChallengeFailure";
  }
}

export const isChallengeFailure = (e: unknown): e is ChallengeFailure => e instanceof ChallengeFailure;

export const failedResult = (f: ChallengeFailure): ValidationResult => ({
  ok: false,
  problem: new AcmeProblem(f.acmeType, f.message).toJSON(),
});

/**
 * A short, printable excerpt of what a client's server sent, for a detail sentence: the client could see
 * it itself, and 40 characters are enough to recognise a wrong file without echoing a whole page.
 */
export function excerpt(text: string, max = 40): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
