// Database calls in `tinytap open`: in the same list as the HTTP exchanges, each with a detail
// of its own (the Call tab: the command and the reply as redis-cli prints it), and an HTTP
// exchange's calls in its Database tab, the N+1 marked.
import { beforeAll, describe, expect, it } from 'vitest';

import { KEY, renderApp } from './render-app.js';
import { callsSession } from './tui-sessions.js';

let file = '';

beforeAll(async () => {
  file = await callsSession();
});

const rows = (lines: string[]) => lines.filter((l) => /^[› ] \d\d:/.test(l));
const selectedLine = (lines: string[]) => lines.find((l) => l.startsWith('›')) ?? '';

describe('database calls in the TUI', () => {
  it('lists the calls beside the request that made them, the N+1 marked', async () => {
    const app = renderApp(file, { columns: 140 });
    try {
      await app.waitFor((f) => f.includes('7 exchanges'));
      const list = rows(app.lines());
      expect(list).toHaveLength(7);
      expect(list[0]).toMatch(/GET +N\+1 api\.local\/users +200/);
      expect(list[1]).toMatch(/GET +redis N\+1 GET user:1 +ok +11 B/);
      // the status column is narrow: the error's code is cut
      expect(list[6]).toMatch(/LPUSH +redis LPUSH user:1 x +WRONG…/);
    } finally {
      app.close();
    }
  });

  it('opens a call on its Call tab, and an HTTP request on its Database tab', async () => {
    const app = renderApp(file, { columns: 140, rows: 40 });
    try {
      await app.waitFor((f) => f.includes('7 exchanges'));
      await app.press('G', KEY.enter);
      let lines = app.lines();
      expect(selectedLine(lines)).toContain('LPUSH');
      // ids are given as exchanges complete: the request, answered last, is #7
      expect(lines).toContain('#6  redis LPUSH  →  error WRONGTYPE  2 µs');
      expect(lines).toContain('[Call]  Raw');
      expect(lines).toContain('Command');
      expect(lines).toContain('  LPUSH user:1 x');
      expect(lines).toContain('  WRONGTYPE: Operation against a key holding the wrong kind of value');
      await app.press(KEY.esc, 'g', KEY.enter);
      lines = app.lines();
      expect(lines.find((l) => l.includes('Database'))).toMatch(/Raw +Database/);
      // Shift-Tab from the first tab is the last: the Database tab
      await app.press(KEY.shiftTab);
      lines = app.lines();
      expect(lines).toContain('Database  6 queries, 5.0 ms in the database');
      expect(lines).toContain('  N+1: 5 × GET user:*');
      expect(lines).toContain('  #1      redis    1.0 ms  ok         N+1 GET user:1');
      expect(lines).toContain('  #6      redis      2 µs  WRONGTYPE  LPUSH user:1 x');
    } finally {
      app.close();
    }
  });
});
