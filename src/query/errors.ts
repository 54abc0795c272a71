/**
 * The one error the filter language throws: for any input, parseFilter either returns an AST or
 * throws a FilterError that says which characters are wrong and what would be right.
 */
export class FilterError extends Error {
  /** Matches the CLI's user-error codes (src/cli/errors.ts): shown as one line, no stack. */
  readonly code = 'EFILTER';

  /**
   * @param problem what is wrong ("bad status 'abc'")
   * @param start offset of the first bad character in the input
   * @param end offset after the last bad character (start === end: a position, e.g. the end)
   * @param hint what to write instead ("use a code (404), a class (5xx)...")
   */
  constructor(
    readonly problem: string,
    readonly start: number,
    readonly end: number,
    readonly hint: string | null = null,
  ) {
    super(hint ? `${problem}: ${hint}` : problem);
    this.name = 'FilterError';
  }

  /**
   * Two lines: the input, and carets under the bad part.
   *
   *     status:abc
   *            ^^^
   */
  format(input: string, indent = '  '): string {
    // control characters (a tab, a newline in a pasted filter) would shift the carets
    // eslint-disable-next-line no-control-regex
    const shown = input.replace(/[\u0000-\u001f\u007f]/g, ' ');
    const start = Math.min(this.start, shown.length);
    const width = Math.max(1, Math.min(this.end, shown.length) - start);
    return `${indent}${shown}\n${indent}${' '.repeat(start)}${'^'.repeat(width)}`;
  }
}
