// Every command over every file of the hostile corpus (testdata/hostile/corpus.ts), each run as
// a real process in a directory of its own, with its address space capped and a deadline: what
// it exits with, that an error is one line and never a stack or an "internal error", that no
// escape sequence reaches the terminal, and that nothing is created or changed but what the
// command may write (SPEC.md §4.1). `open` runs in tmux.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

import { HOSTILE_CASES, type HostileCase, writeBusySession, writeCorpus } from '../../testdata/hostile/corpus.js';
import { Terminal, hasTmux } from '../helpers/tmux-terminal.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** TINYTAP_CLI: another build to run the corpus against (an older one, to see it fail). */
const CLI = process.env.TINYTAP_CLI ?? join(ROOT, 'bin/tinytap.js');

/** Generous caps, enforced from outside: a command past them was killed, never timed. */
const DEADLINE_MS = 90_000;
const ADDRESS_SPACE = 2 << 30;
const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;

interface Command {
  name: string;
  args: (file: string, good: string) => string[];
  /** It may build the exchanges into the file it reads (everything but info). */
  writes: boolean;
  /** It reads exchanges (not only meta and the raw tables). */
  reads: 'meta' | 'exchanges' | 'flows' | 'rebuild';
}

const COMMANDS: Command[] = [
  { name: 'info', args: (f) => ['info', f], writes: false, reads: 'meta' },
  { name: 'info --check', args: (f) => ['info', '--check', f], writes: false, reads: 'meta' },
  { name: 'ls', args: (f) => ['ls', f], writes: true, reads: 'exchanges' },
  { name: 'ls --json', args: (f) => ['ls', '--json', f], writes: true, reads: 'exchanges' },
  { name: 'show 1', args: (f) => ['show', f, '1'], writes: true, reads: 'exchanges' },
  { name: 'show 1 --raw', args: (f) => ['show', f, '1', '--raw'], writes: true, reads: 'exchanges' },
  { name: 'search', args: (f) => ['search', f, 'hello'], writes: true, reads: 'exchanges' },
  { name: 'conns', args: (f) => ['conns', f], writes: true, reads: 'flows' },
  { name: 'export --har', args: (f) => ['export', '--har', f], writes: true, reads: 'exchanges' },
  { name: 'export --curl', args: (f) => ['export', '--curl', f], writes: true, reads: 'exchanges' },
  { name: 'export --postman', args: (f) => ['export', '--postman', f], writes: true, reads: 'exchanges' },
  { name: 'diff', args: (f, good) => ['diff', f, good], writes: true, reads: 'exchanges' },
  { name: 'reparse', args: (f) => ['reparse', f], writes: true, reads: 'rebuild' },
];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  killed: boolean;
}

/**
 * tinytap as a process, its address space capped, stdin a pipe left open (a read of it would
 * hang); `interruptAfterMs`: Ctrl-C (SIGINT) it then, as a terminal would.
 */
function runTinytap(args: string[], cwd: string, interruptAfterMs?: number): Promise<Run & { endedAfterInterruptMs: number | null }> {
  const node = [process.execPath, '--max-old-space-size=1024', CLI, ...args];
  const argv = hasPrlimit ? ['prlimit', `--as=${ADDRESS_SPACE}`, '--', ...node] : node;
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', LANG: 'C.UTF-8' };
  delete env.TINYTAP_DEBUG;
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let killed = false;
    let interruptedAt: number | null = null;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, DEADLINE_MS);
    const interrupt =
      interruptAfterMs === undefined
        ? null
        : setTimeout(() => {
            interruptedAt = Date.now();
            // prlimit execs node: the pid is node's
            child.kill('SIGINT');
          }, interruptAfterMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {});
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (interrupt) clearTimeout(interrupt);
      const endedAfterInterruptMs = interruptedAt === null ? null : Date.now() - interruptedAt;
      resolve({ code, signal, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8'), killed, endedAfterInterruptMs });
    });
  });
}

type Snapshot = Map<string, string>;

/** Every file of a directory: its size, time of change and content. */
function snapshot(dir: string): Snapshot {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    const hash = st.isFile() ? createHash('sha1').update(readFileSync(join(dir, name))).digest('hex') : 'not a file';
    files.set(name, `${st.size} ${st.mtimeMs} ${hash}`);
  }
  return files;
}

/** Run jobs, at most `n` at a time. */
async function inPool<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
  return results;
}

// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /[\x1b\u0080-\u009f]/;

let corpus: { good: string; cases: Map<string, string> };

/** The built CLI (bin/tinytap.js runs dist/): rebuilt if a source is newer. */
function ensureBuilt(): void {
  const built = join(ROOT, 'dist/cli/main.js');
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  if (!existsSync(built) || newest(join(ROOT, 'src')) > statSync(built).mtimeMs) execFileSync('npm', ['run', '-s', 'build:ts'], { cwd: ROOT, stdio: 'inherit' });
}

beforeAll(async () => {
  if (!process.env.TINYTAP_CLI) ensureBuilt();
  corpus = await writeCorpus(mkdtempSync(join(tmpdir(), 'tinytap-hostile-')));
}, 300_000);

interface Outcome {
  cmd: Command;
  run: Run;
  before: Snapshot;
  after: Snapshot;
}

async function runCommand(c: HostileCase, cmd: Command): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), `tinytap-hostile-${c.name}-`));
  copyFileSync(corpus.cases.get(c.name)!, join(dir, 'case.tinytap'));
  copyFileSync(corpus.good, join(dir, 'good.tinytap'));
  const before = snapshot(dir);
  const run = await runTinytap(cmd.args('case.tinytap', 'good.tinytap'), dir);
  return { cmd, run, before, after: snapshot(dir) };
}

/** What every run must show, whatever the case. */
function checkAlways(c: HostileCase, { cmd, run, before, after }: Outcome): void {
  const what = `${c.name}: tinytap ${cmd.name}`;
  expect.soft(run.killed, `${what} went past ${DEADLINE_MS} ms or its memory`).toBe(false);
  expect.soft(run.signal, `${what} died of a signal`).toBeNull();
  expect.soft(run.err, `${what}: no internal error`).not.toMatch(/internal error|\n\s+at |RangeError|TypeError|FATAL|Aborted/);
  // `search` finding nothing and `diff` finding differences exit 1 and say nothing more
  const answered = run.code === 1 && run.err === '' && (cmd.name === 'search' || cmd.name === 'diff');
  if (run.code !== 0 && !answered) expect.soft(run.err, `${what} failed with one line`).toMatch(/^tinytap: [^\n]*\n$/);
  else for (const line of run.err.split('\n').filter(Boolean)) expect.soft(line, `${what}: stderr holds only tinytap's notes`).toMatch(/^tinytap: /);
  // no other file appears or goes (journals, WAL, temp files), and the other session is untouched
  expect.soft([...after.keys()].sort(), `${what}: files in its directory`).toEqual([...before.keys()].sort());
  expect.soft(after.get('good.tinytap'), `${what}: the other session untouched`).toBe(before.get('good.tinytap'));
  if (!cmd.writes || c.outcome === 'refused') expect.soft(after.get('case.tinytap'), `${what}: the file untouched`).toBe(before.get('case.tinytap'));
}

function checkEscapes(c: HostileCase, { cmd, run }: Outcome): void {
  // `show --raw` into a pipe writes the bytes as captured, on purpose (a terminal gets them escaped)
  if (cmd.name === 'show 1 --raw') return;
  expect(run.out + run.err, `${c.name}: tinytap ${cmd.name} sends a terminal control character`).not.toMatch(TERMINAL_CONTROL);
}

function checkRefused(c: HostileCase, { cmd, run }: Outcome): void {
  const what = `${c.name}: tinytap ${cmd.name}`;
  expect.soft(run.code, `${what} exit code`).toBe(cmd.name === 'diff' ? 2 : 1);
  expect.soft(run.err, `${what} says why`).toMatch(c.says!);
  expect.soft(run.out, `${what} prints nothing`).toBe('');
}

function checkRead(c: HostileCase, { cmd, run }: Outcome): void {
  const what = `${c.name}: tinytap ${cmd.name}`;
  const broken = c.derivedBroken && (cmd.reads === 'exchanges' || cmd.reads === c.derivedBroken) && run.code !== 0;
  if (broken) {
    expect.soft(run.err, `${what}: a damaged derived row points at reparse`).toMatch(/tinytap reparse/);
    return;
  }
  if (cmd.name === 'info') {
    expect.soft(run.code, `${what} exit code`).toBe(0);
    expect.soft(run.out, `${what} has a damage line`).toMatch(/\ndamage +\S/);
    // damage that shows without decompressing is counted; the rest is only claimed not found
    if (c.damaged) expect.soft(run.out, `${what} does not say "none"`).not.toMatch(/\ndamage +none\n/);
  } else if (cmd.name === 'info --check') {
    expect.soft(run.code, `${what} exit code`).toBe(c.damaged ? 1 : 0);
    if (c.damaged) expect.soft(run.out, `${what} shows the damage`).toMatch(/\ndamage +[\d,]+ .*DAMAGED/);
    else expect.soft(run.out, `${what} finds none`).toMatch(/\ndamage +none\n/);
  } else if (cmd.name === 'diff') {
    expect.soft([0, 1], `${what} exit code (same, or differs)`).toContain(run.code);
  } else if (cmd.name === 'search' || cmd.name.startsWith('show')) {
    // nothing found, or no exchange 1 in what could be read, is an answer
    expect.soft([0, 1], `${what} exit code`).toContain(run.code);
  } else expect.soft(run.code, `${what} exit code`).toBe(0);
}

describe('every command over every hostile file', () => {
  it('has a corpus whose every case says what it exercises and what readers do', () => {
    for (const c of HOSTILE_CASES) {
      expect(c.exercises.length, c.name).toBeGreaterThan(10);
      expect(c.outcome === 'refused' ? !!c.says : !c.says, c.name).toBe(true);
    }
  });

  const parallel = Math.max(2, Math.min(4, availableParallelism()));
  for (const c of HOSTILE_CASES) {
    describe(c.name, () => {
      let outcomes: Outcome[] = [];
      beforeAll(async () => {
        outcomes = await inPool(
          COMMANDS.map((cmd) => () => runCommand(c, cmd)),
          parallel,
        );
      }, 20 * DEADLINE_MS);

      it(`${c.outcome === 'refused' ? 'is refused in one line by' : 'is read by'} every command, within bounds, changing nothing else (${c.exercises})`, () => {
        for (const o of outcomes) {
          checkAlways(c, o);
          if (c.outcome === 'refused') checkRefused(c, o);
          else checkRead(c, o);
        }
        if (c.derivedBroken) {
          expect(outcomes.some((o) => o.run.code !== 0), `${c.name}: some command notices`).toBe(true);
          expect(outcomes.find((o) => o.cmd.name === 'reparse')!.run.code, `${c.name}: reparse rebuilds`).toBe(0);
        }
      });

      for (const cmd of COMMANDS) {
        it(`tinytap ${cmd.name} sends no escape sequence to the terminal`, () => {
          checkEscapes(c, outcomes.find((o) => o.cmd === cmd)!);
        });
      }
    });
  }
});

describe.skipIf(!hasTmux)('tinytap open over every hostile file, in a terminal', () => {
  /** Run `open` on the case; the screen and exit status when it refused, or once q left the UI. */
  async function openInTmux(c: HostileCase): Promise<{ screen: string; status: number | null; drawn: boolean }> {
    const dir = mkdtempSync(join(tmpdir(), `tinytap-hostile-open-${c.name}-`));
    const file = join(dir, 'case.tinytap');
    copyFileSync(corpus.cases.get(c.name)!, file);
    const t = new Terminal(CLI);
    try {
      t.start(['open', file], 120, 30);
      await t.waitFor((s) => t.exitStatus() !== null || s.includes('tinytap [Exchanges]'), 'the UI or an exit', DEADLINE_MS);
      const drawn = t.exitStatus() === null;
      const ui = t.screen();
      if (drawn) {
        t.keys('q');
        await t.waitFor(() => t.exitStatus() !== null, 'q to quit', 20_000);
      }
      // what it left on the terminal once it ended (the pane stays), lines joined where they wrapped
      return { screen: drawn ? ui + t.screen() : t.screen(), status: t.exitStatus(), drawn };
    } finally {
      t.kill();
    }
  }

  for (const c of HOSTILE_CASES) {
    it(`${c.name}: ${c.outcome === 'refused' ? 'refused in one line before the UI' : 'shown, and q quits'}`, async () => {
      const r = await openInTmux(c);
      if (c.outcome === 'refused') {
        expect(r.drawn).toBe(false);
        expect(r.status).toBe(1);
        expect(r.screen.replace(/\n/g, '')).toMatch(c.says!);
        expect(r.screen.match(/tinytap: /g)).toHaveLength(1);
      } else {
        expect(r.screen).not.toMatch(/internal error|\n\s+at /);
        expect(r.status).toBe(r.drawn ? 0 : 1);
      }
    }, 2 * DEADLINE_MS);
  }
});

describe('Ctrl-C in the middle of the work', () => {
  // A first build of 30,000 exchanges takes seconds; Ctrl-C comes 0.7 s in. SQLite runs on
  // tinytap's one thread (better-sqlite3 is synchronous, its build has no progress handler, and
  // a worker blocked in SQLite can be neither terminated nor waited for): no reader installs a
  // SIGINT handler, which could only run after the statement, so the process ends at once,
  // as any Unix tool does on Ctrl-C. A build is one transaction: the next open rolls it back.
  let busy = '';
  beforeAll(async () => {
    busy = join(mkdtempSync(join(tmpdir(), 'tinytap-busy-')), 'busy.tinytap');
    await writeBusySession(busy, 30_000);
  }, 300_000);

  const interruptible = COMMANDS.filter((c) => c.writes);
  it.each(interruptible.map((c) => [c.name, c] as const))('tinytap %s ends at once, leaving a file the next command reads', async (_name, cmd) => {
    const dir = mkdtempSync(join(tmpdir(), 'tinytap-interrupt-'));
    copyFileSync(busy, join(dir, 'case.tinytap'));
    copyFileSync(corpus.good, join(dir, 'good.tinytap'));
    const run = await runTinytap(cmd.args('case.tinytap', 'good.tinytap'), dir, 700);
    expect(run.endedAfterInterruptMs, 'it was still at work when Ctrl-C came').not.toBeNull();
    expect(run.signal).toBe('SIGINT');
    expect(run.endedAfterInterruptMs).toBeLessThan(5000);
    expect(run.err).not.toMatch(/internal error|\n\s+at /);
    // at most SQLite's journal of the build it rolled back is left: the next open reads it
    expect([...snapshot(dir).keys()].filter((n) => !['case.tinytap', 'good.tinytap', 'case.tinytap-journal'].includes(n))).toEqual([]);
    const next = await runTinytap(['ls', '--json', 'case.tinytap'], dir);
    expect(next.code).toBe(0);
    expect(next.out.split('\n').filter(Boolean)).toHaveLength(30_000);
  }, 4 * DEADLINE_MS);
});

describe.skipIf(!hasTmux)('Ctrl-C in tinytap open', () => {
  let busy = '';
  beforeAll(async () => {
    busy = join(mkdtempSync(join(tmpdir(), 'tinytap-busy-open-')), 'busy.tinytap');
    await writeBusySession(busy, 30_000);
  }, 300_000);

  it('ends it at once while it builds the exchanges, and quits the UI once it is drawn', async () => {
    const building = new Terminal(CLI);
    try {
      building.start(['open', busy]);
      await new Promise((r) => setTimeout(r, 1500));
      const at = Date.now();
      building.keys('C-c');
      // outside raw mode Ctrl-C reaches the whole foreground group: the pane's shell ends too
      await building.waitFor(() => building.exitStatus() !== null || building.paneDead(), 'Ctrl-C to end it', 5000);
      expect(Date.now() - at).toBeLessThan(5000);
      expect(building.screen()).not.toMatch(/internal error|\n\s+at /);
    } finally {
      building.kill();
    }
    const drawn = new Terminal(CLI);
    try {
      drawn.start(['open', busy]);
      await drawn.waitFor((s) => s.includes('tinytap [Exchanges]'), 'the UI', DEADLINE_MS);
      drawn.keys('C-c');
      await drawn.waitFor(() => drawn.exitStatus() !== null, 'Ctrl-C to quit', 5000);
      expect(drawn.exitStatus()).toBe(0);
    } finally {
      drawn.kill();
    }
  }, 4 * DEADLINE_MS);
});
