/**
 * The Exchanges view: the list (paged from the session, a window around the selection) and,
 * once Enter is pressed, the detail of the selected exchange under it. Owns the list's keys
 * while the list has the focus; the detail pane owns its own.
 */
import { Box } from 'ink';
import { useMemo, useState } from 'react';

import type { ExchangeSummary, Session } from '../../session/session.js';
import { type ExchangeLayout, exchangeHeader, exchangeLayout, exchangeRow } from '../exchange-columns.js';
import { type AnyDetail, loadDetail } from '../exchange-detail.js';
import type { ExchangePages } from '../exchange-pages.js';
import { useCommands } from '../hooks/use-commands.js';
import { movementCommands, useListWindow } from '../hooks/use-list-window.js';
import type { SessionQueries, TimeSpan } from '../../session/session-queries.js';
import { DetailPane } from './DetailPane.js';
import { ListRows } from './ListRows.js';

export interface ExchangesViewProps {
  session: Session;
  queries: SessionQueries;
  pages: ExchangePages;
  /** Bumped when the session's data changed (a live session grew). */
  version: number;
  span: TimeSpan | null;
  width: number;
  height: number;
  listActive: boolean;
  detailActive: boolean;
  detailOpen: boolean;
  search: string;
  empty: string;
  onOpen: () => void;
  onBack: () => void;
  onSortNext: () => void;
  onSortReverse: () => void;
  /** Write the exchange as a curl command. */
  onCurl: (id: number, detail: AnyDetail | null) => void;
}

/** Rows of the list when the detail is open: about a third, none on a short terminal. */
export function listRowsWithDetail(height: number): number {
  return height >= 16 ? Math.max(3, Math.floor((height - 1) * 0.3)) : 0;
}

export function ExchangesView(props: ExchangesViewProps) {
  const { session, queries, pages, version, span, width, height, detailOpen } = props;
  const listRows = detailOpen ? listRowsWithDetail(height) : height - 1;
  const list = useListWindow(pages, Math.max(1, listRows), version);
  const [tab, setTab] = useState(0);
  const layout: ExchangeLayout = useMemo(() => exchangeLayout(width), [width]);
  const selected: ExchangeSummary | null = list.view.selected;
  const selectedId = selected ? Number(selected.id) : null;
  const detail = useMemo(
    () => (detailOpen && selectedId !== null ? loadDetail(session, queries, selectedId) : null),
    [detailOpen, selectedId, session, queries],
  );
  const curl = () => {
    if (selectedId !== null) props.onCurl(selectedId, detail);
  };
  useCommands(
    'list',
    {
      ...movementCommands(list, listRows),
      open: () => {
        if (selected) props.onOpen();
      },
      sortNext: props.onSortNext,
      sortReverse: props.onSortReverse,
      curl,
    },
    props.listActive,
  );
  const rows = list.view.visible.map((x) => exchangeRow(x, layout, span));
  const header = exchangeHeader(layout, pages.order);
  return (
    <Box flexDirection="column" height={height}>
      {listRows > 0 ? (
        <ListRows header={header} rows={rows} selectedIndex={list.view.selectedIndex} height={listRows} width={width} empty={props.empty} />
      ) : null}
      {detailOpen ? (
        <DetailPane
          detail={detail}
          width={width}
          height={height - (listRows > 0 ? listRows + 1 : 0)}
          active={props.detailActive}
          search={props.search}
          tab={tab}
          onTab={setTab}
          onBack={props.onBack}
          onMove={(d) => list.act((w) => w.move(d))}
          onCurl={curl}
        />
      ) : null}
    </Box>
  );
}
