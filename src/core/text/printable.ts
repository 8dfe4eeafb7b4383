/**
 * Terminal-safe text. Names in certificates are attacker-controlled (a CSR's subject, an imported
 * certificate), and a raw ESC (ECMA-48 control sequences) or newline in them would let a certificate
 * repaint the operator's terminal or forge output lines. Two rules:
 *
 * - **Refuse** control characters in names tsca puts into certificates: C0 (U+0000–U+001F), DEL (U+007F)
 *   and C1 (U+0080–U+009F), the `Cc` category of Unicode — no X.520 attribute or general name needs them.
 * - **Escape** everything non-printable when showing text: the control characters above, line and
 *   paragraph separators, bidirectional overrides and isolates ("Trojan Source", CVE-2021-42574),
 *   invisible characters that make two names look alike, and lone surrogates. Escapes are visible and
 *   ASCII: `\n`, `\r`, `\t`, `\x1b`, `\u202e` (every character escaped is in the BMP).
 *
 * Backslashes are left as they are: RFC 4514 output already uses them, and a literal `\x1b` in a name is
 * harmless text, whereas doubling every backslash would make ordinary names unreadable.
 */

/** C0, DEL and C1: what certificate names may not contain. */
const CONTROL = /\p{Cc}/u;

/** What text output escapes: controls, separators, bidi and invisible formatting characters, lone surrogates. */
const NON_PRINTABLE =
  /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/gu;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

/** The visible escape of one character. */
export function escapeCharacter(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const cp = ch.codePointAt(0)!;
  return cp <= 0xff ? `\\x${hex(cp, 2)}` : `\\u${hex(cp, 4)}`;
}

/** Text with every non-printable character replaced by a visible escape; printable text is unchanged. */
export function printable(text: string): string {
  return text.replace(NON_PRINTABLE, escapeCharacter);
}

/** The first control character (C0, DEL, C1) of `text`, or undefined. */
export function firstControlCharacter(text: string): string | undefined {
  return CONTROL.exec(text)?.[0];
}

/** Whether `text` contains a control character (C0, DEL, C1). */
export const hasControlCharacter = (text: string): boolean => CONTROL.test(text);

/**
 * JSON whose strings escape what `printable` escapes. JSON.stringify already writes C0 characters as
 * `\u001b` and lone surrogates as `\udc00`, but leaves DEL, C1 and the bidi controls raw; inside JSON they
 * can only occur in strings, so `\uXXXX` there keeps the document valid and its values unchanged
 * (RFC 8259 §7). The newlines of the indentation are structure, never inside a string, and stay.
 */
export function printableJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(NON_PRINTABLE, (ch) => (ch === "\n" ? ch : `\\u${hex(ch.charCodeAt(0), 4)}`));
}
