/**
 * The filter bar and the search bar: a prompt, the text with a cursor, and for a filter that
 * does not parse, the bad part underlined and the message under it, pointing at it (as
 * `tinytap ls` does with carets).
 */
import { Box, type Key } from 'ink';

import { safeText } from '../../render/terminal-text.js';
import { useCommands } from '../hooks/use-commands.js';
import type { QueryText } from '../hooks/use-query-text.js';
import type { FilterProblem } from '../list-query.js';
import { type Line, fitLine, seg } from '../styled-text.js';
import { LineView } from './LineView.js';

/** The text with the problem's range marked; escaped as everything shown is. */
export function problemLine(text: string, problem: FilterProblem | null): Line {
  if (!problem) return [seg(safeText(text))];
  const { start, end } = problem;
  return [
    seg(safeText(text.slice(0, start))),
    seg(safeText(text.slice(start, end)) || ' ', { color: 'red', underline: true, bold: true }),
    seg(safeText(text.slice(end))),
  ];
}

/** Carets under the bad part, then the message. */
export function caretLine(text: string, problem: FilterProblem, prompt: string): Line {
  const lead = prompt.length + safeText(text.slice(0, problem.start)).length;
  const width = Math.max(1, safeText(text.slice(problem.start, problem.end)).length);
  return [seg(' '.repeat(lead)), seg('^'.repeat(width), { color: 'red', bold: true }), seg(` ${problem.message}`, { color: 'red' })];
}

export interface InputBarProps {
  label: string;
  text: QueryText;
  active: boolean;
  width: number;
  onDone: () => void;
}

export function InputBar({ label, text, active, width, onDone }: InputBarProps) {
  const typed = (input: string, key: Key) => {
    if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
    if (key.pageUp || key.pageDown || key.home || key.end || key.return || key.escape) return;
    // pasted text may hold newlines or other control characters: a filter is one line
    // eslint-disable-next-line no-control-regex
    const clean = input.replace(/[\x00-\x1f\x7f]/g, '');
    if (clean) text.edit((d) => d + clean);
  };
  useCommands(
    'input',
    {
      apply: () => {
        if (text.apply()) onDone();
      },
      cancel: () => {
        text.cancel();
        onDone();
      },
      deleteChar: () => text.edit((d) => [...d].slice(0, -1).join('')),
      clear: () => text.edit(() => ''),
    },
    active,
    typed,
  );
  const prompt = `${label}: `;
  const line: Line = [seg(prompt, { bold: true }), ...problemLine(text.draft, text.problem), seg(active ? '█' : '')];
  return (
    <Box flexDirection="column">
      <LineView line={fitLine(line, width)} />
      {text.problem ? <LineView line={fitLine(caretLine(text.draft, text.problem, prompt), width)} /> : null}
    </Box>
  );
}
