/**
 * oidProblem is the one OID check used for policies, EKU, RID:, otherName and subject attribute types.
 * Oracle: what it accepts, der.ts encodes and decodes back to the same dotted string, and openssl reads
 * the same OID from that DER (OIDs openssl has no name for, so it prints them dotted); what it refuses
 * could not round-trip (X.690 §8.19).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { decodeOid, parseDer } from "../../../../src/core/x509/der-reader.js";
import { oid } from "../../../../src/core/x509/der.js";
import { isValidOid, oidProblem } from "../../../../src/core/x509/oids.js";

describe("oidProblem", () => {
  it.each(["0.0", "0.39", "1.39.5", "1.2.840.113549.1.1.99", "2.5.29.999.0", "2.999.1", "2.40", "1.3.6.1.4.1.99999999999999999999.1"])(
    "%s is valid and round-trips through DER, as openssl reads it",
    (dotted) => {
      expect(oidProblem(dotted)).toBeUndefined();
      const der = oid(dotted);
      expect(decodeOid(parseDer(der).value)).toBe(dotted);
      const r = spawnSync("openssl", ["asn1parse", "-inform", "DER", "-oid", "/dev/null"], { input: der });
      expect(r.stdout.toString()).toContain(`OBJECT            :${dotted}`);
    },
  );

  it.each([
    ["9.9.9", /first arc/],
    ["3.1", /first arc/],
    ["0.40", /below 40/],
    ["1.50.1", /below 40/],
    ["1.02.3", /leading zeros/],
    ["1", /two or more/],
    ["1..2", /two or more/],
    ["1.2.", /two or more/],
    ["-1.2", /two or more/],
    ["1.2.a", /two or more/],
    ["", /two or more/],
  ])("%s is refused", (dotted, why) => {
    expect(oidProblem(dotted)).toMatch(why);
    expect(isValidOid(dotted)).toBe(false);
  });
});
