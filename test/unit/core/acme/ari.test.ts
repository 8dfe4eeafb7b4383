/**
 * ACME Renewal Information (RFC 9773): the §4.1 certID of the RFC's example (AKI 69:88:5B:…, serial
 * 0x87654321), the certID of a real certificate made by openssl, the refusal of malformed ids, and the
 * suggested window.
 */
import { describe, expect, it } from "vitest";
import {
  ariCertId,
  certificateAriId,
  parseAriCertId,
  serialDerFromHex,
  serialHexFromDer,
  suggestedWindow,
} from "../../../../src/core/acme/ari.js";
import { AcmeProblem } from "../../../../src/core/acme/problem.js";
import { fromPemAll } from "../../../../src/core/x509/pem.js";
import { ossl, scratch } from "../../../helpers/oracles.js";
import { selfSignedEc } from "../../../helpers/certs.js";

const RFC_AKI = Buffer.from("69885b6b87464041e1b37b847ba0ae2cde01c8d4", "hex");
const RFC_CERT_ID = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";

function problemOf(f: () => unknown): AcmeProblem {
  try {
    f();
  } catch (e) {
    if (e instanceof AcmeProblem) return e;
    throw e;
  }
  throw new Error("no AcmeProblem thrown");
}

describe("ARI certID (RFC 9773 §4.1)", () => {
  it("encodes the RFC example: the serial's high bit set gives a leading zero octet", () => {
    expect(serialDerFromHex("87654321")).toEqual(Buffer.from("0087654321", "hex"));
    expect(ariCertId(RFC_AKI, serialDerFromHex("87654321"))).toBe(RFC_CERT_ID);
  });

  it("parses the RFC example back", () => {
    expect(parseAriCertId(RFC_CERT_ID)).toEqual({ keyIdentifier: RFC_AKI, serial: Buffer.from("0087654321", "hex") });
    expect(serialHexFromDer(parseAriCertId(RFC_CERT_ID).serial)).toBe("87654321");
  });

  it("keeps serials minimal whatever the hex spelling", () => {
    expect(serialDerFromHex("00:12:34")).toEqual(Buffer.from("1234", "hex"));
    expect(serialDerFromHex("0000FF")).toEqual(Buffer.from("00ff", "hex"));
    expect(serialDerFromHex("1")).toEqual(Buffer.from("01", "hex"));
  });

  it("gives a real certificate's id from its AKI and serial, as openssl shows them", () => {
    const caKey = scratch("ari-ca.key");
    const caPem = selfSignedEc(caKey, "/CN=ARI CA", 10);
    const csr = ossl([
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      scratch("ari-leaf.key"),
      "-subj",
      "/CN=leaf",
    ]);
    const leafPem = ossl(
      [
        "x509",
        "-req",
        "-CA",
        scratch("ari-ca.pem", caPem),
        "-CAkey",
        caKey,
        "-set_serial",
        "0x87654321",
        "-days",
        "90",
        "-extfile",
        scratch("ari.ext", "authorityKeyIdentifier=keyid\n"),
      ],
      csr,
    );
    const akiText = ossl(["x509", "-noout", "-ext", "authorityKeyIdentifier"], leafPem);
    const aki = Buffer.from(/([0-9A-F]{2}(?::[0-9A-F]{2})+)/.exec(akiText)![1]!.replace(/:/g, ""), "hex");
    expect(aki.length).toBe(20);
    expect(certificateAriId(fromPemAll(leafPem, "CERTIFICATE")[0]!)).toBe(`${aki.toString("base64url")}.AIdlQyE`);
    // A self-signed certificate without an AKI has no ARI id.
    const bare = selfSignedEc(scratch("ari-bare.key"), "/CN=bare", 1, {
      addext: ["authorityKeyIdentifier=none", "subjectKeyIdentifier=none"],
    });
    expect(certificateAriId(fromPemAll(bare, "CERTIFICATE")[0]!)).toBeUndefined();
  });

  it.each([
    ["no dot", "aYhba4dGQEHhs3uEe6CuLN4ByNQAIdlQyE"],
    ["two dots", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE.AA"],
    ["padding", "aYhba4dGQEHhs3uEe6CuLN4ByNQ=.AIdlQyE"],
    ["standard base64 characters", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AI+lQyE"],
    ["an empty part", ".AIdlQyE"],
    ["a stray character (length 1 mod 4)", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQ"],
    ["unused bits set in the last character", "aYhba4dGQEHhs3uEe6CuLN4ByNR.AIdlQyE"],
    ["a negative serial", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.h2VDIQ"],
    ["a serial with a needless zero octet", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.ABI0"],
    ["a serial over 20 octets", `aYhba4dGQEHhs3uEe6CuLN4ByNQ.${Buffer.alloc(22, 1).toString("base64url")}`],
  ])("refuses %s (malformed)", (_what, id) => {
    const p = problemOf(() => parseAriCertId(id));
    expect(p.acmeType).toBe("malformed");
    expect(p.status).toBe(400);
  });
});

describe("suggestedWindow (RFC 9773 §4.2)", () => {
  const notBefore = new Date("2026-01-01T00:00:00Z");
  const notAfter = new Date("2026-04-01T00:00:00Z"); // 90 days
  const now = new Date("2026-02-01T00:00:00Z");

  it("starts at two thirds of the lifetime and lasts a ninth of it, ending before notAfter", () => {
    const w = suggestedWindow(notBefore, notAfter, false, now);
    expect(w.start.toISOString()).toBe("2026-03-02T00:00:00.000Z"); // +60 days
    expect(w.end.toISOString()).toBe("2026-03-12T00:00:00.000Z"); // +10 days
    expect(w.end.getTime()).toBeLessThan(notAfter.getTime());
  });

  it("puts a revoked certificate's window entirely in the past, so clients renew at once", () => {
    const w = suggestedWindow(notBefore, notAfter, true, now);
    expect(w.start.getTime()).toBeLessThan(w.end.getTime());
    expect(w.end.getTime()).toBeLessThan(now.getTime());
  });
});
