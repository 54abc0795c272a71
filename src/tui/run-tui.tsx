/**
 * Running the TUI on a terminal: open the session (or follow one being recorded), draw the App
 * on the alternate screen, and put the terminal back as it was however it ends. `tinytap open`
 * calls it, and so can `tinytap record --tui` (with follow: the file it is writing).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { render } from 'ink';

import { ensureTextIndex, openSession } from '../cli/open-session.js';
import { useColor } from '../render/format.js';
import { registerFilterFunctions } from '../query/index.js';
import { followSession } from '../session/live.js';
import { Session } from '../session/session.js';
import { App } from './components/App.js';
import { ColorContext } from './components/theme.js';
import { CountCache, type Counter, InlineCounter, WorkerCounter, countWorkerScript } from './counter.js';
import type { LiveUpdates } from './hooks/use-live.js';
import { SessionQueries } from '../session/session-queries.js';
import { chainFacts } from '../session/session-info.js';
import { isBeingBorn } from '../session/recorder-alive.js';

export interface TuiOptions {
  /** The session file. */
  file: string;
  /** Follow it while another process records it: exchanges appear as they complete. */
  follow?: boolean;
  /** How often a followed session is polled for new records (ms). */
  intervalMs?: number;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  /** Close the TUI from outside (the recording it shows ended, say). */
  signal?: AbortSignal;
}

const ALT_SCREEN_ON = '\x1b[?1049h';
const ALT_SCREEN_OFF = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

/** A finished file needs no following: it is opened as it is (built on first use). */
function isStillRecording(path: string): boolean {
  const s = Session.open(path, { build: false });
  try {
    return new SessionQueries(s).recording();
  } finally {
    s.close();
  }
}

interface Opened {
  session: Session;
  live: (LiveUpdates & { stop(): void }) | null;
}

function openFor(opts: TuiOptions): Opened {
  if (opts.follow && isStillRecording(opts.file)) {
    const live = followSession(opts.file, { intervalMs: opts.intervalMs });
    return { session: live.session, live };
  }
  const session = openSession(opts.file);
  // the list has a search box: the index is filled before the UI starts, with a progress line,
  // rather than in the middle of it with the screen frozen
  ensureTextIndex(session);
  return { session, live: null };
}

function counterFor(file: string, session: Session): Counter {
  // the exchanges of a file being recorded are in temp tables that a worker's connection would
  // not see; from the TypeScript sources (tsx) there is no built worker script
  const script = session.derivedInTemp() ? null : countWorkerScript();
  return script ? new WorkerCounter(file, script) : new InlineCounter(session);
}

/**
 * Show the session until the user quits (q) or `signal` aborts. A followed file of a `record
 * --dir` chain that the recorder closes for the next is followed on into the next.
 */
export async function runTui(opts: TuiOptions): Promise<void> {
  let file: string | null = opts.file;
  while (file !== null) {
    const next: string | null = await showOne({ ...opts, file });
    if (next !== null) await described(next);
    file = next;
  }
}

/**
 * Wait (a few seconds at most) for the recorder to describe a file it has just made: followed
 * before its first commit, it would look like a file nobody records.
 */
async function described(path: string): Promise<void> {
  for (let waited = 0; waited < 5000; waited += 50) {
    const s = Session.open(path, { build: false });
    try {
      if (!isBeingBorn(s.db)) return;
    } finally {
      s.close();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The file the recorder went on in, when it closed `session` on schedule (meta chain.next). */
function nextOfChain(path: string, session: Session): string | null {
  const next = chainFacts(session.db).chain?.next;
  if (!next || next.includes('/')) return null;
  const file = join(dirname(path), next);
  return existsSync(file) ? file : null;
}

/** One file shown; the next of its chain if the UI moved on to it, else null. */
async function showOne(opts: TuiOptions): Promise<string | null> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const { session, live } = openFor(opts);
  registerFilterFunctions(session.db);
  const counts = new CountCache(counterFor(opts.file, session));
  const restore = () => stdout.write(SHOW_CURSOR + ALT_SCREEN_OFF);
  const onSignal = () => instance.unmount();
  stdout.write(ALT_SCREEN_ON);
  const instance = render(
    // eslint-disable-next-line react-hooks/rules-of-hooks -- render/format's useColor asks the terminal, it is no hook
    <ColorContext.Provider value={useColor(stdout)}>
      <App session={session} queries={new SessionQueries(session)} counts={counts} file={opts.file} live={live} />
    </ColorContext.Provider>,
    { stdout, stdin, exitOnCtrlC: false, patchConsole: true, incrementalRendering: true },
  );
  let moved: string | null = null;
  const unfollow = live?.onUpdate((u) => {
    if (u.recording || moved !== null) return;
    moved = nextOfChain(opts.file, session);
    if (moved !== null) instance.unmount();
  });
  opts.signal?.addEventListener('abort', onSignal, { once: true });
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  try {
    await instance.waitUntilExit();
  } finally {
    opts.signal?.removeEventListener('abort', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    instance.cleanup();
    restore();
    unfollow?.();
    live?.stop();
    counts.close();
    session.close();
  }
  return opts.signal?.aborted ? null : moved;
}
