// The exchange list of `tinytap open`: its rows, the keys that move through it, sorting, the
// Connections view and the help, drawn by ink and read back as text.
import chalk from 'chalk';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { BINDINGS } from '../../src/tui/key-bindings.js';
import { KEY, renderApp } from './render-app.js';
import { basicSession, manySession } from './tui-sessions.js';

let basic = '';
let many = '';
const level = chalk.level;

beforeAll(async () => {
  basic = await basicSession(12);
  many = await manySession(200);
});
afterEach(() => {
  chalk.level = level;
});

const selectedLine = (lines: string[]) => lines.find((l) => l.startsWith('›')) ?? '';

describe('the exchange list', () => {
  it('shows one row per exchange: time, client → server, method, host and path, status, size, duration, waterfall', async () => {
    const app = renderApp(basic);
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      const lines = app.lines();
      expect(lines[0]).toBe('tinytap [Exchanges]  Connections    v switches');
      expect(lines[1]).toMatch(/^ {2}TIME↑ {8}CLIENT → SERVER +METHOD +HOST\/PATH +STATUS +SIZE +DUR WATERFALL$/);
      expect(lines[2]).toMatch(/^› \d\d:\d\d:\d\d\.\d{3} curl → node +POST +api\.local\/api\/items +201 +72 B +3\.0 ms █ *$/);
      expect(lines[3]).toMatch(/^ {2}\d\d:\d\d:\d\d\.\d{3} curl → node +GET +api\.local\/gz +200 +48 B +20 ms ░█ *$/);
      expect(lines[4]).toMatch(/^ {2}.* GET +api\.local\/missing +404 +4 B +5\.0 ms/);
      expect(lines[5]).toMatch(/^ {2}.* curl → python3 +GET +127\.0\.0\.1:8080\/file-0\.t… +500 +7 B +1\.0 ms/);
      // no response: no status, size or duration, and the bar is all waiting
      expect(lines[17]).toMatch(/^ {2}.* GET +api\.local\/slow +— +— +— +░+ *$/);
      expect(lines.filter((l) => /^[› ] \d\d:/.test(l))).toHaveLength(16);
      expect(lines.at(-1)).toMatch(/^\d+-basic-12\.tinytap │ 16 exchanges │ sort time ↑ │ \? help$/);
    } finally {
      app.close();
    }
  });

  it('colours the status by class', async () => {
    chalk.level = 1;
    const app = renderApp(basic);
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      const f = app.frame();
      expect(f).toContain('\x1b[32m201\x1b[39m');
      expect(f).toContain('\x1b[33m404\x1b[39m');
      expect(f).toContain('\x1b[31m500\x1b[39m');
    } finally {
      app.close();
    }
  });

  it('moves with j/k and the arrows, pages with PgDn/PgUp, jumps with g/G, Home/End', async () => {
    const app = renderApp(many, { rows: 30 });
    try {
      await app.waitFor((f) => f.includes('200 exchanges'));
      const at = () => /\/item\/(\d+) /.exec(selectedLine(app.lines()))?.[1];
      expect(at()).toBe('0');
      await app.press('j', 'j', KEY.down);
      expect(at()).toBe('3');
      await app.press('k', KEY.up);
      expect(at()).toBe('1');
      // 27 rows on screen: a page keeps the selection on its line
      await app.press(KEY.pageDown);
      expect(at()).toBe('28');
      expect(app.lines()[2]).toContain('/item/27 ');
      await app.press(KEY.pageUp);
      expect(at()).toBe('1');
      await app.press('G');
      expect(at()).toBe('199');
      expect(app.lines()[28]).toMatch(/^› .*\/item\/199 /);
      await app.press(KEY.pageDown, 'j');
      expect(at()).toBe('199');
      await app.press('g');
      expect(at()).toBe('0');
      await app.press('k');
      expect(at()).toBe('0');
      await app.press(KEY.end);
      expect(at()).toBe('199');
      await app.press(KEY.home);
      expect(at()).toBe('0');
      // keys faster than a read arrive together: each one counts
      await app.press('jjj');
      expect(at()).toBe('3');
    } finally {
      app.close();
    }
  });

  it('sorts by the next column with o and reverses with r, the selection staying on its exchange', async () => {
    const app = renderApp(basic);
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      await app.press('j', 'j'); // /missing
      for (const label of ['client', 'server', 'method', 'host/path', 'status']) {
        await app.press('o');
        expect(app.lines().at(-1)).toContain(`sort ${label} ↑`);
        expect(selectedLine(app.lines())).toContain('api.local/missing');
      }
      expect(app.lines()[1]).toMatch(/STATU↑/);
      await app.press('g');
      const statuses = () => app.lines().slice(2, 18).map((l) => /(\d{3}|—) +(\d+ B|—)/.exec(l)?.[1]);
      expect(statuses()).toEqual(['—', ...Array(11).fill('200'), '201', '404', '500', '500']);
      await app.press('r');
      expect(app.lines()[1]).toMatch(/STATU↓/);
      expect(app.lines().at(-1)).toContain('sort status ↓');
      expect(statuses()).toEqual(['500', '500', '404', '201', ...Array(11).fill('200'), '—']);
      for (let i = 0; i < 3; i++) await app.press('o');
      expect(app.lines().at(-1)).toContain('sort time ↓');
      await app.press('g');
      expect(app.lines()[2]).toContain('api.local/slow');
    } finally {
      app.close();
    }
  });

  it('lists every connection, HTTP or not, in the Connections view (v)', async () => {
    const app = renderApp(basic);
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      await app.press('v');
      const lines = app.lines();
      expect(lines[0]).toBe('tinytap  Exchanges  [Connections]   v switches');
      expect(lines[1]).toMatch(/^ {2}START +CLIENT → SERVER +PROTOCOL +SERVER +SENT +RECV +DUR +EXCH$/);
      expect(lines[2]).toMatch(/^› .* curl → node +tcp\/http\/1\.1 +127\.0\.0\.1:3000 +213 B +353 B +40 ms +3$/);
      const ssh = lines.find((l) => l.includes('tcp/ssh'));
      expect(ssh).toMatch(/^ {2}\d\d:\d\d:\d\d\.\d{3} ssh → sshd +tcp\/ssh +127\.0\.0\.1:2222 +21 B +11 B +1\.0 ms$/);
      expect(lines.at(-1)).toMatch(/│ 15 connections │ \? help$/);
      await app.press('G');
      expect(selectedLine(app.lines())).toContain('tcp/ssh');
      await app.press(KEY.enter);
      expect(app.lines().at(-1)).toMatch(/│ 15 connections │ no detail pane for connections \(v: the exchanges\)$/);
      await app.press('v');
      expect(app.lines()[0]).toBe('tinytap [Exchanges]  Connections    v switches');
    } finally {
      app.close();
    }
  });

  it('shows the help generated from the key table (?), scrolls it, and closes it', async () => {
    const app = renderApp(basic, { rows: 60 });
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      await app.press('?');
      const f = app.frame();
      expect(app.lines()[0]).toBe('tinytap keys   (j/k or arrows scroll this, Esc or ? closes it)');
      for (const b of BINDINGS) expect(f).toContain(b.help);
      expect(f).toContain('  Ctrl-C'.padEnd(22) + 'quit');
      expect(f).toContain('  q'.padEnd(22) + 'quit');
      await app.press(KEY.esc);
      expect(app.lines()[0]).toBe('tinytap [Exchanges]  Connections    v switches');
    } finally {
      app.close();
    }
    const short = renderApp(basic, { rows: 12 });
    try {
      await short.waitFor((f) => f.includes('16 exchanges'));
      await short.press('?', 'j', 'j', 'j');
      expect(short.lines()[0]).toBe('  Ctrl-C'.padEnd(22) + 'quit');
      await short.press('q');
      expect(short.lines()[0]).toBe('tinytap [Exchanges]  Connections    v switches');
      expect(short.quits).toEqual([]);
      await short.press('q');
      expect(short.quits).toEqual([1]);
    } finally {
      short.close();
    }
    const typing = renderApp(basic);
    try {
      await typing.waitFor((f) => f.includes('16 exchanges'));
      // in the filter bar q is a letter; Ctrl-C quits from there too
      await typing.press('/', 'q');
      expect(typing.lines().at(-2)).toBe('filter: q█');
      expect(typing.quits).toEqual([]);
      await typing.press('\x03');
      expect(typing.quits).toEqual([1]);
    } finally {
      typing.close();
    }
  });

  it('fits 80×24 and uses no colour when colour is off (NO_COLOR), the selection still shown', async () => {
    chalk.level = 1;
    const app = renderApp(basic, { columns: 80, rows: 24, color: false });
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      await app.press('j', KEY.enter);
      const f = app.frame();
      // eslint-disable-next-line no-control-regex
      const plain = f.replace(/\x1b\[[0-9;]*m/g, '');
      const lines = plain.split('\n');
      expect(lines.length).toBeLessThanOrEqual(24);
      for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
      // eslint-disable-next-line no-control-regex
      expect(f).not.toMatch(/\x1b\[(3[0-9]|4[0-9]|9[0-7]|10[0-7])m/);
      expect(f).toContain('\x1b[7m');
      expect(lines[1]).toMatch(/^ {2}TIME↑ {4}CLIENT→SERVER METHOD HOST\/PATH +ST +SIZE +DUR TIMELINE$/);
      expect(selectedLine(lines)).toMatch(/^› \d\d:\d\d:\d\d curl → node +GET +api\.local\/gz +200 +48 B +20 ms ░█/);
      expect(lines).toContain('[Headers]  Request body   Response body   Timing   Connection   Raw');
    } finally {
      app.close();
    }
  });

  it('lays the screen out again for a new size', async () => {
    const app = renderApp(basic, { columns: 100, rows: 30 });
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      await app.press('j');
      expect(app.lines()[1]).toContain('WATERFALL');
      await app.resize(80, 24);
      expect(app.lines()[1]).toMatch(/TIMELINE$/);
      expect(app.lines()).toHaveLength(24);
      expect(selectedLine(app.lines())).toContain('api.local/gz');
      await app.resize(100, 12);
      expect(app.lines().filter((l) => /^[› ] \d\d:/.test(l))).toHaveLength(9);
      expect(selectedLine(app.lines())).toContain('api.local/gz');
    } finally {
      app.close();
    }
  });
});
