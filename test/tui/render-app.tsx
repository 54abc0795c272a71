/**
 * Rendering the TUI's App on a session with ink-testing-library: keys are written to its stdin
 * one by one (each followed by a pause for ink to read it and React to redraw), frames read
 * back as text. Counting runs inline; the clipboard is a recorder.
 */
import { render } from 'ink-testing-library';

import { registerFilterFunctions } from '../../src/query/index.js';
import { Session } from '../../src/session/session.js';
import { App } from '../../src/tui/components/App.js';
import { ColorContext } from '../../src/tui/components/theme.js';
import { CountCache, InlineCounter } from '../../src/tui/counter.js';
import type { LiveUpdates } from '../../src/tui/hooks/use-live.js';
import { SessionQueries } from '../../src/session/session-queries.js';
import { tempDir } from '../helpers/session-files.js';

export const KEY = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  home: '\x1b[H',
  end: '\x1b[F',
  enter: '\r',
  tab: '\t',
  shiftTab: '\x1b[Z',
  esc: '\x1b',
  backspace: '\x7f',
  ctrlU: '\x15',
};

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AppOptions {
  columns?: number;
  rows?: number;
  color?: boolean;
  live?: LiveUpdates | null;
  session?: Session;
}

export function renderApp(file: string, opts: AppOptions = {}) {
  const session = opts.session ?? Session.open(file);
  registerFilterFunctions(session.db);
  const cwd = tempDir('tinytap-tui-cwd-');
  const terminal: string[] = [];
  const quits: number[] = [];
  const counts = new CountCache(new InlineCounter(session, 0));
  const queries = new SessionQueries(session);
  const element = (columns: number, rows: number) => (
    <ColorContext.Provider value={opts.color ?? true}>
      <App
        session={session}
        queries={queries}
        counts={counts}
        file={file}
        live={opts.live ?? null}
        size={{ columns, rows }}
        debounceMs={10}
        cwd={cwd}
        clipboard={{ env: {}, writeTerminal: (s) => terminal.push(s) }}
        onQuit={() => quits.push(1)}
      />
    </ColorContext.Provider>
  );
  const r = render(element(opts.columns ?? 100, opts.rows ?? 30));
  const frame = () => r.lastFrame() ?? '';
  // eslint-disable-next-line no-control-regex
  const text = () => frame().replace(/\x1b\[[0-9;]*m/g, '');
  return {
    ...r,
    session,
    cwd,
    terminal,
    quits,
    /** The frame as written, with ink's styles (when chalk has a colour level). */
    frame,
    /** The frame's lines without ink's styles. */
    lines: () => text().split('\n'),
    /** The terminal was resized. */
    async resize(columns: number, rows: number) {
      r.rerender(element(columns, rows));
      await pause(25);
    },
    /**
     * Type keys one at a time, each read and drawn before the next: the view that takes the
     * focus subscribes to keys in an effect, after its first frame, so a key typed at once
     * after that frame would still go to the view that had the focus.
     */
    async press(...keys: string[]) {
      for (const k of keys) {
        const before = r.frames.length;
        r.stdin.write(k);
        for (let waited = 0; r.frames.length === before && waited < 300; waited += 5) await pause(5);
        await pause(30);
      }
    },
    /** Wait until the frame satisfies `ok` (a count arriving, a debounced filter). */
    async waitFor(ok: (text: string) => boolean, what = 'the expected frame'): Promise<string> {
      for (let i = 0; i < 200; i++) {
        if (ok(text())) return frame();
        await pause(10);
      }
      throw new Error(`timed out waiting for ${what}; last frame:\n${frame()}`);
    },
    close() {
      r.unmount();
      if (!opts.session) session.close();
    },
  };
}
