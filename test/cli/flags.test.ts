// Every command checks its flags before it does anything (opens a file, attaches a probe): a bad
// value is one line on stderr and exit status 2, and nothing is created.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { MAX_TIMER_MS, parseCount, parseDuration, parseLivePid, parseSize, parseTimeout } from '../../src/cli/units.js';
import { runCli } from '../helpers/run-cli.js';
import { makeSmallSession, tempDir } from '../helpers/session-files.js';

/** A pid no process can have: above the kernel's pid_max limit (2^22), within parsePid's range. */
const NO_PID = '1073741823';

describe('units', () => {
  it('durations: a number and a unit, never NaN, Infinity or negative', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('0s')).toBe(0);
    for (const bad of ['abc', '', '-1s', '30x', '1e3s', `${'9'.repeat(400)}h`]) expect(() => parseDuration(bad, '--duration')).toThrow(/^bad --duration/);
  });

  it('a timeout fits a timer: setTimeout fires at once past 2^31 - 1 ms', () => {
    expect(parseTimeout('24d', '--duration')).toBe(24 * 86_400_000);
    expect(() => parseTimeout('9999999h', '--duration')).toThrow("bad --duration '9999999h': the longest is 24d (596h)");
    expect(() => parseTimeout('30d', '--duration')).toThrow(/the longest is 24d/);
    expect(() => parseTimeout(`${MAX_TIMER_MS + 1}ms`, '--duration')).toThrow(/the longest/);
    expect(parseTimeout(`${MAX_TIMER_MS}ms`, '--duration')).toBe(MAX_TIMER_MS);
    expect(() => parseTimeout('0', '--duration')).toThrow(/at least 1ms/);
    expect(() => parseTimeout('0.0001s', '--duration')).toThrow(/at least 1ms/);
  });

  it('sizes and counts are safe integers', () => {
    expect(parseSize('4m')).toBe(4 << 20);
    expect(() => parseSize(`${'9'.repeat(400)}g`, '--buffer-size')).toThrow(/^bad --buffer-size/);
    expect(() => parseSize('4 parsecs', '--buffer-size')).toThrow(/^bad --buffer-size/);
    expect(parseCount('10', '--limit')).toBe(10);
    for (const bad of ['0', '-1', '1.5', '1e3', '99999999999999999999', 'ten', '']) expect(() => parseCount(bad, '--limit')).toThrow(/^bad --limit/);
  });

  it('a --pid must be a process that exists', () => {
    expect(parseLivePid(String(process.pid))).toBe(process.pid);
    expect(() => parseLivePid(NO_PID)).toThrow(`bad --pid ${NO_PID}: no process has that id (see ps -e)`);
  });
});

describe('bad flags: one line, exit 2, nothing done', () => {
  let dir = '';
  let session = '';
  beforeAll(async () => {
    dir = tempDir();
    session = join(dir, 's.tinytap');
    await makeSmallSession(session);
  });

  const record = (...flags: string[]) => ['record', '-o', join(dir, 'out.tinytap'), ...flags];
  const cases: [string, () => string[], RegExp][] = [
    // each of these used to start a recording: forever, for 1 ms, or of a process that is not there
    ['--duration abc', () => record('--duration', 'abc'), /^bad --duration 'abc'/],
    ["--duration ''", () => record('--duration', ''), /^bad --duration ''/],
    ['--duration -1s', () => record('--duration=-1s'), /^bad --duration '-1s'/],
    ['--duration 30d', () => record('--duration', '30d'), /^bad --duration '30d': the longest is 24d/],
    ['--duration 9999999h', () => record('--duration', '9999999h'), /^bad --duration '9999999h': the longest is 24d/],
    ['--duration 0', () => record('--duration', '0'), /at least 1ms/],
    ['--pid of no process', () => record('--pid', NO_PID), /^bad --pid 1073741823: no process has that id/],
    ['--pid 0', () => record('--pid', '0'), /^bad pid '0'/],
    ['--buffer-size 4g', () => record('--buffer-size', '4g'), /^bad --buffer-size '4g': use a power of two from 4k to 1g/],
    ['--buffer-size huge', () => record('--buffer-size', `${'9'.repeat(40)}g`), /^bad --buffer-size/],
    ['--buffer-size 3k', () => record('--buffer-size', '3k'), /power of two/],
    ['--max-payload 17m', () => record('--max-payload', '17m'), /^bad --max-payload '17m': the most is 16m/],
    ['--max-payload abc', () => record('--max-payload', 'abc'), /^bad --max-payload 'abc'/],
    ['--port 0', () => record('--port', '0'), /^bad port '0'/],
    ['--port 70000', () => record('--port', '70000'), /^bad port '70000'/],
    ["--comm ''", () => record('--comm', ''), /^bad --comm ''/],
    ['--comm of 16 bytes', () => record('--comm', 'éééééééé'), /^bad --comm 'éééééééé': a process name has 1 to 15 bytes/],
    ['--tui and --json', () => record('--tui', '--json'), /cannot be used together/],
    ['--rotate without --dir', () => record('--rotate', '15m'), /^--rotate, --keep and --user are for a recording into a directory: add --dir DIR/],
    ['--user without --dir', () => ['record', '--user'], /^--rotate, --keep and --user are for a recording into a directory: add --dir DIR \(or --dir --user\)/],
    ['--dir DIR --user', () => ['record', '--dir', join(dir, 'chain'), '--user'], /^--user chooses the directory: give --dir DIR, or --dir --user/],
    ['--dir with -o', () => record('--dir', join(dir, 'chain')), /^--dir and -o cannot be used together/],
    ['--dir --rotate banana', () => ['record', '--dir', join(dir, 'chain'), '--rotate', 'banana'], /^bad --rotate 'banana'/],
    ['--dir --rotate 0s', () => ['record', '--dir', join(dir, 'chain'), '--rotate', '0s'], /^bad --rotate '0s'/],
    ['--dir --rotate two sizes', () => ['record', '--dir', join(dir, 'chain'), '--rotate', '1MB,2MB'], /^bad --rotate '1MB,2MB': give at most one size/],
    ['--dir --keep 5XB', () => ['record', '--dir', join(dir, 'chain'), '--keep', '5XB'], /^bad --keep '5XB'/],
    ['ls --limit 0', () => ['ls', session, '--limit', '0'], /^bad --limit '0'/],
    ['ls --limit huge', () => ['ls', session, '--limit', '99999999999999999999'], /^bad --limit/],
    ['ls --sort foo', () => ['ls', session, '--sort', 'foo'], /^bad --sort 'foo'/],
    ['ls of no file, --bogus', () => ['ls', join(dir, 'none.tinytap'), '--bogus'], /^unknown option '--bogus'/],
    ['ls of no file, a bad filter', () => ['ls', join(dir, 'none.tinytap'), 'status:abc'], /^bad filter: bad status 'abc'/],
    ['search --limit x', () => ['search', session, 'x', '--limit', 'x'], /^bad --limit 'x'/],
    ['show abc', () => ['show', session, 'abc'], /^bad exchange id 'abc'/],
    ['show --raw --json', () => ['show', session, '1', '--raw', '--json'], /^--raw and --json cannot be used together/],
    ['export with no format', () => ['export', session], /^export needs exactly one of/],
    ['export --force without -o', () => ['export', session, '--har', '--force'], /^--force is for -o FILE/],
    ['export of no file, a bad filter', () => ['export', join(dir, 'none.tinytap'), '--har', '-o', join(dir, 'x.har'), 'status:abc'], /^bad filter/],
    ['diff --latency-threshold 1x', () => ['diff', session, session, '--latency-threshold', '1x'], /^bad --latency-threshold '1x'/],
    ['diff --latency-min-change alone', () => ['diff', session, session, '--latency-min-change', '5ms'], /^--latency-min-change is for --latency-threshold/],
    ['diff --latency-min-change huge', () => ['diff', session, session, '--latency-threshold', '2x', '--latency-min-change', `${'9'.repeat(40)}d`], /^bad --latency-min-change/],
    ["diff --ignore-header ''", () => ['diff', session, session, '--ignore-header', ''], /^bad --ignore-header ''/],
    ['diff --ignore-header a:b', () => ['diff', session, session, '--ignore-header', 'a:b'], /^bad --ignore-header 'a:b'/],
    ["diff --ignore-json-path '$'", () => ['diff', session, session, '--ignore-json-path', '$'], /^bad JSON path '\$'/],
  ];

  it.each(cases)('%s', async (_name, args, message) => {
    const before = readdirSync(dir).sort();
    const r = await runCli(...args());
    expect(r.err).toMatch(/^tinytap: /);
    expect(r.err.replace(/^tinytap: /, '').split('\n')[0]).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('-- CMD that cannot be run: exit 127 (as a shell), before anything is attached', async () => {
    const r = await runCli(...record('--', 'tinytap-no-such-command'));
    expect(r).toMatchObject({ code: 127, out: '', err: 'tinytap: cannot run tinytap-no-such-command: no such command (not a file, and not in PATH)\n' });
    expect(existsSync(join(dir, 'out.tinytap'))).toBe(false);
  });
});
