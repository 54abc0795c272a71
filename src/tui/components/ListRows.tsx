/**
 * The rows of a list on screen, and only those (the list is virtualised: a million exchanges
 * draw as many rows as the terminal has), under their column titles. The selected row starts
 * with '›' and is drawn inverse, so it shows without colour too.
 */
import { Box } from 'ink';

import { MARKER_WIDTH } from '../exchange-columns.js';
import { type Line, fitLine, seg } from '../styled-text.js';
import { LineView } from './LineView.js';

export interface ListRowsProps {
  header: Line;
  rows: Line[];
  selectedIndex: number;
  /** Rows of the list under its header. */
  height: number;
  width: number;
  /** Shown when there are no rows. */
  empty: string;
}

export function ListRows({ header, rows, selectedIndex, height, width, empty }: ListRowsProps) {
  const blank = ' '.repeat(MARKER_WIDTH);
  return (
    <Box flexDirection="column" height={height + 1}>
      <LineView line={fitLine([seg(blank), ...header], width)} />
      {rows.length === 0 ? <LineView line={fitLine([seg(blank), seg(empty, { dim: true })], width)} /> : null}
      {rows.slice(0, height).map((row, i) => {
        const selected = i === selectedIndex;
        const line = fitLine([seg(selected ? '› ' : blank, { bold: true }), ...row], width, selected);
        return <LineView key={i} line={line} selected={selected} />;
      })}
    </Box>
  );
}
