/**
 * The TUI's root: the view switcher, the Exchanges or Connections view, the filter and search
 * bars, the status line and the help. It holds what the views share (the query, the sort, the
 * focus, the data version of a live session) and the keys that work anywhere.
 */
import { basename } from 'node:path';
import { Box, useApp, useStdout } from 'ink';
import { useMemo, useState } from 'react';

import type { Session } from '../../session/session.js';
import type { ClipboardDeps } from '../clipboard.js';
import type { CountCache } from '../counter.js';
import { curlMessage, exportCurl } from '../curl-export.js';
import { nextSortColumn, sortLabel } from '../exchange-columns.js';
import { type AnyDetail, ExchangeDetail } from '../exchange-detail.js';
import { ExchangePages, type SortOrder, walkOrderFor } from '../exchange-pages.js';
import { FlowPages } from '../flow-pages.js';
import { useCommands } from '../hooks/use-commands.js';
import { useCount } from '../hooks/use-count.js';
import { type LiveUpdates, useLive } from '../hooks/use-live.js';
import { useMessage } from '../hooks/use-message.js';
import { useQueryText } from '../hooks/use-query-text.js';
import { type TerminalSize, useTerminalSize } from '../hooks/use-terminal-size.js';
import { EVERYTHING, bothQueries, compileFilterText, searchQuery } from '../list-query.js';
import type { SessionQueries } from '../../session/session-queries.js';
import { statusLine } from '../status-line.js';
import { type Line, fitLine, seg } from '../styled-text.js';
import { ExchangesView } from './ExchangesView.js';
import { FlowsView } from './FlowsView.js';
import { HelpScreen } from './HelpScreen.js';
import { InputBar } from './InputBar.js';
import { LineView } from './LineView.js';

export interface AppProps {
  session: Session;
  queries: SessionQueries;
  counts: CountCache;
  /** The session's path (its name is shown). */
  file: string;
  live?: LiveUpdates | null;
  /** A fixed size instead of the terminal's (tests). */
  size?: TerminalSize;
  /** Pause in typing after which the filter and search are applied. */
  debounceMs?: number;
  /** Where `c` writes its curl scripts. */
  cwd?: string;
  clipboard?: ClipboardDeps;
  onQuit?: () => void;
}

type View = 'exchanges' | 'connections';

function viewBar(view: View, width: number): Line {
  const tab = (name: string, on: boolean) => (on ? seg(`[${name}]`, { bold: true, inverse: true }) : seg(` ${name} `, { dim: true }));
  return fitLine([seg('tinytap ', { bold: true }), tab('Exchanges', view === 'exchanges'), seg(' '), tab('Connections', view === 'connections'), seg('   v switches', { dim: true })], width);
}

export function App(props: AppProps) {
  const { session, queries, counts, live } = props;
  const { exit } = useApp();
  const { stdout } = useStdout();
  const { columns: width, rows: height } = useTerminalSize(props.size);
  const debounceMs = props.debounceMs ?? 150;

  const [view, setView] = useState<View>('exchanges');
  const [detailOpen, setDetailOpen] = useState(false);
  const [editing, setEditing] = useState<'filter' | 'search' | null>(null);
  const [help, setHelp] = useState(false);
  const [order, setOrder] = useState<SortOrder>({ column: 'req_started', descending: false });
  const { version, recording } = useLive(live ?? null, counts, () => queries.recording());
  const [message, say] = useMessage();

  const filter = useQueryText((text) => {
    const r = compileFilterText(text);
    return r.ok ? null : r.problem;
  }, debounceMs);
  const search = useQueryText(() => null, debounceMs);

  const filterQuery = useMemo(() => {
    const r = compileFilterText(filter.applied);
    return r.ok ? r.query : EVERYTHING;
  }, [filter.applied]);
  const listQuery = useMemo(() => bothQueries(filterQuery, searchQuery(search.applied)), [filterQuery, search.applied]);
  const shown = useCount(counts, listQuery, version);
  const total = useCount(counts, EVERYTHING, version);
  const walk = listQuery !== EVERYTHING && walkOrderFor(shown, total);
  const pages = useMemo(() => new ExchangePages(session, listQuery, order, walk), [session, listQuery, order, walk]);
  const flowPages = useMemo(() => new FlowPages(queries), [queries]);
  // `version` is not read, it says when to ask again: a live session has grown
  /* eslint-disable react-hooks/exhaustive-deps */
  // counted only when shown: the exchange list's first frame does not wait for it
  const flowCount = useMemo(() => (view === 'connections' ? queries.flowCount() : 0), [queries, version, view]);
  const span = useMemo(() => queries.timeSpan(), [queries, version]);
  const drops = useMemo(() => queries.droppedRecords(), [queries, version]);
  /* eslint-enable react-hooks/exhaustive-deps */

  const edit = (which: 'filter' | 'search') => {
    (which === 'filter' ? filter : search).begin();
    setView('exchanges');
    setEditing(which);
  };
  const quit = () => {
    props.onQuit?.();
    exit();
  };
  const curl = (id: number, detail: AnyDetail | null) => {
    const ex = detail instanceof ExchangeDetail ? detail.exchange : session.exchange(id);
    if (!ex) return say(session.protocolOf(id) ? `exchange ${id} is a database call: curl sends HTTP requests only` : `exchange ${id} is not in the session`);
    const clipboard = props.clipboard ?? { env: process.env, writeTerminal: (s: string) => stdout.write(s) };
    exportCurl(ex, props.cwd ?? process.cwd(), clipboard).then(
      (r) => say(curlMessage(r)),
      (err: Error) => say(`could not write the curl command: ${err.message}`),
    );
  };

  const focus = help ? 'help' : editing ? 'input' : view === 'connections' ? 'list' : detailOpen ? 'detail' : 'list';
  useCommands('always', { interrupt: quit }, true);
  useCommands(
    'global',
    {
      quit,
      help: () => setHelp(true),
      filter: () => edit('filter'),
      search: () => edit('search'),
      toggleView: () => {
        setView((v) => (v === 'exchanges' ? 'connections' : 'exchanges'));
        setDetailOpen(false);
      },
    },
    focus === 'list' || focus === 'detail',
  );

  const barLines = editing ? 1 + (((editing === 'filter' ? filter : search).problem && 1) || 0) : 0;
  const mainHeight = Math.max(2, height - 2 - barLines);
  const filtered = !!(filter.applied || search.applied);
  const empty = filtered ? 'no exchange matches' : recording ? 'no exchanges yet: waiting for traffic' : 'no HTTP exchanges in this session (v lists its connections)';
  const status = statusLine(
    {
      file: basename(props.file),
      view,
      shown: view === 'exchanges' ? shown : flowCount,
      total: view === 'exchanges' ? total : flowCount,
      filter: filter.applied,
      search: search.applied,
      sort: sortLabel(order),
      drops,
      recording,
      message,
    },
    width,
  );

  if (help)
    return (
      <Box flexDirection="column" width={width} height={height}>
        <HelpScreen width={width} height={height - 1} active onClose={() => setHelp(false)} />
        <LineView line={status} />
      </Box>
    );
  return (
    <Box flexDirection="column" width={width} height={height}>
      <LineView line={viewBar(view, width)} />
      {view === 'exchanges' ? (
        <ExchangesView
          session={session}
          queries={queries}
          pages={pages}
          version={version}
          span={span}
          width={width}
          height={mainHeight}
          listActive={focus === 'list'}
          detailActive={focus === 'detail'}
          detailOpen={detailOpen}
          search={search.applied}
          empty={empty}
          onOpen={() => setDetailOpen(true)}
          onBack={() => setDetailOpen(false)}
          onSortNext={() => setOrder((o) => ({ ...o, column: nextSortColumn(o.column) }))}
          onSortReverse={() => setOrder((o) => ({ ...o, descending: !o.descending }))}
          onCurl={curl}
        />
      ) : (
        <FlowsView pages={flowPages} version={version} span={span} width={width} height={mainHeight} active={focus === 'list'} onMessage={say} />
      )}
      {editing ? (
        <InputBar
          label={editing === 'filter' ? 'filter' : 'search'}
          text={editing === 'filter' ? filter : search}
          active={focus === 'input'}
          width={width}
          onDone={() => setEditing(null)}
        />
      ) : null}
      <LineView line={status} />
    </Box>
  );
}
