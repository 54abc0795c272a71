/**
 * A ListWindow (list-window.ts) held by a component: created on first render, re-read around
 * its selection when the order changes (a sort) or the data does (a live session grew), read
 * from the top for other rows (a filter: finding where the old selection would be costs more
 * queries than a person is willing to wait for on a large session), resized with the
 * terminal. `act` mutates it and redraws.
 */
import { useReducer, useRef } from 'react';

import { ListWindow, type PageSource, type WindowView } from '../list-window.js';

interface Held<R> {
  win: ListWindow<R>;
  source: PageSource<R>;
  version: number;
  height: number;
}

export interface ListWindowHandle<R> {
  view: WindowView<R>;
  act: (f: (win: ListWindow<R>) => void) => void;
}

/** The moving keys every list shares: a line, a page of `pageRows`, the ends. */
export function movementCommands<R>(list: ListWindowHandle<R>, pageRows: number) {
  return {
    up: () => list.act((w) => w.move(-1)),
    down: () => list.act((w) => w.move(1)),
    pageUp: () => list.act((w) => w.scroll(-pageRows)),
    pageDown: () => list.act((w) => w.scroll(pageRows)),
    top: () => list.act((w) => w.home()),
    bottom: () => list.act((w) => w.end()),
  };
}

export function useListWindow<R>(source: PageSource<R>, height: number, version: number): ListWindowHandle<R> {
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const held = useRef<Held<R> | null>(null);
  // the window is read during render, so the first frame already shows the rows
  if (!held.current) {
    const win = new ListWindow(source, height);
    win.load();
    held.current = { win, source, version, height };
  } else {
    const h = held.current;
    if (h.height !== height) {
      h.win.resize(height);
      h.height = height;
    }
    if (h.source !== source && !source.sameRows?.(h.source)) h.win.refresh(source, false, true);
    else if (h.source !== source || h.version !== version) h.win.refresh(source, false);
    h.source = source;
    h.version = version;
  }
  const win = held.current.win;
  return {
    view: win.view(),
    act: (f) => {
      f(win);
      redraw();
    },
  };
}
