/**
 * Where init_ca and import_ca keep a new CA's key: `--key-backend file` (CA_DIR, the default) or
 * `--key-backend pkcs11` with the token (`--pkcs11-token-label` or `--pkcs11-slot`) and the key's label
 * (`--pkcs11-key-label`, default the CA's name). See docs/hsm.md.
 */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import type { KeyOptions } from "../../../core/ports/key-store-registry.js";
import { nonNegativeInt } from "../values.js";

export interface KeyBackendOpts {
  keyBackend?: string;
  pkcs11TokenLabel?: string;
  pkcs11Slot?: string;
  pkcs11KeyLabel?: string;
}

export const KEY_BACKEND_FLAGS = ["key-backend", "pkcs11-token-label", "pkcs11-slot", "pkcs11-key-label", "pkcs11-pin-file"];

export function addKeyBackendOptions(cmd: Command): Command {
  return cmd
    .option(
      "--key-backend <backend>",
      "where the CA's private key is kept: file (CA_DIR, the default) or pkcs11 (a token, see docs/hsm.md)",
    )
    .option("--pkcs11-token-label <label>", "with --key-backend pkcs11: the token, by its label")
    .option(
      "--pkcs11-slot <n>",
      "with --key-backend pkcs11: the token, by its index among the slots that hold a token (instead of the label)",
    )
    .option("--pkcs11-key-label <label>", "with --key-backend pkcs11: the key's label on the token (default: the CA's name)")
    .option(
      "--pkcs11-pin-file <file>",
      "user PIN of the PKCS#11 token, from the first line of <file> (mode 0600; else TSCA_PKCS11_PIN[_FILE] or a prompt)",
    );
}

const PKCS11_FLAGS = {
  pkcs11TokenLabel: "--pkcs11-token-label",
  pkcs11Slot: "--pkcs11-slot",
  pkcs11KeyLabel: "--pkcs11-key-label",
} as const;

/**
 * The request's keyBackend and keyOptions; `defaultLabel` is the key label without --pkcs11-key-label (the
 * CA's name for a new key; none when an existing key is looked for by its certificate, whatever its label).
 * pkcs11 options without `--key-backend pkcs11` are refused rather than ignored.
 */
export function keyBackendRequest(o: KeyBackendOpts, defaultLabel: string | undefined): { keyBackend?: string; keyOptions?: KeyOptions } {
  const backend = o.keyBackend?.trim().toLowerCase();
  const given = Object.entries(PKCS11_FLAGS).find(([k]) => o[k as keyof typeof PKCS11_FLAGS] !== undefined);
  if (backend !== "pkcs11") {
    if (given) throw new TscaError("ERR_INVALID_ARGUMENT", `${given[1]} needs --key-backend pkcs11.`);
    return backend === undefined ? {} : { keyBackend: backend };
  }
  if (o.pkcs11TokenLabel !== undefined && o.pkcs11Slot !== undefined)
    throw new TscaError("ERR_INVALID_ARGUMENT", "Give the token either by --pkcs11-token-label or by --pkcs11-slot, not both.");
  if (o.pkcs11KeyLabel !== undefined && o.pkcs11KeyLabel.trim() === "")
    throw new TscaError("ERR_INVALID_ARGUMENT", "--pkcs11-key-label must not be empty.");
  return {
    keyBackend: "pkcs11",
    keyOptions: {
      ...(o.pkcs11TokenLabel !== undefined ? { token: o.pkcs11TokenLabel } : {}),
      ...(o.pkcs11Slot !== undefined ? { slot: nonNegativeInt(o.pkcs11Slot, "--pkcs11-slot") } : {}),
      ...((o.pkcs11KeyLabel ?? defaultLabel) !== undefined ? { label: o.pkcs11KeyLabel ?? defaultLabel } : {}),
    },
  };
}
