/** One row of styled text (styled-text.ts), drawn with ink; colour dropped when it is off. */
import { Text } from 'ink';
import { useContext } from 'react';

import type { Line, Segment } from '../styled-text.js';
import { ColorContext } from './theme.js';

function SegmentText({ s, color, selected }: { s: Segment; color: boolean; selected: boolean }) {
  if (s.mark)
    return color ? (
      <Text color="black" backgroundColor="yellow" bold>
        {s.text}
      </Text>
    ) : (
      <Text inverse={!selected} bold underline>
        {s.text}
      </Text>
    );
  return (
    <Text color={color ? s.color : undefined} bold={s.bold} dimColor={s.dim && !selected} inverse={selected || s.inverse} underline={s.underline}>
      {s.text}
    </Text>
  );
}

export function LineView({ line, selected = false }: { line: Line; selected?: boolean }) {
  const color = useContext(ColorContext);
  // an empty Text takes no row at all: a blank line is a space
  if (line.length === 0 || line.every((s) => s.text === '')) return <Text> </Text>;
  return (
    <Text wrap="truncate-end">
      {line.map((s, i) => (
        <SegmentText key={i} s={s} color={color} selected={selected} />
      ))}
    </Text>
  );
}
