/**
 * The CLI's one table from error kind to exit status (DESIGN.md, Errors; docs/errors.md, Kinds): 2 for a
 * usage error (the command line or a value on it is wrong, so running it again unchanged fails again),
 * 1 for every other error, 0 for success. Scripts rely on these numbers, so they only ever grow.
 */
import type { ErrorKind } from "../../core/errors.js";

export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Exit status per kind; a Record, so a new kind does not compile until it has a row here. */
export const EXIT_CODES: Readonly<Record<ErrorKind, ExitCode>> = {
  usage: EXIT.usage,
  invalid: EXIT.error,
  unauthenticated: EXIT.error,
  forbidden: EXIT.error,
  "not-found": EXIT.error,
  conflict: EXIT.error,
  "too-large": EXIT.error,
  "unsupported-media-type": EXIT.error,
  "rate-limited": EXIT.error,
  unavailable: EXIT.error,
  internal: EXIT.error,
};

export function exitCodeOf(kind: ErrorKind): ExitCode {
  return EXIT_CODES[kind];
}
