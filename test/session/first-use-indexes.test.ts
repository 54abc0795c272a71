// The indexes a build leaves to first use (formats/exchanges.sql, session/first-use-indexes.ts):
// not in a freshly built file, made by the first query that filters or sorts on their columns
// (with what SQLite's planner needs to know of them), the file still current; a file the reader
// may not write is read without them, the same rows; one made otherwise than tinytap makes it
// is a stale build.
import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { compileFilter, parseFilter } from '../../src/query/index.js';
import { exchangesAreCurrent } from '../../src/session/build-exchanges.js';
import { indexesNamedBy } from '../../src/session/first-use-indexes.js';
import { derivedShape } from '../../src/session/schema-check.js';
import { Session } from '../../src/session/session.js';
import { writeBusySession } from '../../testdata/hostile/corpus.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-first-use-');

const indexNames = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'exchanges_%' ORDER BY name").pluck().all() as string[];
  } finally {
    db.close();
  }
};

const filtered = (s: Session, filter: string, orderBy?: string) => {
  const f = compileFilter(parseFilter(filter));
  return s.exchanges({ where: f.where, params: f.params, orderBy, limit: 1_000_000 }).map((x) => Number(x.id));
};

describe('indexes made on first use', () => {
  it('are left out by a build, made by the first query that filters or sorts on them, and the file stays current', async () => {
    const file = join(dir, 'busy.tinytap');
    await writeBusySession(file, 1_000);
    Session.open(file).close();
    const built = indexNames(file);
    expect(built).toContain('exchanges_status');
    expect(built).not.toContain('exchanges_client_pid');
    expect(built).not.toContain('exchanges_duration');
    // a copy read by a reader that may not write: the same rows, by a scan
    const readOnly = join(dir, 'read-only.tinytap');
    copyFileSync(file, readOnly);

    const s = Session.open(file);
    let all: number[];
    try {
      all = filtered(s, 'pid:4121');
      expect(all).toHaveLength(1_000);
      expect(filtered(s, 'status:200', 'duration_ns')).toHaveLength(1_000);
    } finally {
      s.close();
    }
    const after = indexNames(file);
    expect(after).toEqual(expect.arrayContaining(['exchanges_client_pid', 'exchanges_server_pid', 'exchanges_duration']));
    expect(after).not.toContain('exchanges_method');
    const db = new Database(file, { readonly: true });
    try {
      // the planner knows what they hold (a filter on a partial index walked the whole table without)
      expect(db.prepare("SELECT count(*) FROM sqlite_stat1 WHERE idx = 'exchanges_client_pid'").pluck().get()).toBe(1);
      expect(derivedShape(db)).toBe('current');
      expect(exchangesAreCurrent(db)).toBe(true);
    } finally {
      db.close();
    }

    const ro = Session.open(readOnly, { build: false });
    try {
      expect(filtered(ro, 'pid:4121')).toEqual(all);
    } finally {
      ro.close();
    }
    expect(indexNames(readOnly)).not.toContain('exchanges_client_pid');
  }, 30_000);

  it('are named by the columns a query filters or sorts on, whole words only', () => {
    const names = (sql: string) => indexesNamedBy([sql]).map((i) => i.name);
    expect(names('x.method = ?')).toEqual(['exchanges_method']);
    expect(names('x.grpc_method = ?')).toEqual(['exchanges_grpc']);
    expect(names('x.client_port = ? OR x.server_port = ?')).toEqual(['exchanges_server_port', 'exchanges_client_port']);
    expect(names('x.status = ?')).toEqual([]);
    expect(names('duration_ns')).toEqual(['exchanges_duration']);
  });

  it('made otherwise than tinytap makes them, are a stale build, rebuilt', async () => {
    const file = join(dir, 'odd-index.tinytap');
    await writeBusySession(file, 100);
    Session.open(file).close();
    const db = new Database(file);
    db.exec('CREATE INDEX exchanges_method ON exchanges(method, status)');
    expect(derivedShape(db)).toBe('stale');
    db.close();
    Session.open(file).close();
    expect(indexNames(file)).not.toContain('exchanges_method');
  }, 30_000);
});
