/**
 * A wrong password for an encrypted PKCS#8 key is reported as a wrong password every time, including the
 * 1-in-256 case where AES-CBC's padding happens to check out and the "plaintext" is garbage (this made a
 * test flaky: the user saw "cannot be read as a private key" instead).
 */
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parsePrivateKey } from "../../../src/adapters/keys/file-key-store.js";
import { isTscaError } from "../../../src/core/errors.js";

describe("parsePrivateKey with a wrong password", () => {
  it("says wrong password when the padding check passes by chance", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    // Node's own export (2,048 PBKDF2 iterations) keeps the search below fast.
    const pem = Buffer.from(privateKey.export({ format: "pem", type: "pkcs8", cipher: "aes-256-cbc", passphrase: "right" }));
    let lucky: string | undefined;
    for (let i = 0; i < 20_000 && lucky === undefined; i++) {
      try {
        createPrivateKey({ key: pem, format: "pem", passphrase: `wrong-${i}` });
      } catch (e) {
        if (!/bad decrypt/i.test(String((e as Error).message))) lucky = `wrong-${i}`;
      }
    }
    expect(lucky, "no wrong password passed the padding check").toBeDefined();
    const outcome = (() => {
      try {
        parsePrivateKey(pem, lucky, "The private key");
        return "parsed";
      } catch (e) {
        return isTscaError(e) ? e.code : String(e);
      }
    })();
    expect(outcome).toBe("ERR_KEY_PASSWORD_WRONG");
    expect(parsePrivateKey(pem, "right", "The private key").asymmetricKeyType).toBe("ec");
  });
});
