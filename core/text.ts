// Neutralising user-typed text where it lands: a terminal (no control sequences) and a CSV cell (no formulas).

/**
 * Control and format characters a terminal could act on: C0/C1 controls (escape sequences, carriage returns,
 * bells), bidi overrides and isolates, zero-width characters and every other Unicode format character (Cf).
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * The text with every control or format character replaced by U+FFFD (visible, inert), so a name can never
 * move the cursor, recolour the terminal or reorder what follows it.
 *
 * @example
 * terminalSafe('team\u001b[2Jx'); // 'team\ufffd[2Jx'
 */
export function terminalSafe(text: string): string {
  return text.replace(UNPRINTABLE, '\ufffd');
}

/** What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A text cell for a CSV that people open in spreadsheets: a cell starting with `=`, `+`, `-`, `@`, tab or
 * carriage return is prefixed with a single quote so it is shown as text, never evaluated (OWASP). Use it
 * on user-typed text only; numbers stay numbers.
 *
 * @example
 * csvSafe('=HYPERLINK("http://x")'); // '\'=HYPERLINK("http://x")'
 */
export function csvSafe(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}
