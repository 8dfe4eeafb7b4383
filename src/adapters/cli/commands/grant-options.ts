/** What grant and ungrant share: PERMISSION... with repeatable --ca, checked before the database is opened. */
import type { Command } from "commander";
import { isPermission, PERMISSIONS, type Permission } from "../../../core/access/permissions.js";
import { TscaError } from "../../../core/errors.js";
import { collect } from "../values.js";

export function permissionsOf(values: string[]): Permission[] {
  return values.map((v) => {
    const p = v.trim().toLowerCase();
    if (!isPermission(p)) throw new TscaError("ERR_INVALID_ARGUMENT", `${v}: A permission is one of ${PERMISSIONS.join(", ")}.`);
    return p;
  });
}

export const grantArguments = (cmd: Command, verb: string): Command =>
  cmd
    .argument("<name>", "the user")
    .argument("<permission...>", PERMISSIONS.join(", "))
    .option("--ca <ca>", `${verb} on this CA only (serial prefix or name; repeatable); none: every CA`, collect);
