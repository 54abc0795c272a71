/**
 * One row of styled text (styled-text.ts), drawn with ink; colour dropped when it is off. Every
 * text of the UI reaches the terminal here, and only here (the components draw LineViews): the
 * one place where escaping (src/render/terminal-text.ts) is certain, whatever a view forgot.
 * Views escape too, before they measure and cut; escaping escaped text changes nothing.
 */
import { Text } from 'ink';
import { useContext } from 'react';

import { safeText } from '../../render/terminal-text.js';
import type { Line, Segment } from '../styled-text.js';
import { ColorContext } from './theme.js';

function SegmentText({ s: raw, color, selected }: { s: Segment; color: boolean; selected: boolean }) {
  const s = { ...raw, text: safeText(raw.text) };
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
