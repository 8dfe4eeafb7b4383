/**
 * Durations on the command line (issue 7, "Unattended operation and the first hour"): units d, h, m, s;
 * a bare number in the option's unit; values that are not whole units of the option refused, never rounded;
 * a bare number under an hour refused for options counted in seconds (it may have been meant as days).
 */
import { describe, expect, it } from "vitest";
import { BARE_SECONDS_MINIMUM, parseDuration } from "../../../src/adapters/cli/duration.js";
import { outcome } from "../../helpers/outcome.js";

const days = (v: string): number => parseDuration(v, "--expires", { unit: "days" });
const seconds = (v: string): number => parseDuration(v, "--expires", { unit: "seconds" });

describe("parseDuration", () => {
  it("options counted in days: a bare number is days; d, h, m and s that make whole days", () => {
    expect(days("90")).toBe(90);
    expect(days("90d")).toBe(90);
    expect(days(" 7D ")).toBe(7);
    expect(days("48h")).toBe(2);
    expect(days("2160h")).toBe(90);
    expect(days("1440m")).toBe(1);
    expect(days("86400s")).toBe(1);
  });

  it("options counted in seconds: a bare number is seconds from one hour up; every unit converts", () => {
    expect(seconds("86400")).toBe(86_400);
    expect(seconds(String(BARE_SECONDS_MINIMUM))).toBe(3_600);
    expect(seconds("7d")).toBe(604_800);
    expect(seconds("24h")).toBe(86_400);
    expect(seconds("30m")).toBe(1_800);
    expect(seconds("45s")).toBe(45);
    expect(parseDuration("600", "--response-validity", { unit: "seconds", bareMinimum: false })).toBe(600);
  });

  it("a value that is not a whole number of days is refused, not rounded", () => {
    expect(outcome(() => days("30m"))).toBe(
      "ERR_INVALID_ARGUMENT: 30m: --expires counts whole days, and 30m is not a whole number of days (write e.g. 90d or 48h).",
    );
    expect(outcome(() => days("36h"))).toMatch(/^ERR_INVALID_ARGUMENT: 36h: --expires counts whole days/);
    expect(outcome(() => days("86399s"))).toMatch(/not a whole number of days/);
  });

  it("a bare number under an hour for a seconds option is ambiguous: refused with the spellings that say which", () => {
    expect(outcome(() => seconds("7"))).toBe(
      "ERR_INVALID_ARGUMENT: 7: A bare number for --expires is seconds and must be at least 3600; write 7d, 7h, 7m or 7s to say which is meant.",
    );
    expect(outcome(() => seconds("3599"))).toMatch(/must be at least 3600/);
    expect(seconds("7s")).toBe(7);
  });

  it("zero, negative, fractional, unknown units and overflow are usage errors", () => {
    expect(outcome(() => days("0"))).toBe("ERR_INVALID_ARGUMENT: 0: --expires must be a positive integer.");
    expect(outcome(() => days("0d"))).toBe("ERR_INVALID_ARGUMENT: 0d: --expires must be a positive integer.");
    for (const bad of ["-1", "1.5d", "20y", "2w", "d", "", "1 d 2h", "99999999999999999999d", "0x10"])
      expect(
        outcome(() => days(bad)),
        bad,
      ).toMatch(/^ERR_INVALID_ARGUMENT: .*--expires must be a positive integer, in days or with a unit: d, h, m or s/);
    expect(parseDuration("0", "--expires-within", { unit: "days", allowZero: true })).toBe(0);
    expect(outcome(() => parseDuration("soon", "--expires-within", { unit: "days", allowZero: true }))).toMatch(
      /--expires-within must be a non-negative integer/,
    );
  });
});
