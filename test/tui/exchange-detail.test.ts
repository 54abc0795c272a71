import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Session } from '../../src/session/session.js';
import { BODY_DISPLAY_LIMIT } from '../../src/tui/detail-body.js';
import { ExchangeDetail, matchSummary, matchingRows } from '../../src/tui/exchange-detail.js';
import { SessionQueries } from '../../src/session/session-queries.js';
import { lineText, lineWidth } from '../../src/tui/styled-text.js';
import { basicSession, hugeLineSession } from './tui-sessions.js';
import { NODE, PYTHON, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';
import { SWITCHED, UPGRADE, frame } from '../helpers/ws-frames.js';

describe('the detail of one exchange, as rows for a width', () => {
  let session: Session;
  let queries: SessionQueries;
  beforeAll(async () => {
    session = Session.open(await basicSession(3));
    queries = new SessionQueries(session);
  });
  afterAll(() => session.close());

  it('is null for an id the session does not have', () => {
    expect(ExchangeDetail.load(session, queries, 999)).toBeNull();
  });

  it('lists the other exchanges of the connection, the shown one marked', () => {
    const d = ExchangeDetail.load(session, queries, 2)!;
    const rows = d.rows('Connection', 100).map(lineText);
    expect(rows.filter((r) => /^[› ] #\d/.test(r)).map((r) => r.slice(0, 4))).toEqual(['  #1', '› #2', '  #3']);
    expect(rows).toContain('Connection flow 1, exchange 2 of 3 on it');
  });

  it('finds where a search text is in the indexed text, and on which rows it shows', () => {
    const d = ExchangeDetail.load(session, queries, 2)!;
    const matches = d.matches('needle');
    expect(matchSummary(matches)).toBe('20 matches: response body ×20');
    expect(matchSummary([])).toBe('no match in the indexed text');
    expect(matchingRows(d.rows('Response body', 100, 'NEEDLE'))).toEqual([2, 3, 4, 5, 6]);
    expect(matchingRows(d.rows('Response body', 100))).toEqual([]);
    // marked before wrapping: a hit cut by the end of a row is marked on both rows
    const rows = d.rows('Response body', 100, 'needle');
    const marked = rows.flatMap((r) => r.filter((s) => s.mark).map((s) => s.text));
    expect(marked).toEqual([...Array(8).fill('needle'), 'needl', 'e', ...Array(11).fill('needle')]);
  });

  it('builds each tab once per width', () => {
    const d = ExchangeDetail.load(session, queries, 1)!;
    expect(d.rows('Headers', 80)).toBe(d.rows('Headers', 80));
    expect(d.rows('Headers', 60)).not.toBe(d.rows('Headers', 80));
  });
});

describe('a body of one huge line', () => {
  it('becomes rows no wider than the pane, up to the display limit, with a note of the rest', async () => {
    const size = 3 * 1024 * 1024;
    const session = Session.open(await hugeLineSession(size));
    try {
      const d = ExchangeDetail.load(session, new SessionQueries(session), 1)!;
      expect(d.exchange.response!.body.captured.length).toBe(size);
      const rows = d.rows('Response body', 100);
      expect(rows.every((r) => lineWidth(r) <= 100)).toBe(true);
      // title, blank, the first MiB in rows of 100, the note
      expect(rows.length).toBe(2 + Math.ceil(BODY_DISPLAY_LIMIT / 100) + 1);
      expect(lineText(rows[0])).toBe('Response body  text/plain · 3.1 MB');
      expect(lineText(rows[2])).toBe('abcdefghij'.repeat(10));
      expect(lineText(rows.at(-1)!)).toBe('… 2,097,152 more bytes (tinytap show --full, or tinytap export)');
    } finally {
      session.close();
    }
  });
});

describe('a WebSocket upgrade', () => {
  it('has a Messages tab beside its headers: one row per message, captured control bytes escaped', async () => {
    const path = join(tempDir('tinytap-tui-ws-'), 'ws.tinytap');
    const s = new ScriptedSession(path);
    const c = s.tcp(NODE, PYTHON, { serverPort: 8765 });
    c.send('c2s', UPGRADE);
    c.send('s2c', SWITCHED());
    c.send('c2s', frame(1, '{"op":"subscribe"}', { masked: true }));
    c.send('s2c', frame(1, 'evil \x1b[2J\x1b]0;pwned\x07 text'));
    c.send('s2c', frame(2, Buffer.from([1, 2, 3])));
    c.close();
    await s.finish();
    const session = Session.open(path);
    try {
      const d = ExchangeDetail.load(session, new SessionQueries(session), 1)!;
      expect(d.tabs.slice(0, 3)).toEqual(['Headers', 'Messages', 'Request body']);
      const rows = d.rows('Messages', 120).map(lineText);
      expect(rows[0]).toBe('WebSocket  3 messages (1 sent by the client, 2 by the server)');
      expect(rows.slice(2).map((r) => r.replace(/^ *\d\d:\d\d:\d\d\.\d{3} +/, ''))).toEqual([
        '→ text       18 B  {"op":"subscribe"}',
        '← text       24 B  evil \\x1b[2J\\x1b]0;pwned\\x07 text',
        '← binary      3 B  01 02 03',
      ]);
    } finally {
      session.close();
    }
  });
});

describe('an HTTP/2 stream', () => {
  /** One frame (RFC 9113 §4.1). */
  const h2 = (type: number, flags: number, stream: number, payload: number[]) =>
    Buffer.concat([Buffer.from([0, 0, payload.length, type, flags, 0, 0, 0, stream]), Buffer.from(payload)]);

  it('says its stream and how it ended in the Connection tab', async () => {
    const path = join(tempDir('tinytap-tui-h2-'), 'h2.tinytap');
    const s = new ScriptedSession(path);
    const c = s.tcp(NODE, PYTHON, { serverPort: 8080 });
    // GET / (static table: :method GET, :scheme http, :path /), answered 200; then one cancelled
    c.send('c2s', Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), h2(4, 0, 0, []), h2(1, 5, 1, [0x82, 0x86, 0x84])]));
    c.send('s2c', Buffer.concat([h2(4, 0, 0, []), h2(1, 5, 1, [0x88])]));
    c.send('c2s', Buffer.concat([h2(1, 5, 3, [0x82, 0x86, 0x84]), h2(3, 0, 3, [0, 0, 0, 8])]));
    c.close();
    await s.finish();
    const session = Session.open(path);
    try {
      const queries = new SessionQueries(session);
      const tab = (id: number) => ExchangeDetail.load(session, queries, id)!.rows('Connection', 100).map(lineText);
      expect(tab(1)).toContain('HTTP/2     stream 1');
      expect(tab(2)).toContain('HTTP/2     stream 3 · reset by the client (CANCEL)');
    } finally {
      session.close();
    }
  });
});
