/** The web admin password rules: length, the user name, one repeated character; the message names the rule, never the password. */
import { describe, expect, it } from "vitest";
import { checkPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../../../../src/core/access/password-policy.js";

const refused = (password: string, user = "alice") => {
  try {
    checkPassword(password, user);
  } catch (e) {
    const err = e as { code: string; kind: string; message: string };
    expect(err.code).toBe("ERR_WEAK_PASSWORD");
    expect(err.kind).toBe("invalid");
    if (password !== "") expect(err.message).not.toContain(password);
    expect(err.message.trim().split(/\.\s/)).toHaveLength(1);
    return err.message;
  }
  throw new Error("accepted");
};

describe("checkPassword", () => {
  it("accepts a long enough password that is not the user name or one character", () => {
    expect(() => checkPassword("correct horse battery", "alice")).not.toThrow();
    expect(() => checkPassword("x".repeat(MIN_PASSWORD_LENGTH - 1) + "y", "alice")).not.toThrow();
    expect(() => checkPassword("ab".repeat(MAX_PASSWORD_LENGTH / 2), "alice")).not.toThrow();
  });

  it("counts characters, not UTF-16 units or bytes", () => {
    // Eleven emoji are 22 UTF-16 units but 11 characters: too short.
    expect(refused("😀🙂😀🙂😀🙂😀🙂😀🙂😀")).toMatch(/at least 12 characters/);
    expect(() => checkPassword("пароль-длинный", "alice")).not.toThrow();
  });

  it("names the rule a password breaks", () => {
    expect(refused("short1!")).toBe("The password is refused: it must have at least 12 characters.");
    expect(refused("")).toMatch(/at least 12/);
    expect(refused("ab".repeat(513))).toBe("The password is refused: it must have at most 1024 characters.");
    expect(refused("my-ALICE-password")).toBe("The password is refused: it must not contain the user name.");
    expect(refused("Bob.Builder.2026", "bob.builder")).toMatch(/user name/);
    expect(refused("aaaaaaaaaaaaaaaa")).toBe("The password is refused: it must not be one character repeated.");
  });
});
