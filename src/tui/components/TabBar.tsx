/** The detail pane's tabs, the current one bracketed (and inverse), with search hits per tab. */
import type { TabName } from '../exchange-detail.js';
import { type Line, fitLine, seg } from '../styled-text.js';
import { LineView } from './LineView.js';

export function tabBarLine(tabs: readonly TabName[], current: number, hits: Partial<Record<TabName, number>>, where: string, width: number): Line {
  const line: Line = [];
  tabs.forEach((tab, i) => {
    const n = hits[tab];
    const label = n ? `${tab} (${n})` : tab;
    if (i > 0) line.push(seg(' '));
    line.push(i === current ? seg(`[${label}]`, { bold: true, inverse: true }) : seg(` ${label} `, { color: n ? 'yellow' : undefined }));
  });
  const used = line.reduce((w, s) => w + s.text.length, 0);
  if (where && used + where.length + 2 <= width) line.push(seg(' '.repeat(width - used - where.length)), seg(where, { dim: true }));
  return fitLine(line, width);
}

export function TabBar(props: { tabs: readonly TabName[]; current: number; hits: Partial<Record<TabName, number>>; where: string; width: number }) {
  return <LineView line={tabBarLine(props.tabs, props.current, props.hits, props.where, props.width)} />;
}
