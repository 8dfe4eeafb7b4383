/**
 * Control characters (C0, DEL, C1) never get into a certificate tsca signs (issue 14, brief D2): a
 * subject attribute or SAN with a newline or an ESC sequence is refused with one sentence, whether it
 * comes from the command line (a usage error of the parser) or from a CSR or a stored certificate being
 * renewed (ERR_CONTROL_CHARACTERS at issuance). The messages show the offending value escaped, so the
 * error itself cannot carry the control sequence to the terminal. An empty directoryName is refused too
 * (brief D3).
 */
import { describe, expect, it } from "vitest";
import { normaliseNames } from "../../../../src/core/issuance/normalise-names.js";
import { parseGeneralName, type GeneralName } from "../../../../src/core/x509/general-name.js";
import { parseName, type Name } from "../../../../src/core/x509/name.js";
import { outcome } from "../../../helpers/outcome.js";

/** C0 (newline, ESC, NUL, tab), DEL and C1 (CSI, NEL): each one must be refused. */
const CONTROLS = ["\n", "\x1b", "\x00", "\t", "\x7f", "\u009b", "\u0085"];
const RAW_CONTROL = /\p{Cc}/u;

describe("subjects on the command line (ERR_INVALID_SUBJECT, exit 2)", () => {
  it("refuses every control character in an attribute value, in either spelling and as an RFC 4514 hex escape", () => {
    for (const ch of CONTROLS) {
      for (const input of [`/CN=a${ch}b`, `CN=a${ch}b,O=Example`, `/O=x${ch}y/CN=www.example.com`]) {
        const r = outcome(() => parseName(input));
        expect(r, JSON.stringify(input)).toMatch(/^ERR_INVALID_SUBJECT: .*contains a control character \(\\(x[0-9a-f]{2}|n|t)\)/);
        expect(r, "the message itself carries no control character").not.toMatch(RAW_CONTROL);
      }
    }
    expect(outcome(() => parseName("CN=a\\0Ab"))).toBe(
      "ERR_INVALID_SUBJECT: CN=a\\0Ab: Attribute CN contains a control character (\\n), which names must not contain.",
    );
    expect(outcome(() => parseName("/CN=\\1B[2J"))).toMatch(/contains a control character \(\\x1b\)/);
    expect(outcome(() => parseName("/CN=a\x1b[31mb"))).toBe(
      "ERR_INVALID_SUBJECT: /CN=a\\x1b[31mb: Attribute CN contains a control character (\\x1b), which names must not contain.",
    );
  });

  it("keeps accepting printable Unicode", () => {
    expect(parseName("/O=Müller & Söhne/CN=日本語")).toEqual([
      [{ oid: "2.5.4.10", value: "Müller & Söhne" }],
      [{ oid: "2.5.4.3", value: "日本語" }],
    ]);
  });
});

describe("general names on the command line (ERR_INVALID_GENERAL_NAME, exit 2)", () => {
  it("refuses control characters in every type, including those the URL parser would silently drop", () => {
    const inputs = [
      "DNS:www\n.example.com",
      "URI:https://example.com/a\nb", // new URL() removes the newline and would have accepted it
      "URI:https://example.com/\t",
      "URI:https://example.com/\x1b[2J",
      "https://example.com/\u009b31m",
      "email:a\x1b@example.com",
      "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:a\x1b[31m@example.com",
      "dirName:/CN=a\x1bb",
      "dirName:/CN=a\x7fb",
    ];
    for (const input of inputs) {
      const r = outcome(() => parseGeneralName(input));
      expect(r, JSON.stringify(input)).toMatch(/^ERR_INVALID_(GENERAL_NAME|SUBJECT): .*control character/);
      expect(r).not.toMatch(RAW_CONTROL);
    }
    expect(outcome(() => parseGeneralName("URI:https://example.com/a\nb"))).toBe(
      "ERR_INVALID_GENERAL_NAME: URI:https://example.com/a\\nb: A general name must not contain control characters (\\n found).",
    );
  });

  it("refuses an empty directory name, which only a name-constraint subtree may be", () => {
    expect(outcome(() => parseGeneralName("dirName:"))).toBe("ERR_INVALID_GENERAL_NAME: dirName:: A directory name must not be empty.");
    expect(outcome(() => parseGeneralName("dirName:/"))).toBe("ERR_INVALID_GENERAL_NAME: dirName:/: A directory name must not be empty.");
    expect(parseGeneralName("dirName:", { constraint: true })).toEqual({ type: "dirName", value: [] });
  });
});

describe("names from a CSR or a stored certificate, at issuance (ERR_CONTROL_CHARACTERS)", () => {
  const attr = (oid: string, value: string): Name => [[{ oid, value }]];

  it("refuses control characters in any subject attribute, with the value escaped in the message", () => {
    expect(outcome(() => normaliseNames(attr("2.5.4.3", "a\nb"), []))).toBe(
      'ERR_CONTROL_CHARACTERS: The commonName of the subject "a\\nb" contains a control character (\\n); certificate names must not contain control characters.',
    );
    for (const ch of CONTROLS)
      for (const oid of ["2.5.4.3", "2.5.4.10", "2.5.4.11", "1.2.840.113549.1.9.1", "0.9.2342.19200300.100.1.25"]) {
        const r = outcome(() => normaliseNames(attr(oid, `x${ch}[31my`), []));
        expect(r, `${oid} ${JSON.stringify(ch)}`).toMatch(/^ERR_CONTROL_CHARACTERS: /);
        expect(r).not.toMatch(RAW_CONTROL);
      }
  });

  it("refuses control characters in every SAN type, a directoryName's attributes included", () => {
    const sans: GeneralName[] = [
      { type: "dns", value: "www.example.com\x1b[2J" },
      { type: "email", value: "a\n@example.com" },
      { type: "uri", value: "https://example.com/\u009b" },
      { type: "otherName", oid: "1.3.6.1.4.1.311.20.2.3", value: "x\x00y" },
      { type: "dirName", value: attr("2.5.4.3", "a\x7fb") },
    ];
    for (const g of sans) {
      const r = outcome(() => normaliseNames(attr("2.5.4.3", "www.example.com"), [g]));
      expect(r, JSON.stringify(g)).toMatch(/^ERR_CONTROL_CHARACTERS: The .* contains a control character/);
      expect(r).not.toMatch(RAW_CONTROL);
    }
  });

  it("refuses an empty directoryName SAN from a CSR", () => {
    expect(outcome(() => normaliseNames(attr("2.5.4.3", "www.example.com"), [{ type: "dirName", value: [] }]))).toBe(
      "ERR_INVALID_GENERAL_NAME: dirName:: A directory name must not be empty.",
    );
  });

  it("passes printable names through", () => {
    const subject = [...attr("2.5.4.10", "Müller & Söhne"), ...attr("2.5.4.3", "Alice Müller")];
    expect(normaliseNames(subject, [{ type: "email", value: "alice@example.com" }])).toEqual({
      subject,
      sans: [{ type: "email", value: "alice@example.com" }],
    });
  });
});
