// The search index is left empty by a build and filled by the first search: a first `ls` of a big
// recording does not wait for it. Every way a search reaches the index finds it filled, in a
// file this process may write and in one it may not.
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { TEXT_INDEX_PENDING, textIndexPending } from '../../src/session/build-exchanges.js';
import { Session } from '../../src/session/session.js';
import { textSearchSql } from '../../src/session/text-search.js';
import { CURL, NODE, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir, textHits } from '../helpers/session-files.js';

const dir = tempDir('tinytap-text-index-');
let n = 0;

async function session(): Promise<string> {
  const path = join(dir, `s${++n}.tinytap`);
  const s = new ScriptedSession(path);
  const c = s.tcp(CURL, NODE);
  for (const word of ['apple', 'needle in a haystack', 'pear']) {
    c.send('c2s', `GET /${word.split(' ')[0]} HTTP/1.1\r\nHost: a\r\n\r\n`);
    c.send('s2c', `HTTP/1.1 200 OK\r\nContent-Length: ${word.length}\r\n\r\n${word}`);
  }
  c.close();
  await s.finish();
  return path;
}

const ftsRows = (db: Database.Database) => db.prepare('SELECT count(*) FROM exchange_fts_data').pluck().get() as number;

describe('the search index, filled by the first search', () => {
  it('is left empty by the build, filled by the first query that searches text, and kept in the file', async () => {
    const file = await session();
    const s = Session.open(file);
    try {
      expect(s.exchanges()).toHaveLength(3);
      expect(textIndexPending(s.db)).toBe(true);
      const empty = ftsRows(s.db);
      const t = textSearchSql('haystack');
      expect(s.exchanges({ where: t.where, params: t.params }).map((x) => x.path)).toEqual(['/needle']);
      expect(textIndexPending(s.db)).toBe(false);
      expect(ftsRows(s.db)).toBeGreaterThan(empty);
    } finally {
      s.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM derived_meta WHERE key = ?').pluck().get(TEXT_INDEX_PENDING)).toBe(0);
      expect(textHits(db, 'haystack', ['resp_body'])).toEqual([2]);
    } finally {
      db.close();
    }
  });

  it('counts what a text filter selects the same way (countExchanges fills it too)', async () => {
    const s = Session.open(await session());
    try {
      const t = textSearchSql('pear');
      expect(s.countExchanges(t.where, t.params)).toBe(1);
    } finally {
      s.close();
    }
  });

  it('in a file this process may not write, builds the exchanges again beside it, index and all, and leaves the file as it was', async () => {
    const file = await session();
    Session.open(file).close(); // built, index left for later
    const before = readFileSync(file);
    const s = Session.open(file, { build: false }); // read-only
    try {
      expect(s.db.readonly).toBe(true);
      const t = textSearchSql('haystack');
      expect(s.exchanges({ where: t.where, params: t.params }).map((x) => x.path)).toEqual(['/needle']);
      expect(s.derivedInTemp()).toBe(true);
    } finally {
      s.close();
    }
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
