/**
 * The detail of the selected exchange: a title, the tabs, and the rows of the current tab that
 * fit (a body of a megabyte draws as many rows as the pane has). Search hits are marked on the
 * rows shown; n and N move between the rows holding them.
 */
import { Box } from 'ink';
import { useMemo, useState } from 'react';

import { durationText } from '../../render/exchange-format.js';
import { safeText } from '../../render/terminal-text.js';
import { type AnyDetail, ExchangeDetail, TABS, type TabName, matchSummary, matchingRows } from '../exchange-detail.js';
import { protocolText } from '../../render/call-format.js';
import { useCommands } from '../hooks/use-commands.js';
import { type Line, fitLine, seg } from '../styled-text.js';
import { LineView } from './LineView.js';
import { TabBar } from './TabBar.js';

export interface DetailPaneProps {
  detail: AnyDetail | null;
  width: number;
  height: number;
  active: boolean;
  search: string;
  /** The tab shown: kept by the view, so it stays when the pane closes and opens again. */
  tab: number;
  onTab: (f: (tab: number) => number) => void;
  onBack: () => void;
  onMove: (delta: number) => void;
  onCurl: () => void;
}

/** Tabs whose rows are cheap to build: search hits are counted on them for the tab bar. */
const COUNTED: TabName[] = ['Headers', 'Request body', 'Response body', 'Call'];

export function titleLine(detail: AnyDetail, width: number): Line {
  if (!(detail instanceof ExchangeDetail)) {
    const c = detail.call;
    const line: Line = [seg(`#${c.id}  `, { bold: true }), seg(`${protocolText({ protocol: c.protocol, scheme: c.protocol })} ${safeText(c.operation || '—')}`)];
    const outcome = c.status === 'error' ? seg(`error ${safeText(c.errorCode ?? '')}`, { bold: true, color: 'red' }) : c.status === 'none' ? seg(c.oneWay ? 'message' : 'no reply', { dim: true }) : seg(safeText(c.result ?? 'ok'), { bold: true });
    line.push(seg('  →  '), outcome, seg(`  ${durationText(c.timings.totalNs)}`, { dim: true }));
    return fitLine(line, width);
  }
  const ex = detail.exchange;
  const r = ex.request;
  const s = ex.response;
  const line: Line = [seg(`#${ex.id}  `, { bold: true }), seg(`${safeText(r.method || '—')} ${safeText(r.url)}`)];
  line.push(seg('  →  '), s ? seg(`${s.status} ${safeText(s.reason)}`, { bold: true }) : seg('no response', { dim: true }));
  line.push(seg(`  ${durationText(ex.timings.totalNs)}`, { dim: true }));
  return fitLine(line, width);
}

export function DetailPane({ detail, width, height, active, search, tab, onTab, onBack, onMove, onCurl }: DetailPaneProps) {
  // the scroll position belongs to one exchange and tab: another one starts at the top
  const [scroll, setScroll] = useState({ key: '', top: 0 });
  const tabs = detail?.tabs ?? TABS;
  const tabName = tabs[Math.min(tab, tabs.length - 1)];
  const key = `${detail?.id ?? ''}/${tabName}`;
  const top = scroll.key === key ? scroll.top : 0;
  const bodyHeight = Math.max(1, height - 2 - (search ? 1 : 0));
  const rows = useMemo(() => detail?.rows(tabName, width, search) ?? [], [detail, tabName, width, search]);
  const hits = useMemo(() => matchingRows(rows), [rows]);
  const tabHits = useMemo(() => {
    const out: Partial<Record<TabName, number>> = {};
    if (detail && search) for (const t of COUNTED.filter((c) => detail.tabs.includes(c))) out[t] = matchingRows(detail.rows(t, width, search)).length;
    return out;
  }, [detail, search, width]);
  const summary = useMemo(() => (detail && search ? matchSummary(detail.matches(search)) : ''), [detail, search]);

  const maxTop = Math.max(0, rows.length - bodyHeight);
  const scrollTo = (f: (top: number) => number) =>
    setScroll((s) => ({ key, top: Math.min(maxTop, Math.max(0, f(s.key === key ? s.top : 0))) }));
  const switchTab = (d: number) => onTab((t) => (Math.min(t, tabs.length - 1) + d + tabs.length) % tabs.length);
  useCommands(
    'detail',
    {
      scrollDown: () => scrollTo((t) => t + 1),
      scrollUp: () => scrollTo((t) => t - 1),
      pageDown: () => scrollTo((t) => t + bodyHeight - 1),
      pageUp: () => scrollTo((t) => t - bodyHeight + 1),
      top: () => scrollTo(() => 0),
      bottom: () => scrollTo(() => maxTop),
      nextTab: () => switchTab(1),
      prevTab: () => switchTab(-1),
      nextExchange: () => onMove(1),
      prevExchange: () => onMove(-1),
      nextMatch: () => scrollTo((t) => hits.find((h) => h > t) ?? hits[0] ?? t),
      prevMatch: () => scrollTo((t) => [...hits].reverse().find((h) => h < t) ?? hits[hits.length - 1] ?? t),
      curl: onCurl,
      back: onBack,
    },
    active,
  );

  if (!detail)
    return (
      <Box height={height}>
        <LineView line={[seg('no exchange selected', { dim: true })]} />
      </Box>
    );
  const where = rows.length > bodyHeight ? `${top + 1}-${Math.min(rows.length, top + bodyHeight)}/${rows.length}` : '';
  const needle = safeText(search);
  return (
    <Box flexDirection="column" height={height}>
      <LineView line={titleLine(detail, width)} />
      <TabBar tabs={tabs} current={Math.min(tab, tabs.length - 1)} hits={tabHits} where={where} width={width} />
      {search ? <LineView line={fitLine([seg(`search "${needle}": `, { dim: true }), seg(summary, { color: 'yellow' }), seg('   n/N next/previous', { dim: true })], width)} /> : null}
      {rows.slice(top, top + bodyHeight).map((row, i) => (
        <LineView key={i} line={fitLine(row, width)} />
      ))}
    </Box>
  );
}
