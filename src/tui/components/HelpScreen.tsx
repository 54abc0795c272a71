/** The help screen, generated from the key binding table: what every key does, by where it works. */
import { Box } from 'ink';
import { useState } from 'react';

import { useCommands } from '../hooks/use-commands.js';
import { helpSections } from '../key-bindings.js';
import { type Line, fitLine, seg } from '../styled-text.js';
import { LineView } from './LineView.js';

const KEYS_WIDTH = 22;

export function helpLines(): Line[] {
  const lines: Line[] = [[seg('tinytap keys', { bold: true }), seg('   (j/k or arrows scroll this, Esc or ? closes it)', { dim: true })]];
  for (const section of helpSections()) {
    lines.push([], [seg(section.title, { bold: true, underline: true })]);
    for (const row of section.rows) lines.push([seg(`  ${row.keys}`.padEnd(KEYS_WIDTH), { color: 'cyan' }), seg(row.help)]);
  }
  return lines;
}

export function HelpScreen({ width, height, active, onClose }: { width: number; height: number; active: boolean; onClose: () => void }) {
  const [top, setTop] = useState(0);
  const lines = helpLines();
  const maxTop = Math.max(0, lines.length - height);
  const scroll = (d: number) => setTop((t) => Math.min(maxTop, Math.max(0, t + d)));
  useCommands('help', { close: onClose, down: () => scroll(1), up: () => scroll(-1), pageDown: () => scroll(height - 1), pageUp: () => scroll(-(height - 1)) }, active);
  return (
    <Box flexDirection="column" height={height}>
      {lines.slice(top, top + height).map((l, i) => (
        <LineView key={i} line={fitLine(l, width)} />
      ))}
    </Box>
  );
}
