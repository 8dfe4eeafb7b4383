/** Reading command input: a file, a password file, or all of standard input. */
import { readFileSync } from "node:fs";
import { TscaError } from "../../core/errors.js";
import type { CliIo } from "./context.js";

export function readFileInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TscaError("ERR_IO", `${path}: Cannot read the ${what}.`, { cause: e });
  }
}

/**
 * The password in a `--…-password-file`: its first line, without the line end (LF or CR LF), so that
 * `echo secret > file` and an editor's trailing newline give the password itself.
 */
export function readPasswordFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TscaError("ERR_IO", `${path}: Cannot read the password file${code ? ` (${code})` : ""}.`, { cause: e });
  }
  return text.split("\n")[0]!.replace(/\r$/, "");
}

export async function readStdin(io: CliIo): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

export async function readFileOrStdin(path: string | undefined, what: string, io: CliIo): Promise<Buffer> {
  return path === undefined || path === "-" ? readStdin(io) : readFileInput(path, what);
}
