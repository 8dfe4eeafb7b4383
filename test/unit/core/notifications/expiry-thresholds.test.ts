/** The thresholds of notify_expiring_certs: parsing --days / TSCA_EXPIRY_NOTIFY_DAYS, and which one is reached. */
import { describe, expect, it } from "vitest";
import { parseExpiryDays, reachedThreshold } from "../../../../src/core/notifications/expiry-thresholds.js";

const DAY = 86_400_000;
const notAfter = new Date("2030-01-31T12:00:00Z");
const before = (ms: number): Date => new Date(notAfter.getTime() - ms);

describe("parseExpiryDays", () => {
  it("sorts largest first, drops duplicates and spaces", () => {
    expect(parseExpiryDays("1, 7,14,3,7")).toEqual([14, 7, 3, 1]);
    expect(parseExpiryDays("30")).toEqual([30]);
  });
  it.each(["", "0", "7,", "-1", "1.5", "7,x", "99999"])("refuses %j", (text) => {
    expect(() => parseExpiryDays(text)).toThrow(/is not a list of days/);
  });
});

describe("reachedThreshold", () => {
  const days = [14, 7, 3, 1];
  it("is the smallest threshold with notAfter − now ≤ days", () => {
    expect(reachedThreshold(days, notAfter, before(15 * DAY))).toBeUndefined();
    expect(reachedThreshold(days, notAfter, before(14 * DAY))).toBe(14);
    expect(reachedThreshold(days, notAfter, before(14 * DAY - 1))).toBe(14);
    expect(reachedThreshold(days, notAfter, before(7 * DAY + 1))).toBe(14);
    expect(reachedThreshold(days, notAfter, before(7 * DAY))).toBe(7);
    expect(reachedThreshold(days, notAfter, before(2 * DAY))).toBe(3);
    expect(reachedThreshold(days, notAfter, before(1))).toBe(1);
  });
  it("is nothing once the certificate has expired", () => {
    expect(reachedThreshold(days, notAfter, notAfter)).toBeUndefined();
    expect(reachedThreshold(days, notAfter, new Date(notAfter.getTime() + DAY))).toBeUndefined();
  });
});
