/** What a call into tsca's core came to, for table-style unit tests: "ok", or the TscaError it threw. */
import { isTscaError, type TscaError } from "../../src/core/errors.js";

/** The TscaError `fn` throws, or undefined when it returns; any other error is rethrown. */
export function tscaErrorOf(fn: () => unknown): TscaError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!isTscaError(e)) throw e;
    return e;
  }
}

/** "CODE: message" of the TscaError `fn` throws, or "ok". */
export function outcome(fn: () => unknown): string {
  const e = tscaErrorOf(fn);
  return e ? `${e.code}: ${e.message}` : "ok";
}
