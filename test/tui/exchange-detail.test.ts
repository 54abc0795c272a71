import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Session } from '../../src/session/session.js';
import { BODY_DISPLAY_LIMIT } from '../../src/tui/detail-body.js';
import { ExchangeDetail, matchSummary, matchingRows } from '../../src/tui/exchange-detail.js';
import { SessionQueries } from '../../src/session/session-queries.js';
import { lineText, lineWidth } from '../../src/tui/styled-text.js';
import { basicSession, hugeLineSession } from './tui-sessions.js';

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
