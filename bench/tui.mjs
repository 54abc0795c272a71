// `tinytap open` on a large session, in a real terminal (tmux): how long until the first list
// frame is on screen, how long the moves a person makes take (to the end, a filter, the
// detail), and the peak resident memory (VmHWM) of the process after all of them.
// Usage: benchTui(file) from bench/run.mjs, or `node bench/tui.mjs FILE` (prints JSON).
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

import { CLI, fmt, peakRss, sleep } from './lib.mjs';

const WIDTH = 120;
const HEIGHT = 30;

/** A tmux server of our own, one pane. */
function terminal() {
  const socket = `tinytap-bench-${process.pid}`;
  const tmux = (...args) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  let socketPath = null;
  return {
    start: (...args) => {
      tmux(...args);
      socketPath = tmux('display-message', '-p', '#{socket_path}').trim();
    },
    tmux,
    screen: () => tmux('capture-pane', '-p', '-t', 'b'),
    keys: (...keys) => {
      for (const k of keys) tmux('send-keys', '-t', 'b', k);
    },
    type: (text) => tmux('send-keys', '-t', 'b', '-l', text),
    // tmux leaves the socket file behind
    kill: () => {
      try {
        tmux('kill-server');
      } catch {}
      if (socketPath) rmSync(socketPath, { force: true });
    },
  };
}

/** Milliseconds until `ok(screen)`, polling every 5 ms. */
async function until(t, ok, what, timeoutMs = 600_000) {
  const start = performance.now();
  for (;;) {
    const screen = t.screen();
    if (ok(screen)) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`benchTui: timed out waiting for ${what}:\n${screen}`);
    await sleep(5);
  }
}

const selected = (screen) => screen.split('\n').find((l) => l.startsWith('›')) ?? '';

/**
 * Time to first screen and peak memory of `tinytap open FILE` (a built session: run
 * `tinytap reparse FILE` first, or the build is measured too).
 */
export async function benchTui(file) {
  const t = terminal();
  t.kill();
  const command = ['exec', 'env', '-u', 'CI', 'TERM=xterm-256color', 'LANG=C.UTF-8', process.execPath, CLI, 'open', file]
    .map((a) => (a === 'exec' ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
  const started = performance.now();
  t.start('new-session', '-d', '-s', 'b', '-x', String(WIDTH), '-y', String(HEIGHT), command);
  const pid = Number(t.tmux('display-message', '-p', '-t', 'b', '#{pane_pid}').trim());
  try {
    await until(t, (s) => selected(s) !== '', 'the first list frame');
    const firstScreenMs = performance.now() - started;
    const total = Number(/│ ([\d,]+) exchanges/.exec((await until(t, (s) => /│ [\d,]+ exchanges/.test(s), 'the count'), t.screen()))[1].replace(/,/g, ''));
    const countedMs = performance.now() - started;
    const rssAtFirstScreen = peakRss(pid);

    const steps = {};
    const step = async (name, keys, ok) => {
      const before = t.screen();
      const start = performance.now();
      keys();
      await until(t, (s) => s !== before && ok(s), name);
      steps[name] = performance.now() - start;
    };
    await step('end (G)', () => t.keys('G'), () => true);
    for (let i = 0; i < 20; i++) await step(`page up ${i}`, () => t.keys('PageUp'), () => true);
    await step('top (g)', () => t.keys('g'), () => true);
    for (let i = 0; i < 20; i++) await step(`page down ${i}`, () => t.keys('PageDown'), () => true);
    await step('sort by duration (o ×7)', () => t.type('ooooooo'), (s) => s.includes('sort duration ↑'));
    await step('sort reversed (r)', () => t.keys('r'), (s) => s.includes('sort duration ↓'));
    t.keys('/');
    await until(t, (s) => s.includes('filter: █'), 'the filter bar');
    await step('filter status:5xx method:POST, first page', () => t.type('status:5xx method:POST'), (s) => /filter status:5xx method:POST/.test(s));
    const filterCountMs = await until(t, (s) => /│ [\d,]+ \/ [\d,]+ exchanges/.test(s), 'the filtered count');
    t.keys('Enter');
    await until(t, (s) => !s.includes('filter: '), 'the bar to close');
    await step('filtered: end (G)', () => t.keys('G'), () => true);
    await step('detail (Enter)', () => t.keys('Enter'), (s) => s.includes('[Headers]'));
    for (const tab of ['Request body', 'Response body', 'Timing', 'Connection', 'Raw'])
      await step(`tab ${tab}`, () => t.keys('Tab'), (s) => s.includes(`[${tab}`));
    t.keys('Escape');
    await until(t, (s) => !s.includes('[Headers]'), 'the list');
    t.keys('s');
    await until(t, (s) => s.includes('search: '), 'the search bar');
    await step('search zebra-unicorn-42, first page', () => t.type('zebra-unicorn-42'), (s) => s.includes('search "zebra-unicorn-42"'));
    t.keys('Enter');
    await until(t, (s) => !s.includes('search: '), 'the search bar to close');
    const peak = peakRss(pid);
    t.keys('q');
    // the pane closes with the process: wait for the process, not the screen
    for (let i = 0; i < 1000 && existsSync(`/proc/${pid}`); i++) await sleep(10);
    const pages = Object.entries(steps).filter(([k]) => k.startsWith('page '));
    const pageMs = pages.map(([, v]) => v).sort((a, b) => a - b);
    const others = Object.fromEntries(Object.entries(steps).filter(([k]) => !k.startsWith('page ')));
    return {
      file,
      exchanges: total,
      firstScreenMs,
      countedMs,
      rssAtFirstScreenBytes: rssAtFirstScreen,
      peakRssBytes: peak,
      pageMedianMs: pageMs[Math.floor(pageMs.length / 2)],
      pageMaxMs: pageMs.at(-1),
      filterCountMs,
      steps: others,
    };
  } finally {
    t.kill();
  }
}

export function tuiMarkdown(r) {
  const ms = (v) => `${fmt(v)} ms`;
  const rows = Object.entries(r.steps).map(([k, v]) => `| ${k} | ${ms(v)} |`);
  return `\`tinytap open\` on ${fmt(r.exchanges)} exchanges in tmux (${WIDTH}×${HEIGHT}), times from the key to the screen showing it
(the screen is polled every 5 ms).

| | |
| --- | ---: |
| first list frame on screen (process start included) | ${ms(r.firstScreenMs)} |
| total count shown | ${ms(r.countedMs)} |
| page up / page down, median (max) of 40 | ${ms(r.pageMedianMs)} (${ms(r.pageMaxMs)}) |
${rows.join('\n')}
| count of the filter shown | ${ms(r.filterCountMs)} |
| peak resident memory (VmHWM) at the first frame | ${fmt(r.rssAtFirstScreenBytes / 2 ** 20)} MiB |
| peak resident memory (VmHWM) after all of the above | ${fmt(r.peakRssBytes / 2 ** 20)} MiB |`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/tui.mjs FILE.tinytap');
    process.exit(2);
  }
  const r = await benchTui(file);
  console.log(JSON.stringify(r, null, 2));
  console.log(tuiMarkdown(r));
}
