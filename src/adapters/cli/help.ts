/**
 * Help texts beyond commander's option list: the examples every `-h` ends with, option groups for the long
 * option lists, and the width help wraps to.
 */
import type { Command, Option } from "commander";

/**
 * `Examples:` followed by one `tsca …` line per example, each after its `# comment` when it has one. A long
 * command is written with " \\\n" breaks, as in a shell; its continuation lines are indented.
 */
export function examples(...items: [command: string, comment?: string][]): string {
  const lines = items.flatMap(([command, comment]) => [
    ...(comment ? [`  # ${comment}`] : []),
    `  ${command.split("\n").join("\n      ")}`,
  ]);
  return `\nExamples:\n${lines.join("\n")}\n`;
}

/** Add examples to a command's help (after the options). */
export function withExamples(cmd: Command, ...items: [command: string, comment?: string][]): Command {
  return cmd.addHelpText("after", examples(...items));
}

export interface OptionGroup {
  heading: string;
  /** Long option names without dashes, e.g. "key-type", "no-pathlen". */
  flags: readonly string[];
  /** Options added later (by name) that belong here too. */
  match?: RegExp;
}

/**
 * Put a command's options into help groups, in the order of `groups`. Options are assigned after they are
 * declared, so the declarations can stay in any order; an option no group names or matches stays under
 * "Options:" with -h.
 */
export function groupOptions(cmd: Command, groups: readonly OptionGroup[]): void {
  for (const option of cmd.options) {
    const name = (option.long ?? "").replace(/^--/, "");
    const group = groups.find((g) => g.flags.includes(name)) ?? groups.find((g) => g.match?.test(name));
    if (group) option.helpGroup(group.heading);
  }
  // commander lists groups in the order their first option was declared: declare that order explicitly.
  const order = new Map(groups.map((g, i) => [g.heading, i]));
  const rank = (heading: string | undefined): number => order.get(heading ?? "") ?? groups.length;
  (cmd.options as Option[]).sort((a, b) => rank(a.helpGroupHeading) - rank(b.helpGroupHeading));
}

/**
 * Columns help wraps to: the terminal's width, else $COLUMNS (set by shells, and by users who pipe help
 * into a pager), else 80.
 */
export function helpWidth(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): number {
  const tty = stream as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  if (tty.isTTY && tty.columns) return tty.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : 80;
}
