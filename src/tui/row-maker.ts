/**
 * How the detail tabs turn their lines into rows of the pane: wrapped or cut to its width, with
 * the search hits marked first, so a hit that a wrap splits across two rows is still marked.
 */
import { type Line, fitLine, markMatches, wrapLine } from './styled-text.js';

export interface RowMaker {
  width: number;
  /** The line as rows of the width; rows after the first indented by `indent`. */
  wrap(line: Line, indent?: number): Line[];
  /** The line cut to the width. */
  fit(line: Line): Line;
}

/** `needle` is the search text as shown (escaped as the lines are); '' marks nothing. */
export function rowMaker(width: number, needle = ''): RowMaker {
  const mark = (line: Line) => (needle ? markMatches(line, needle) : line);
  return {
    width,
    wrap: (line, indent = 0) => wrapLine(mark(line), width, indent),
    fit: (line) => fitLine(mark(line), width),
  };
}

/** Whether a row holds a search hit. */
export function hasMark(row: Line): boolean {
  return row.some((s) => s.mark);
}
