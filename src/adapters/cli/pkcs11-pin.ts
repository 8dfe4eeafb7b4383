/**
 * The user PIN of PKCS#11 tokens for one tsca command (docs/hsm.md): TSCA_PKCS11_PIN, else the first
 * line of `--pkcs11-pin-file` or TSCA_PKCS11_PIN_FILE, else typed on the terminal. A PIN file must not be
 * readable by other users (like TSCA_CA_PASSWORDS_FILE): the PIN is what stands between a process of this
 * host and the CA keys on the token. Read at most once per command; never logged, never in a message.
 * A command without a terminal (a timer, the worker) never waits on standard input: it fails with
 * ERR_PKCS11_PIN_REQUIRED instead.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { TscaError } from "../../core/errors.js";
import type { CliIo } from "./context.js";
import { readPasswordFile } from "./input.js";
import { askOnTerminal } from "./prompt.js";

export interface Pkcs11PinSettings {
  /** TSCA_PKCS11_PIN. */
  pin: string | undefined;
  /** TSCA_PKCS11_PIN_FILE. */
  pinFile: string | undefined;
}

function readPinFile(path: string): string {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    throw new TscaError("ERR_IO", `${path}: Cannot read the PKCS#11 PIN file (${(e as NodeJS.ErrnoException).code ?? "error"}).`, {
      cause: e,
    });
  }
  if ((mode & 0o077) !== 0)
    throw new TscaError(
      "ERR_CONFIG",
      `${path}: The PKCS#11 PIN file can be read or written by other users (mode ${(mode & 0o777).toString(8).padStart(4, "0")}); make it 0600.`,
    );
  const pin = readPasswordFile(path);
  if (pin === "") throw new TscaError("ERR_PKCS11_PIN_REQUIRED", `${path}: The first line of the PKCS#11 PIN file is empty.`);
  return pin;
}

export class Pkcs11PinSource {
  private file: string | undefined;
  private read: string | undefined;

  constructor(
    private readonly settings: Pkcs11PinSettings,
    /** The terminal to ask on; none (tsca serve --worker): the PIN must be configured. */
    private readonly io?: CliIo,
  ) {
    this.file = settings.pinFile;
  }

  /** `--pkcs11-pin-file FILE` of this command, which takes the place of TSCA_PKCS11_PIN_FILE. */
  useFile(path: string): void {
    this.file = resolve(path);
    this.read = undefined;
  }

  /** The PIN given without asking (environment or file), or undefined. */
  configured(): string | undefined {
    if (this.settings.pin !== undefined && this.settings.pin !== "") return this.settings.pin;
    if (this.file === undefined) return undefined;
    return (this.read ??= readPinFile(this.file));
  }

  /** The configured PIN, else one typed on the terminal. */
  async ask(): Promise<string> {
    const configured = this.configured();
    if (configured !== undefined) return configured;
    const typed = this.io && (await askOnTerminal("User PIN of the PKCS#11 token: ", this.io));
    if (typed === undefined || typed === "")
      throw new TscaError(
        "ERR_PKCS11_PIN_REQUIRED",
        "The PKCS#11 token needs its user PIN: set TSCA_PKCS11_PIN or TSCA_PKCS11_PIN_FILE, give --pkcs11-pin-file, or run on a terminal.",
      );
    return (this.read = typed);
  }
}
