/**
 * Passwords given as a bare flag (`--password`) are asked for: on a terminal without echo, otherwise
 * read as the first line of standard input (for scripts). They are never echoed or logged.
 */
import { createInterface } from "node:readline";
import { TscaError } from "../../core/errors.js";
import type { CliIo } from "./context.js";

async function readLine(io: CliIo): Promise<string> {
  const rl = createInterface({ input: io.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return "";
}

async function readHidden(question: string, io: CliIo): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  io.stderr.write(question);
  stdin.setRawMode?.(true);
  stdin.resume();
  let value = "";
  try {
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === "\r" || ch === "\n") return value;
        if (ch === "\u0003") throw new Error("interrupted");
        if (ch === "\u007f") value = value.slice(0, -1);
        else value += ch;
      }
    }
    return value;
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
    io.stderr.write("\n");
  }
}

/** Resolve an option declared `--password [PASSWORD]`: string as given, `true` means ask. */
export async function resolvePassword(value: string | boolean | undefined, question: string, io: CliIo): Promise<string | undefined> {
  if (value === undefined || value === false) return undefined;
  if (typeof value === "string") return value;
  const password = io.stdin.isTTY ? await readHidden(question, io) : await readLine(io);
  // An empty password would encrypt a key with nothing: refuse it rather than pretend to protect the key.
  if (password === "") throw new TscaError("ERR_INVALID_ARGUMENT", "The password must not be empty (no password was typed or piped).");
  return password;
}
