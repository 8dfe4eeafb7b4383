/**
 * Durations on the command line: `90d`, `24h`, `30m`, `3600s`, or a bare number in the option's own unit
 * (days for validity periods, seconds for CRL and OCSP times, as django-ca has them). The value is converted
 * to the option's unit and must be a whole number of it: `30m` is refused for an option counted in days
 * rather than rounded, because a validity that silently differs from what was asked is a wrong certificate.
 */
import { TscaError } from "../../core/errors.js";

export type DurationUnit = "days" | "seconds";

const SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };
const UNIT_SECONDS: Record<DurationUnit, number> = { days: 86_400, seconds: 1 };

/**
 * A bare number for an option counted in seconds is accepted only from one hour up. Below that, the same
 * number read as days is a plausible validity (`dump_crl --expires 7`: a week, or seven seconds?), and a CRL
 * or response that lives under an hour is rare enough that asking for `300s` or `5m` costs little; a bare
 * 86400 (django-ca's spelling) stays valid. Nothing is guessed: the ambiguous case is a usage error.
 */
export const BARE_SECONDS_MINIMUM = 3_600;

export interface DurationOptions {
  /** The unit the option counts in, and of a bare number. */
  unit: DurationUnit;
  /** Accept 0 (a filter such as `--expires-within 0`); validity periods must be positive. */
  allowZero?: boolean;
  /** For seconds: refuse a bare number below BARE_SECONDS_MINIMUM (see there). Default true. */
  bareMinimum?: boolean;
}

/** Parse `value` for `option` (named in messages); returns a whole number of `opts.unit`. */
export function parseDuration(value: string, option: string, opts: DurationOptions): number {
  const v = value.trim();
  const m = /^(\d+)\s*([dhms]?)$/i.exec(v);
  const kind = opts.allowZero ? "non-negative" : "positive";
  if (!m || !Number.isSafeInteger(Number(m[1])))
    throw new TscaError(
      "ERR_INVALID_ARGUMENT",
      `${value}: ${option} must be a ${kind} integer, in ${opts.unit} or with a unit: d, h, m or s (e.g. 90d, 24h, 30m, 3600s).`,
    );
  const n = Number(m[1]);
  const suffix = m[2]!.toLowerCase();
  if (n === 0 && !opts.allowZero) throw new TscaError("ERR_INVALID_ARGUMENT", `${value}: ${option} must be a positive integer.`);
  if (suffix === "") {
    if (opts.unit === "seconds" && (opts.bareMinimum ?? true) && n > 0 && n < BARE_SECONDS_MINIMUM)
      throw new TscaError(
        "ERR_INVALID_ARGUMENT",
        `${value}: A bare number for ${option} is seconds and must be at least ${BARE_SECONDS_MINIMUM}; write ${n}d, ${n}h, ${n}m or ${n}s to say which is meant.`,
      );
    return n;
  }
  const seconds = n * SECONDS[suffix]!;
  const per = UNIT_SECONDS[opts.unit];
  if (!Number.isSafeInteger(seconds) || seconds % per !== 0)
    throw new TscaError(
      "ERR_INVALID_ARGUMENT",
      `${value}: ${option} counts whole ${opts.unit}, and ${value} is not a whole number of ${opts.unit} (write e.g. 90d or 48h).`,
    );
  return seconds / per;
}
