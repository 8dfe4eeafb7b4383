/** Driver errors become TscaErrors inside adapters/db (DESIGN: "Database driver errors are translated"). */
import { TscaError } from "../../core/errors.js";

export function isUniqueViolation(e: unknown, constraintHint: string): boolean {
  const err = e as { code?: string; message?: string; constraint?: string };
  if (err.code === "23505") return (err.constraint ?? "").includes(constraintHint) || (err.message ?? "").includes(constraintHint);
  if (typeof err.code === "string" && err.code.startsWith("SQLITE_CONSTRAINT")) return (err.message ?? "").includes(constraintHint);
  return false;
}

export function databaseError(e: unknown): TscaError {
  if (e instanceof TscaError) return e;
  return new TscaError("ERR_DATABASE", "The database refused the operation or cannot be reached.", { cause: e });
}
