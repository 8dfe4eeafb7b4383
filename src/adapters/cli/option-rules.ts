/**
 * Conflicting options are refused instead of "the last one wins": commander keeps only the last value of
 * an option given twice (`--expires 1 --expires 2`, `--parent a --parent b`), and stores an option and
 * its negation in one attribute (`--pathlen 1 --no-pathlen`), so without this either would silently
 * decide what the command does.
 */
import type { Command, Option } from "commander";
import { TscaError } from "../../core/errors.js";

/**
 * An option that takes a value and has no argParser takes one value; an option with an argParser
 * collects its values (values.ts `collect`) and may be repeated. Flags without a value may repeat too.
 */
const singleValued = (opt: Option): boolean => (opt.required || opt.optional) && !opt.variadic && opt.parseArg === undefined;

/** Install the refusals on every option of `cmd`; call once per command after its options are added. */
export function refuseConflictingOptions(cmd: Command): void {
  const seen = new Map<string, Option>();
  for (const opt of cmd.options) {
    cmd.on(`option:${opt.name()}`, () => {
      const first = seen.get(opt.attributeName());
      if (first === opt && singleValued(opt))
        throw new TscaError("ERR_INVALID_ARGUMENT", `${opt.long ?? opt.flags} was given more than once; give it once.`);
      if (first !== undefined && first !== opt && (first.negate || opt.negate))
        throw new TscaError("ERR_INVALID_ARGUMENT", `Give either ${first.long ?? first.flags} or ${opt.long ?? opt.flags}, not both.`);
      seen.set(opt.attributeName(), opt);
    });
  }
}
