// The detail pane of `tinytap open` (each tab), the filter and search bars, and `c`.
/* eslint-disable no-control-regex -- the frames are matched for their terminal escapes (\x1b[…m) */
import chalk from 'chalk';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { KEY, renderApp } from './render-app.js';
import { GZ_TEXT, basicSession, longJsonSession, pathsSession } from './tui-sessions.js';

let basic = '';
const level = chalk.level;

beforeAll(async () => {
  basic = await basicSession(12);
});
afterEach(() => {
  chalk.level = level;
});

/** The rows of the detail pane under its tab bar. */
function paneRows(lines: string[]): string[] {
  const tabs = lines.findIndex((l) => /Headers\]? +\[?Request body.*Timing.*Connection.*Raw/.test(l));
  return lines.slice(tabs + 1, -1).map((l) => l.trimEnd());
}

const selectedLine = (lines: string[]) => lines.find((l) => l.startsWith('›')) ?? '';

describe('the detail pane', () => {
  it('opens on Enter with the Headers tab: the request line and fields, then the response', async () => {
    const app = renderApp(basic);
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      await app.press(KEY.enter);
      const lines = app.lines();
      // the list keeps a third of the screen, the selection visible in it
      expect(lines.filter((l) => /^[› ] \d\d:/.test(l))).toHaveLength(8);
      expect(selectedLine(lines)).toContain('api.local/api/items');
      expect(lines).toContain('#1  POST http://api.local/api/items  →  201 Created  3.0 ms');
      expect(lines).toContain('[Headers]  Request body   Response body   Timing   Connection   Raw');
      expect(paneRows(lines).slice(0, 12)).toEqual([
        'POST /api/items HTTP/1.1',
        'Host: api.local',
        'Content-Type: application/json',
        'X-Request-Id: req-7f3a',
        'Content-Length: 13',
        '',
        'HTTP/1.1 201 Created',
        'Content-Type: application/json',
        'Content-Length: 72',
        '',
        '',
        '',
      ]);
      await app.press(KEY.esc);
      expect(app.lines().filter((l) => /^[› ] \d\d:/.test(l))).toHaveLength(16);
      expect(app.frame()).not.toContain('[Headers]');
    } finally {
      app.close();
    }
  });

  it('walks the tabs with Tab and Shift-Tab: bodies, timing, connection, raw events', async () => {
    const app = renderApp(basic);
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      await app.press(KEY.enter, KEY.tab);
      expect(app.lines()).toContain(' Headers  [Request body]  Response body   Timing   Connection   Raw');
      expect(paneRows(app.lines()).slice(0, 5)).toEqual(['Request body  application/json · 13 B', '', '{', '  "name": "x1"', '}']);
      await app.press(KEY.tab);
      expect(paneRows(app.lines()).slice(0, 12)).toEqual([
        'Response body  application/json · 72 B',
        '',
        '{',
        '  "id": 7,',
        '  "name": "tinytap",',
        '  "tags": [',
        '    "a",',
        '    "b"',
        '  ],',
        '  "note": "a needle in the body"',
        '}',
        '',
      ]);
      await app.press(KEY.tab);
      const timing = paneRows(app.lines());
      expect(timing[0]).toMatch(/^Started {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
      expect(timing[2]).toMatch(/^Send {6} +\d+ µs {2}█$/);
      expect(timing[3]).toMatch(/^Wait {6} +3\.0 ms  █{70,}$/);
      expect(timing[4]).toMatch(/^Receive {3} +\d+ µs  +█$/);
      expect(timing[5]).toBe('Total       3.0 ms');
      await app.press(KEY.tab);
      const conn = paneRows(app.lines());
      expect(conn.slice(0, 7)).toEqual([
        'Client     curl pid 4121  127.0.0.1:51000',
        '  command  curl -s http://127.0.0.1:8080/',
        '  cgroup   /',
        'Server     node pid 5001  127.0.0.1:3000',
        '  command  node server.js',
        '  cgroup   /',
        '',
      ]);
      expect(conn.slice(7, 9)).toEqual(['Transport  tcp', 'Tuple      127.0.0.1:51000 → 127.0.0.1:3000']);
      expect(conn).toContain('Connection flow 1, exchange 1 of 3 on it');
      expect(conn.filter((l) => /^[› ] #\d/.test(l)).map((l) => /^(. #\d+) .* (\S+)$/.exec(l)!.slice(1).join(' '))).toEqual([
        '› #1 /api/items',
        '  #2 /gz',
        '  #3 /missing',
      ]);
      await app.press(KEY.tab);
      const raw = paneRows(app.lines());
      // both ends' copies of the exchange's bytes: the client's send of the request too
      expect(raw[0]).toBe('4 syscalls; times from the first; payloads escaped (\\r \\n \\xHH)');
      expect(raw[2]).toMatch(/^ {4}\+0\.000 ms {2}curl 4121 {8}write {5}→ sent {5}134 B {2}POST \/api\/items HTTP\/1\.1\\r\\nHost: api\.l…$/);
      expect(raw[3]).toMatch(/^ {4}\+0\.\d{3} ms {2}node 5001 {8}read {6}← recv {5}134 B {2}POST \/api\/items HTTP\/1\.1\\r\\nHost: api\.l…$/);
      expect(raw[4]).toMatch(/^ {4}\+3\.\d{3} ms {2}node 5001 {8}write {5}→ sent {5}148 B {2}HTTP\/1\.1 201 Created\\r\\nContent-Type: a…$/);
      expect(raw[5]).toMatch(/^ {4}\+3\.\d{3} ms {2}curl 4121 {8}read {6}← recv {5}148 B {2}HTTP\/1\.1 201 Created\\r\\n/);
      await app.press(KEY.tab);
      expect(app.lines()).toContain('[Headers]  Request body   Response body   Timing   Connection   Raw');
      await app.press(KEY.shiftTab);
      expect(app.lines()).toContain(' Headers   Request body   Response body   Timing   Connection  [Raw]');
      await app.press(KEY.left, KEY.left);
      expect(app.lines()).toContain(' Headers   Request body   Response body  [Timing]  Connection   Raw');
    } finally {
      app.close();
    }
  });

  it('shows a gzip body decoded, and says there is no response where there is none', async () => {
    const app = renderApp(basic);
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      await app.press('j', KEY.enter, KEY.tab, KEY.tab);
      const rows = paneRows(app.lines());
      expect(rows[0]).toBe('Response body  text/plain · 48 B · gzip → 460 B decoded');
      expect(rows.slice(2, 7).join('')).toBe(GZ_TEXT.trimEnd());
      // ] and [ move to the next and previous exchange, the tab kept
      await app.press(']');
      expect(app.lines()).toContain('#3  GET http://api.local/missing  →  404 Not Found  5.0 ms');
      expect(paneRows(app.lines()).slice(0, 3)).toEqual(['Response body  text · 4 B', '', 'nope']);
      await app.press(KEY.esc, 'G', KEY.enter);
      expect(app.lines()).toContain('#16  GET http://api.local/slow  →  no response  —');
      expect(paneRows(app.lines())[0]).toBe('(no response captured)');
      await app.press(KEY.tab);
      expect(paneRows(app.lines())).toContain('no response: the times stop at the end of the request');
      await app.press('[', 'K');
      expect(app.lines()).toContain('#14  GET http://127.0.0.1:8080/file-10.txt  →  200 OK  1.0 ms');
    } finally {
      app.close();
    }
  });

  it('scrolls a long body with j/k, PgDn, g/G, and says which rows are shown', async () => {
    const app = renderApp(await longJsonSession(), { rows: 24 });
    try {
      await app.waitFor((f) => f.includes('1 exchange │'));
      await app.press(KEY.enter, KEY.tab, KEY.tab);
      // 24 rows: the list keeps 6, the pane 15: a title, the tabs, 13 rows of the body
      const tabs = () => app.lines().find((l) => l.includes('[Response body]'))!;
      expect(tabs()).toMatch(/\[Response body\] .* 1-13\/406$/);
      expect(paneRows(app.lines())[0]).toBe('Response body  application/json · 2.7 kB');
      await app.press('j', 'j', KEY.down);
      expect(tabs()).toMatch(/ 4-16\/406$/);
      await app.press(KEY.pageDown);
      expect(tabs()).toMatch(/ 16-28\/406$/);
      await app.press('G');
      expect(tabs()).toMatch(/ 394-406\/406$/);
      expect(paneRows(app.lines()).at(-1)).toBe('}');
      await app.press('g');
      expect(tabs()).toMatch(/ 1-13\/406$/);
    } finally {
      app.close();
    }
  });
});

describe('the filter bar', () => {
  it('filters as you type, in the language of tinytap ls, and keeps the filter on Enter', async () => {
    const app = renderApp(basic);
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      await app.press('/');
      expect(app.lines().at(-2)).toBe('filter: █');
      for (const ch of 'status:5xx') await app.press(ch);
      await app.waitFor((f) => f.includes('2 / 16 exchanges'));
      expect(app.lines().filter((l) => /^[› ] \d\d:/.test(l)).map((l) => /file-\d+/.exec(l)?.[0])).toEqual(['file-0', 'file-7']);
      expect(app.lines().at(-2)).toBe('filter: status:5xx█');
      await app.press(KEY.enter);
      expect(app.lines().at(-1)).toMatch(/│ 2 \/ 16 exchanges │ filter status:5xx │ sort time ↑ │ \? help$/);
      expect(app.frame()).not.toContain('filter: ');
      // the same keys now move in the list again
      await app.press('j');
      expect(selectedLine(app.lines())).toContain('file-7');
      // f opens it too; Ctrl-U clears it
      await app.press('f', KEY.ctrlU);
      await app.waitFor((f) => f.includes('│ 16 exchanges'));
      for (const ch of 'comm:python3 -status:500') await app.press(ch);
      await app.waitFor((f) => f.includes('10 / 16 exchanges'));
      await app.press(KEY.enter);
      expect(app.lines().at(-1)).toContain('filter comm:python3 -status:500');
    } finally {
      app.close();
    }
  });

  it('shows a bad filter inline: the bad term underlined and pointed at, the list unchanged', async () => {
    chalk.level = 1;
    const app = renderApp(basic);
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      await app.press('/');
      for (const ch of 'method:GET') await app.press(ch);
      await app.waitFor((f) => f.includes('15 / 16 exchanges'));
      // pasted: one read holding all of it
      await app.press(' status:abc');
      const f = await app.waitFor((f) => f.includes('bad status'));
      const plain = f.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
      expect(plain.at(-3)).toBe('filter: method:GET status:abc█');
      expect(plain.at(-2)).toBe(
        "                          ^^^ bad status 'abc': use a code (404), a class (5xx), a range (400-499),…",
      );
      // underlined and red
      expect(f).toMatch(/\x1b\[(31|4|1)m(\x1b\[(31|4|1)m)*abc/);
      expect(f).toContain('\x1b[4m');
      // the list still shows the last good filter
      expect(plain.at(-1)).toContain('15 / 16 exchanges │ filter method:GET');
      // Enter keeps the bar open while the filter is wrong
      await app.press(KEY.enter);
      expect(app.frame()).toContain('bad status');
      // Backspace fixes it
      for (let i = 0; i < 3; i++) await app.press(KEY.backspace);
      for (const ch of '404') await app.press(ch);
      await app.waitFor((f) => f.includes('1 / 16 exchanges'));
      expect(app.frame()).not.toContain('bad status');
      // Esc puts back what was there before the bar opened
      await app.press(KEY.esc);
      await app.waitFor((f) => f.includes('│ 16 exchanges'));
      expect(app.frame()).not.toContain('filter');
    } finally {
      app.close();
    }
  });
  it('answers a regex that backtracks for ever in JavaScript at once, and q still quits', async () => {
    // (a+)+$ against 26 a's and a '!' takes JavaScript's RegExp seconds (41: for ever)
    const app = renderApp(await pathsSession([`/${'a'.repeat(26)}!`, '/aaa']));
    try {
      await app.waitFor((f) => f.includes('│ 2 exchanges'));
      await app.press('/');
      const started = performance.now();
      await app.press('/(a+)+$/');
      await app.waitFor((f) => f.includes('1 / 2 exchanges'));
      expect(performance.now() - started).toBeLessThan(2000);
      await app.press(KEY.enter, 'q');
      expect(app.quits).toHaveLength(1);
    } finally {
      app.close();
    }
  });
});

describe('search', () => {
  it('narrows the list to exchanges whose text holds the words, and marks them in the detail', async () => {
    chalk.level = 1;
    const app = renderApp(basic);
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      await app.press('s');
      for (const ch of 'NEEDLE') await app.press(ch);
      await app.waitFor((f) => f.includes('2 / 16 exchanges'));
      await app.press(KEY.enter, KEY.enter);
      const plain = () => app.frame().replace(/\x1b\[[0-9;]*m/g, '').split('\n');
      expect(plain().at(-1)).toContain('│ 2 / 16 exchanges │ search "NEEDLE" │');
      expect(plain()).toContain('search "NEEDLE": 1 match: response body ×1   n/N next/previous');
      // the tab bar counts the rows that hold it
      expect(plain()).toContain('[Headers]  Request body   Response body (1)   Timing   Connection   Raw');
      await app.press(KEY.tab, KEY.tab);
      // black on yellow
      expect(app.frame()).toMatch(/"a (\x1b\[[0-9;]*m)*\x1b\[43m(\x1b\[[0-9;]*m)*needle\x1b\[/);
      await app.press(']');
      expect(plain()).toContain('search "NEEDLE": 20 matches: response body ×20   n/N next/previous');
      // 20 hits, one of them cut in two by the end of a row
      expect(app.frame().match(/\x1b\[43m/g)).toHaveLength(21);
    } finally {
      app.close();
    }
  });

  it('marks hits without colour too, and n/N scroll to the rows that hold them', async () => {
    chalk.level = 1;
    const app = renderApp(await longJsonSession(), { rows: 24, color: false });
    try {
      await app.waitFor((f) => f.includes('1 exchange │'));
      await app.press('s');
      for (const ch of 'needle') await app.press(ch);
      await app.waitFor((f) => f.includes('1 / 1 exchange │'));
      await app.press(KEY.enter, KEY.enter, KEY.tab, KEY.tab);
      const plain = () => app.frame().replace(/\x1b\[[0-9;]*m/g, '').split('\n');
      const firstRow = () => paneRows(plain())[1];
      expect(plain()).toContain('search "needle": 2 matches: response body ×2   n/N next/previous');
      await app.press('n');
      expect(firstRow()).toBe('      "name": "needle 70"');
      // inverse, without a colour
      expect(app.frame()).toMatch(/"(\x1b\[(1|4|7)m)+needle\x1b\[/);
      await app.press('n');
      expect(firstRow()).toBe('      "name": "needle 90"');
      await app.press('n');
      expect(firstRow()).toBe('      "name": "needle 70"');
      await app.press('N');
      expect(firstRow()).toBe('      "name": "needle 90"');
    } finally {
      app.close();
    }
  });
});

describe('c: the selected exchange as a curl command', () => {
  it('writes tinytap-<id>.curl.sh in the current directory, copies it, and says so', async () => {
    const app = renderApp(basic);
    try {
      await app.waitFor((f) => f.includes('16 exchanges'));
      await app.press('c');
      await app.waitFor((f) => f.includes('wrote tinytap-1.curl.sh'));
      expect(app.lines().at(-1)).toMatch(/│ wrote tinytap-1\.curl\.sh, copied to the clipboard via the terminal \(OSC 52\)$/);
      const script = readFileSync(join(app.cwd, 'tinytap-1.curl.sh'), 'utf8');
      expect(script.startsWith('#!/bin/sh\n# #1 POST http://api.local/api/items\n')).toBe(true);
      expect(app.terminal).toEqual([`\x1b]52;c;${Buffer.from(script.slice(10)).toString('base64')}\x07`]);
      // from the detail pane too
      await app.press('j', KEY.enter, 'c');
      await app.waitFor((f) => f.includes('wrote tinytap-2.curl.sh'));
      expect(readFileSync(join(app.cwd, 'tinytap-2.curl.sh'), 'utf8')).toContain('http://api.local/gz');
    } finally {
      app.close();
    }
  });
});
