// Every command over a hostile session (escape sequences, C1 controls and bytes that are not
// UTF-8 in process names, command lines, unix paths, meta, headers, URLs and bodies), as a
// process of its own, on a terminal and into a pipe: no ESC, C1 or other control byte of the
// data reaches either, only the colours and progress bar tinytap draws itself.
/* eslint-disable no-control-regex -- the point is control characters */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Session } from '../../src/session/session.js';
import { removeCliBundle, runCliProcess } from '../helpers/cli-process.js';
import { HOSTILE, OWN_SEQUENCES, breakMetaHostilely, terminalControls, writeHostileSession } from '../helpers/hostile-session.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-hostile-');
/** A session file named like an escape sequence: its name is printed too. */
const EVIL_NAME = `e${HOSTILE.title}.tinytap`;

beforeAll(async () => {
  await writeHostileSession(join(dir, 'a.tinytap'), 0);
  await writeHostileSession(join(dir, 'b.tinytap'), 1);
  // exchanges built now: the commands below run at once, and would all build them
  for (const f of ['a.tinytap', 'b.tinytap']) Session.open(join(dir, f)).close();
  copyFileSync(join(dir, 'a.tinytap'), join(dir, 'broken.tinytap'));
  breakMetaHostilely(join(dir, 'broken.tinytap'));
  copyFileSync(join(dir, 'a.tinytap'), join(dir, EVIL_NAME));
  copyFileSync(join(dir, 'a.tinytap'), join(dir, 'reparse.tinytap'));
}, 60_000);
afterAll(removeCliBundle);

interface Case {
  args: string[];
  /** The exit code: 0; 1 for "differs" or an error; 2 for a usage error, or diff's error. */
  code: number;
  /** Text the output must hold, escaped: the hostile values are shown, not dropped. */
  shows?: string;
}

const CASES: Case[] = [
  { args: ['info', 'a.tinytap'], code: 0, shows: 'host\\x1b]52;c;aGFja2Vk\\x07' },
  { args: ['info', '--json', 'a.tinytap'], code: 0 },
  { args: ['info', EVIL_NAME], code: 0, shows: 'e\\x1b]0;pwned\\x1b\\' },
  { args: ['ls', 'a.tinytap'], code: 0, shows: '\\x1b]0;x\\x07\\x9b2K' },
  { args: ['ls', '--json', 'a.tinytap'], code: 0 },
  { args: ['show', 'a.tinytap', '1'], code: 0, shows: 'one \\x1b]52;c;aGFja2Vk\\x07' },
  { args: ['show', 'a.tinytap', '2', '--full'], code: 0 },
  { args: ['show', 'a.tinytap', '3'], code: 0 },
  { args: ['show', 'a.tinytap', '4'], code: 0 },
  { args: ['show', 'a.tinytap', '1', '--json'], code: 0 },
  { args: ['search', 'a.tinytap', 'line'], code: 0, shows: '\\x1b]0;x\\x07\\x9b2K' },
  { args: ['search', 'a.tinytap', 'pwned'], code: 0 },
  { args: ['search', 'a.tinytap', 'pwned', '--json'], code: 0 },
  { args: ['conns', 'a.tinytap'], code: 0, shows: '/tmp/s\\x1b]52;c;aGFja2Vk\\x07\\x9b2J' },
  { args: ['conns', '--json', 'a.tinytap'], code: 0 },
  { args: ['diff', 'a.tinytap', 'b.tinytap'], code: 1 },
  { args: ['diff', '--json', 'a.tinytap', 'b.tinytap'], code: 1 },
  { args: ['export', 'a.tinytap', '--har', '--include-secrets'], code: 0 },
  { args: ['export', 'a.tinytap', '--postman'], code: 0 },
  { args: ['export', 'a.tinytap', '--curl'], code: 0 },
  // errors that quote the file: SQLite's text about a crafted schema, a missing id, a bad filter
  { args: ['info', 'broken.tinytap'], code: 1 },
  { args: ['ls', 'broken.tinytap'], code: 1 },
  { args: ['show', EVIL_NAME, '99'], code: 1 },
  { args: ['ls', 'a.tinytap', `status:${HOSTILE.clear}`], code: 2 },
  { args: ['info', `missing${HOSTILE.clipboard}.tinytap`], code: 1 },
  { args: ['diff', 'a.tinytap', 'broken.tinytap'], code: 2 },
];

/** What a terminal or a pipe got, less the sequences tinytap draws itself; CRLF (the tty's) as LF. */
function dataControls(out: Buffer, terminal: boolean): string[] {
  const text = terminal ? Buffer.from(out.toString('latin1').replace(OWN_SEQUENCES, '').replace(/\r\n/g, '\n'), 'latin1') : out;
  return terminalControls(text);
}

function label(c: Case): string {
  return `tinytap ${c.args.map((a) => JSON.stringify(a).slice(1, -1)).join(' ')}`;
}

// each case runs three processes: several cases at once
describe.concurrent('a hostile session: what reaches the terminal is escaped', { timeout: 60_000 }, () => {
  for (const c of CASES) {
    it(label(c), async () => {
      const [colour, plain, piped] = await Promise.all([
        runCliProcess(c.args, { cwd: dir, terminal: true }),
        runCliProcess(c.args, { cwd: dir, terminal: true, env: { NO_COLOR: '1' } }),
        runCliProcess(c.args, { cwd: dir }),
      ]);
      for (const [name, run, terminal] of [
        ['terminal', colour, true],
        ['terminal, NO_COLOR', plain, true],
        ['pipe', piped, false],
      ] as const) {
        expect(run.code, `${name}: exit code; stderr ${run.err.toString()}`).toBe(c.code);
        expect(dataControls(run.out, terminal), `${name}: stdout`).toEqual([]);
        expect(dataControls(run.err, terminal), `${name}: stderr`).toEqual([]);
      }
      // with NO_COLOR, nothing of ours either: not one ESC
      expect(plain.out.toString('latin1').replace(/\r\x1b\[K/g, '')).not.toContain('\x1b');
      if (c.shows) expect(piped.out.toString('latin1')).toContain(c.shows);
    });
  }

  it("show keeps its own colours on a terminal (they were escaped with the data, and shown as '\\x1b[1m')", async () => {
    const run = await runCliProcess(['show', 'a.tinytap', '1'], { cwd: dir, terminal: true });
    const text = run.out.toString('latin1');
    expect(text).toContain('\x1b[1m#1\x1b[0m  GET http://evil\\x9b2J.test/');
    expect(text).not.toContain('\\x1b[1m');
  });

  it('tinytap reparse', async () => {
    for (const terminal of [true, false]) {
      const run = await runCliProcess(['reparse', 'reparse.tinytap'], { cwd: dir, terminal });
      expect(run.code, run.err.toString()).toBe(0);
      expect(dataControls(run.out, terminal)).toEqual([]);
    }
  });

  it('tinytap export -o FILE: the messages are escaped, the file holds the data', async () => {
    const name = `o${HOSTILE.clipboard}.har`;
    const run = await runCliProcess(['export', 'a.tinytap', '--har', '-o', name], { cwd: dir, terminal: true });
    expect(run.code, run.out.toString()).toBe(0);
    expect(dataControls(run.out, true)).toEqual([]);
    expect(run.out.toString()).toContain('o\\x1b]52;c;aGFja2Vk\\x07.har');
  });

  it('show --raw: escaped on a terminal, the exact bytes into a pipe (README: "piped, the bytes as captured")', async () => {
    const tty = await runCliProcess(['show', 'a.tinytap', '1', '--raw'], { cwd: dir, terminal: true });
    expect(tty.code).toBe(0);
    expect(dataControls(tty.out, true)).toEqual([]);
    expect(tty.out.toString('latin1')).toContain('X-Evil-Req: \\x1b]52;c;aGFja2Vk\\x07');
    const piped = await runCliProcess(['show', 'a.tinytap', '1', '--raw'], { cwd: dir });
    expect(piped.code).toBe(0);
    expect(piped.out.toString('latin1')).toContain(`X-Evil-Req: ${HOSTILE.clipboard}\r\n`);
  });
});
