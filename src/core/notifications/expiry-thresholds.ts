/**
 * The days before expiry at which watchers are mailed (notify_expiring_certs, TSCA_EXPIRY_NOTIFY_DAYS):
 * a comma-separated list of positive whole days, kept largest first. Each threshold is mailed once per
 * certificate and watcher; a run mails only the smallest threshold already reached, so a certificate
 * first seen 5 days before expiry gets the 7-day mail, not the 14- and 7-day mails at once.
 */
import { TscaError } from "../errors.js";

export const DEFAULT_EXPIRY_NOTIFY_DAYS: readonly number[] = [14, 7, 3, 1];

const DAY_MS = 86_400_000;

export function parseExpiryDays(text: string): number[] {
  const items = text.split(",").map((s) => s.trim());
  const days = new Set<number>();
  for (const item of items) {
    if (!/^\d+$/.test(item) || Number(item) <= 0 || Number(item) > 36_500)
      throw new TscaError(
        "ERR_INVALID_ARGUMENT",
        `"${text}" is not a list of days: give positive whole numbers separated by commas, like 14,7,3,1.`,
      );
    days.add(Number(item));
  }
  return [...days].sort((a, b) => b - a);
}

/** The threshold a certificate valid until `notAfter` has reached at `now`: the smallest with notAfter − now ≤ days. */
export function reachedThreshold(days: readonly number[], notAfter: Date, now: Date): number | undefined {
  const left = notAfter.getTime() - now.getTime();
  if (left <= 0) return undefined; // expired: renewing is no longer "before expiry"; list_certs shows it
  let reached: number | undefined;
  for (const d of days) if (left <= d * DAY_MS && (reached === undefined || d < reached)) reached = d;
  return reached;
}
