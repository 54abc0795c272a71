/**
 * --since, --until and --last, and since:/until: in the filter, end to end: `tinytap ls` on a
 * session whose requests were made at known local times selects exactly those in the range.
 * "Now" is fixed (only Date is faked) and local time is America/New_York, set before any date is
 * made; the session is written before the clock is fixed.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { runCli } from '../helpers/run-cli.js';
import { CURL, PYTHON, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

const savedTz = process.env.TZ;
process.env.TZ = 'America/New_York';

/** Friday 2026-11-20 12:00 local. */
const NOW = new Date(2026, 10, 20, 12, 0);

/** When each request was made, local time, by the id ls gives it. */
const REQUESTS: [id: number, at: Date][] = [
  [1, new Date(2026, 10, 18, 9, 0)], // Wednesday
  [2, new Date(2026, 10, 19, 13, 59, 30)], // yesterday, just before 14:00
  [3, new Date(2026, 10, 19, 14, 0, 10)], // yesterday, in the minute of 14:00
  [4, new Date(2026, 10, 19, 15, 30)],
  [5, new Date(2026, 10, 20, 10, 0)], // today
  [6, new Date(2026, 10, 20, 11, 45)], // a quarter of an hour ago
];

let file = '';

beforeAll(async () => {
  file = join(tempDir('tinytap-time-flags-'), 'week.tinytap');
  const s = new ScriptedSession(file);
  for (const [id, at] of REQUESTS) {
    s.wait(at.getTime() - Number(s.tick() / 1_000_000n));
    const c = s.tcp(CURL, PYTHON, { clientPort: 40000 + id });
    c.send('c2s', `GET /r${id} HTTP/1.1\r\nHost: api.local\r\n\r\n`);
    c.send('s2c', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    c.close();
  }
  await s.finish();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});

afterAll(() => {
  vi.useRealTimers();
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** The ids `tinytap ls FILE ...args --json` lists. */
async function ls(...args: string[]): Promise<number[]> {
  const run = await runCli('ls', file, '--json', ...args);
  expect(run.err).toBe('');
  expect(run.code).toBe(0);
  return run.out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { id: number }).id);
}

describe('ls selects exactly the exchanges in the range', () => {
  it('the session holds what the script made, when it made it', async () => {
    const run = await runCli('ls', file, '--json');
    const times = run.out.trim().split('\n').map((line) => (JSON.parse(line) as { time: string }).time.slice(0, 19));
    expect(times).toEqual(REQUESTS.map(([, at]) => at.toISOString().slice(0, 19)));
  });

  const cases: [string[], number[]][] = [
    [[], [1, 2, 3, 4, 5, 6]],
    [['--since', 'yesterday 14:00', '--until', 'yesterday 15:30'], [3, 4]],
    [['--since', 'yesterday 14:00'], [3, 4, 5, 6]],
    [['since:"yesterday 14:00"'], [3, 4, 5, 6]],
    [['since:"yesterday 14:00" until:"yesterday 15:00"'], [3]],
    [['--since', 'yesterday', '--until', 'yesterday'], [2, 3, 4]],
    [['--since', 'thursday', '--until', 'thursday 14:00'], [2, 3]],
    [['--since', 'wednesday', '--until', 'wed'], [1]],
    [['--since', 'today'], [5, 6]],
    [['--last', '30m'], [6]],
    [['--last', '22h'], [3, 4, 5, 6]],
    [['--last', '2d'], [2, 3, 4, 5, 6]],
    [['--since', '3h ago'], [5, 6]],
    [['--until', '1w'], []],
    // 14:00 in New York (EST) is 19:00 UTC
    [['--since', '2026-11-19T19:00:00Z'], [3, 4, 5, 6]],
    [['--since', '2026-11-19T14:00:00.5-05:00', '--until', '2026-11-19 14:00'], [3]],
    // the flags add to the filter; an 'or' stays one term of it
    [['path:/r1', 'or', 'path:/r4', '--since', 'yesterday'], [4]],
    [['-path:/r5', '--since', 'today 09:00'], [6]],
  ];
  it.each(cases)('%j', async (args, ids) => {
    expect(await ls(...args)).toEqual(ids);
  });
});

describe('the other commands that take a filter take the flags', () => {
  it('search', async () => {
    const run = await runCli('search', file, 'api.local', '--json', '--since', 'yesterday 14:00', '--until', 'yesterday 15:30');
    expect(run.code).toBe(0);
    expect(run.out.trim().split('\n').map((line) => (JSON.parse(line) as { id: number }).id)).toEqual([3, 4]);
  });

  it('export', async () => {
    const run = await runCli('export', file, '--har', '--last', '30m');
    expect(run.code).toBe(0);
    const har = JSON.parse(run.out) as { log: { entries: { request: { url: string } }[] } };
    expect(har.log.entries.map((e) => e.request.url)).toEqual(['http://api.local/r6']);
  });
});

describe('a time a user gets wrong: one line, exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['--since', 'banana'], /^tinytap: bad --since 'banana': use a time today \(10:30, 10:30:15\), a day/],
    [['--until', '25:00'], /^tinytap: bad --until '25:00': bad time of day '25:00': use/],
    [['--last', 'yesterday'], /^tinytap: bad --last 'yesterday': use a duration, like 30m/],
    [['--last', '30m', '--since', '2h'], /^tinytap: --last and --since both say where the range starts: use one$/],
    [['--since', 'yesterday', '14:00'], /^tinytap: --since takes one argument: quote a time with a space in it, like --since 'yesterday 14:00'$/],
  ];
  it.each(cases)('%j', async (args, message) => {
    const run = await runCli('ls', file, ...args);
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err.trimEnd().split('\n')).toHaveLength(1);
    expect(run.err.trimEnd()).toMatch(message);
  });

  it('a time with a space, unquoted in the filter, points at both words', async () => {
    const run = await runCli('ls', file, 'since:yesterday', '14:00');
    expect(run.code).toBe(2);
    expect(run.err).toBe(
      [
        `tinytap: bad filter: the time after 'since:' has a space in it: quote it: since:"yesterday 14:00"`,
        '  since:yesterday 14:00',
        '  ^^^^^^^^^^^^^^^^^^^^^',
        '',
      ].join('\n'),
    );
  });
});
