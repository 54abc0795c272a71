// Captured bytes that are terminal commands stay inert on screen; a session being recorded
// fills the list as it grows, the selection staying on its exchange.
import chalk from 'chalk';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { batchOf, encodeConn, encodeData, encodeProc } from '../../src/events/encode-records.js';
import { Direction, Syscall } from '../../src/events/layout.js';
import { Capture, defaultCaptureOptions } from '../../src/record/capture.js';
import { followSession } from '../../src/session/live.js';
import { fakeBinding } from '../helpers/fake-binding.js';
import { tempDir } from '../helpers/session-files.js';
import { KEY, renderApp } from './render-app.js';
import { ansiSession } from './tui-sessions.js';

const level = chalk.level;
afterEach(() => {
  chalk.level = level;
});

describe('captured escape sequences', () => {
  it('are drawn escaped in the list, every tab and the Connections view; no ESC of theirs reaches the terminal', async () => {
    chalk.level = 0;
    const app = renderApp(await ansiSession());
    try {
      await app.waitFor((f) => f.includes('1 exchange │'));
      expect(app.lines()[2]).toMatch(/ GET +evil\\x1b\[2J\.local\/page +200 /);
      await app.press(KEY.enter);
      const seen = new Map<string, string>();
      for (const tab of ['Headers', 'Request body', 'Response body', 'Timing', 'Connection', 'Raw']) {
        seen.set(tab, app.frame());
        await app.press(KEY.tab);
      }
      expect(seen.get('Headers')).toContain('Host: evil\\x1b[2J.local');
      expect(seen.get('Headers')).toContain('X-Evil: \\x1b[2J\\x1b]0;pwned\\x07\\x1b[31mred');
      expect(seen.get('Headers')).toContain('X-Title: \\x1b]0;pwned\\x07');
      expect(seen.get('Headers')).toContain('#1  GET http://evil\\x1b[2J.local/page');
      expect(seen.get('Response body')).toContain('\nhello \\x1b[2J and \\x1b]0;pwned\\x07 and \\x1b[31m world, plain text around the escapes plain');
      expect(seen.get('Response body')).toContain('#1  GET http://evil\\x1b[2J.local/page  →  200 OK\\x1b[31m');
      expect(seen.get('Raw')).toMatch(/read +← recv +76 B {2}GET \/page HTTP\/1\.1\\r\\nHost: evil\\x1b\[2J/);
      expect(seen.get('Raw')).toMatch(/write +→ sent +1\.1 kB {2}HTTP\/1\.1 200 OK\\x1b\[31m\\r\\n/);
      await app.press(KEY.esc, 'v');
      // a search for an escape sequence pasted in the bar is escaped in the status line too
      await app.press('s', 'x\x1b[2Jy');
      await app.press(KEY.enter);
      for (const f of app.frames) expect(f).not.toContain('\x1b');
    } finally {
      app.close();
    }
  });

  it('stay text when styles are on: only ink’s own SGR codes are in the frames', async () => {
    chalk.level = 3;
    const app = renderApp(await ansiSession());
    try {
      await app.waitFor((f) => f.includes('1 exchange │'));
      await app.press(KEY.enter, KEY.tab, KEY.tab);
      for (const f of app.frames) {
        expect(f).not.toContain('\x1b[2J');
        expect(f).not.toContain('\x1b]0;');
        expect(f).not.toContain('\x07');
        // eslint-disable-next-line no-control-regex
        expect(f.replace(/\x1b\[[0-9;]*m/g, '')).not.toContain('\x1b');
      }
      expect(app.lines().join('\n')).toContain('hello \\x1b[2J and \\x1b]0;pwned\\x07 and \\x1b[31m world');
    } finally {
      app.close();
    }
  });
});

// ---- a live session ------------------------------------------------------------------------

let ts = 1_795_000_000_100_000_000n;
const tick = () => (ts += 1_000_000n);

/** One request/response on an open keep-alive connection, both ends captured. */
function exchange(off: { c2s: number; s2c: number }, path: string) {
  const req = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: live.local\r\n\r\n`);
  const resp = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  const records = [
    encodeData({ pid: 1, tid: 1, comm: 'curl', connId: 1, ret: req.length, data: req, dir: Direction.EGRESS, syscall: Syscall.WRITE, streamOff: off.c2s, tsNs: tick() }),
    encodeData({ pid: 2, tid: 2, comm: 'srv', connId: 2, ret: req.length, data: req, dir: Direction.INGRESS, syscall: Syscall.READ, streamOff: off.c2s, tsNs: tick() }),
    encodeData({ pid: 2, tid: 2, comm: 'srv', connId: 2, ret: resp.length, data: resp, dir: Direction.EGRESS, syscall: Syscall.WRITE, streamOff: off.s2c, tsNs: tick() }),
    encodeData({ pid: 1, tid: 1, comm: 'curl', connId: 1, ret: resp.length, data: resp, dir: Direction.INGRESS, syscall: Syscall.READ, streamOff: off.s2c, tsNs: tick() }),
  ];
  off.c2s += req.length;
  off.s2c += resp.length;
  return records;
}

describe('following a session being recorded', () => {
  it('adds exchanges as they complete, keeps the selection on its exchange, and says when recording stops', async () => {
    const file = join(tempDir('tinytap-tui-live-'), 'live.tinytap');
    const binding = fakeBinding();
    const cap = new Capture(defaultCaptureOptions(file, { commitMs: 5 }), binding);
    cap.start();
    const off = { c2s: 0, s2c: 0 };
    const send = (records: Buffer[]) => binding.last!.onBatch(batchOf(records));
    send([
      encodeProc({ pid: 1, comm: 'curl', argv: ['curl'], tsNs: tick() }),
      encodeProc({ pid: 2, comm: 'srv', argv: ['srv'], tsNs: tick() }),
      encodeConn({ pid: 1, comm: 'curl', connId: 1, role: 1, cause: 1, local: [[127, 0, 0, 1], 40001], remote: [[127, 0, 0, 1], 80], tsNs: tick() }),
      encodeConn({ pid: 2, comm: 'srv', connId: 2, role: 2, cause: 2, local: [[127, 0, 0, 1], 80], remote: [[127, 0, 0, 1], 40001], tsNs: tick() }),
      ...exchange(off, '/a'),
      ...exchange(off, '/b'),
    ]);
    await new Promise((r) => setTimeout(r, 50));
    const live = followSession(file, { intervalMs: 20 });
    const app = renderApp(file, { session: live.session, live });
    const selected = () => app.lines().find((l) => l.startsWith('›')) ?? '';
    const paths = () => app.lines().filter((l) => /^[› ] \d\d:/.test(l)).map((l) => /live\.local(\/\w)/.exec(l)?.[1]);
    try {
      await app.waitFor((f) => f.includes('2 exchanges'));
      expect(app.lines().at(-1)).toMatch(/│ 2 exchanges │ sort time ↑ │ ● recording │ \? help$/);
      await app.press('j');
      expect(selected()).toContain('live.local/b');
      send([...exchange(off, '/c'), ...exchange(off, '/d')]);
      await app.waitFor((f) => f.includes('4 exchanges'));
      expect(paths()).toEqual(['/a', '/b', '/c', '/d']);
      expect(selected()).toContain('live.local/b');
      // newest first: a new exchange comes in above, the selection stays on /b
      await app.press('r');
      expect(paths()).toEqual(['/d', '/c', '/b', '/a']);
      send(exchange(off, '/e'));
      await app.waitFor((f) => f.includes('5 exchanges'));
      expect(selected()).toContain('live.local/b');
      expect(paths()).toEqual(['/e', '/d', '/c', '/b', '/a']);
      await app.press('j');
      expect(selected()).toContain('live.local/a');
      await cap.stop('signal');
      await app.waitFor((f) => !f.includes('● recording'));
      expect(app.lines().at(-1)).toMatch(/│ 5 exchanges │ sort time ↓ │ \? help$/);
    } finally {
      app.close();
      live.stop();
      live.session.close();
    }
  });
});
