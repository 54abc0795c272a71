/**
 * The Connections view: every connection of the session by start time, HTTP or not, so traffic
 * tinytap cannot parse (redis, postgres, TLS...) is still seen, with its bytes each way.
 */
import { useMemo } from 'react';

import { flowHeader, flowLayout, flowRow } from '../flow-columns.js';
import type { FlowPages } from '../flow-pages.js';
import { useCommands } from '../hooks/use-commands.js';
import { movementCommands, useListWindow } from '../hooks/use-list-window.js';
import type { TimeSpan } from '../../session/session-queries.js';
import { ListRows } from './ListRows.js';

export interface FlowsViewProps {
  pages: FlowPages;
  version: number;
  span: TimeSpan | null;
  width: number;
  height: number;
  active: boolean;
  onMessage: (text: string) => void;
}

export function FlowsView({ pages, version, span, width, height, active, onMessage }: FlowsViewProps) {
  const listRows = Math.max(1, height - 1);
  const list = useListWindow(pages, listRows, version);
  const layout = useMemo(() => flowLayout(width), [width]);
  const only = (what: string) => () => onMessage(`${what} (v: the exchanges)`);
  useCommands(
    'list',
    {
      ...movementCommands(list, listRows),
      open: only('no detail pane for connections'),
      sortNext: only('connections are listed by start time'),
      sortReverse: only('connections are listed by start time'),
      curl: only('curl commands are made of HTTP exchanges'),
    },
    active,
  );
  const rows = list.view.visible.map((f) => flowRow(f, layout, span));
  return (
    <ListRows
      header={flowHeader(layout)}
      rows={rows}
      selectedIndex={list.view.selectedIndex}
      height={listRows}
      width={width}
      empty="no connections in this session"
    />
  );
}
