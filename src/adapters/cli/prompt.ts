/**
 * Passwords. Every password option `--X [password]` has a twin `--X-file <file>` for unattended use (the
 * file's first line is the password, so it stays out of the process list and the shell history). A bare
 * `--X` asks: on a terminal without echo, otherwise it reads the next line of standard input (for scripts).
 * The password of a key about to be created is asked twice on a terminal, since a typo there would lock
 * the key for good. An empty password is refused wherever it comes from: it would encrypt a key with
 * nothing. Passwords are never echoed or logged.
 */
import { Option, type Command } from "commander";
import { TscaError } from "../../core/errors.js";
import type { CliIo } from "./context.js";
import { readPasswordFile } from "./input.js";

type Stdin = CliIo["stdin"] & { setRawMode?: (raw: boolean) => unknown; readableEnded?: boolean };

/** What is left of standard input after a line was taken from it (two bare password flags in a pipe). */
const leftovers = new WeakMap<object, string>();

/** The next chunk of input, or null at its end; the stream is paused again so nothing is lost in between. */
function nextChunk(stdin: Stdin): Promise<string | null> {
  if (stdin.readableEnded) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const done = (): void => {
      stdin.removeListener("data", onData);
      stdin.removeListener("end", onEnd);
      stdin.removeListener("error", onError);
      stdin.pause();
    };
    const onData = (chunk: Buffer | string): void => {
      done();
      resolve(String(chunk));
    };
    const onEnd = (): void => {
      done();
      resolve(null);
    };
    const onError = (e: Error): void => {
      done();
      reject(new TscaError("ERR_IO", "Cannot read the password from standard input.", { cause: e }));
    };
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.on("error", onError);
    stdin.resume();
  });
}

/**
 * One line of input. On a terminal, raw mode keeps it from being echoed: Enter ends the line, Backspace
 * deletes, Ctrl-C aborts, Ctrl-D at the start ends the input.
 */
async function readLine(io: CliIo, hidden: boolean, question = ""): Promise<string> {
  const stdin = io.stdin as Stdin;
  let pending = leftovers.get(stdin) ?? "";
  let line = "";
  // Echo is off before the question appears, so nothing typed after it can be shown.
  if (hidden) stdin.setRawMode?.(true);
  io.stderr.write(question);
  try {
    for (;;) {
      for (let i = 0; i < pending.length; i++) {
        const ch = pending[i]!;
        if (ch === "\n" || ch === "\r") {
          // A CR LF pair (a pasted Windows line) ends one line, not two.
          const rest = pending.slice(i + (ch === "\r" && pending[i + 1] === "\n" ? 2 : 1));
          leftovers.set(stdin, rest);
          return line;
        }
        if (hidden && ch === "\u0003") throw new TscaError("ERR_INVALID_ARGUMENT", "Interrupted: no password was given.");
        if (hidden && ch === "\u0004" && line === "") {
          leftovers.set(stdin, "");
          return line;
        }
        if (hidden && (ch === "\u007f" || ch === "\b")) line = line.slice(0, -1);
        else line += ch;
      }
      const chunk = await nextChunk(stdin);
      if (chunk === null) {
        leftovers.set(stdin, "");
        return line;
      }
      pending = chunk;
    }
  } finally {
    if (hidden) {
      stdin.setRawMode?.(false);
      io.stderr.write("\n");
    }
  }
}

const ask = (question: string, io: CliIo): Promise<string> => readLine(io, true, question);

/** A secret typed on the terminal without echo; undefined when standard input is not a terminal (never read from a pipe). */
export const askOnTerminal = (question: string, io: CliIo): Promise<string> | undefined => (io.stdin.isTTY ? ask(question, io) : undefined);

// An empty password would encrypt a new key with nothing; for an existing key it is a mistake too.
const EMPTY = "an empty password is refused";
const ATTEMPTS = 3;

async function typed(question: string, io: CliIo, confirm: boolean): Promise<string> {
  if (!io.stdin.isTTY) return readLine(io, false);
  if (!confirm) return ask(question, io);
  for (let attempt = 1; ; attempt++) {
    const first = await ask(question, io);
    if (first === "") return first;
    if ((await ask("Repeat the password: ", io)) === first) return first;
    if (attempt === ATTEMPTS) throw new TscaError("ERR_INVALID_ARGUMENT", `The passwords typed did not match (${ATTEMPTS} attempts).`);
    io.stderr.write("The passwords do not match; try again.\n");
  }
}

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** `--<flag> [password]`; `what` says whose password it is. */
export const passwordOption = (flag: string, what: string): Option =>
  new Option(`--${flag} [password]`, `${what} (asked for when given without a value)`);

/** The twin of `--<flag>`: `--<flag>-file <file>`. */
export const passwordFileOption = (flag: string): Option =>
  new Option(`--${flag}-file <file>`, `the same, read from the first line of <file> (for scripts; not with --${flag})`);

/** Declare `--<flag> [password]` and its twin `--<flag>-file <file>`. */
export function addPasswordOption(cmd: Command, flag: string, what: string): Command {
  return cmd.addOption(passwordOption(flag, what)).addOption(passwordFileOption(flag));
}

export interface PasswordRequest {
  /** The option's name without dashes, e.g. "password", "parent-password". */
  flag: string;
  /** What a terminal prompt says. */
  question: string;
  /** A new key's password: asked twice on a terminal. */
  confirm?: boolean;
}

/**
 * A new password for a user account (create_user, set_password): the first line of `file`, else asked
 * twice on a terminal, else the first line of standard input. An empty one is returned as it is: the
 * password policy refuses it with the rule it breaks.
 */
export function newAccountPassword(file: string | undefined, question: string, io: CliIo): Promise<string> {
  return file !== undefined ? Promise.resolve(readPasswordFile(file)) : typed(question, io, true);
}

/** True when the option or its file twin was given (for "only when exactly one CA is named" checks). */
export const passwordGiven = (o: object, flag: string): boolean =>
  (o as Record<string, unknown>)[camel(flag)] !== undefined || (o as Record<string, unknown>)[camel(`${flag}-file`)] !== undefined;

/**
 * The password from `--<flag> VALUE`, `--<flag>-file FILE` or, for a bare `--<flag>`, the terminal or
 * standard input; undefined when neither option was given.
 */
export async function resolvePassword(options: object, req: PasswordRequest, io: CliIo): Promise<string | undefined> {
  const o = options as Record<string, unknown>;
  const value = o[camel(req.flag)] as string | boolean | undefined;
  const file = o[camel(`${req.flag}-file`)] as string | undefined;
  if (value !== undefined && value !== false && file !== undefined)
    throw new TscaError("ERR_INVALID_ARGUMENT", `Give either --${req.flag} or --${req.flag}-file, not both.`);
  let password: string;
  if (file !== undefined) {
    password = readPasswordFile(file);
    if (password === "")
      throw new TscaError("ERR_INVALID_ARGUMENT", `${file}: The first line of the password file is empty, and ${EMPTY}.`);
    return password;
  }
  if (value === undefined || value === false) return undefined;
  if (typeof value === "string") password = value;
  else password = await typed(req.question, io, Boolean(req.confirm));
  if (password === "") throw new TscaError("ERR_INVALID_ARGUMENT", `--${req.flag}: No password was given (${EMPTY}).`);
  return password;
}
