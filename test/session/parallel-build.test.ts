// A parallel build (a worker thread parses while this one writes) gives the same derived tables
// as the one-thread build, row for row, ids, digests and the search index's own pages included,
// over every kind of session the tests make: every case of the protocol corpus, many
// interleaved connections over many blocks, WebSockets, database calls linked to the requests
// that made them, TLS plaintext, one-ended and damaged or hostile files.
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildExchanges } from '../../src/session/build-exchanges.js';
import { openSessionDb } from '../../src/session/open-session.js';
import { HOSTILE_CASES, writeBusySession, writeCorpus } from '../../testdata/hostile/corpus.js';
import { bundleWorker } from '../helpers/bundle-worker.js';
import { CORPUS_DIRS, scriptCorpus } from '../helpers/corpus-sessions.js';
import { scriptEverything } from '../helpers/mixed-session.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-parallel-build-');
let workerScript = '';

beforeAll(async () => {
  workerScript = fileURLToPath(await bundleWorker(new URL('../../src/session/build-worker.ts', import.meta.url)));
}, 60_000);

/** Every derived row, in order, but the build's own time; the search index as SQLite stored it. */
function derived(path: string): Record<string, unknown[][]> {
  const db = new Database(path, { readonly: true });
  db.defaultSafeIntegers(true);
  try {
    const rows = (sql: string) => db.prepare(sql).raw().all() as unknown[][];
    return {
      exchanges: rows('SELECT * FROM exchanges ORDER BY id'),
      flows: rows('SELECT * FROM flows ORDER BY id'),
      ws: rows('SELECT * FROM ws_messages ORDER BY exchange_id, seq'),
      text: rows('SELECT * FROM exchange_text ORDER BY id'),
      fts: rows('SELECT * FROM exchange_fts_data ORDER BY id'),
      meta: rows("SELECT key, value FROM derived_meta WHERE key != 'built_at' ORDER BY key"),
    };
  } finally {
    db.close();
  }
}

/** Build copies of `file` on one thread and with the worker: what each gave (rows, or the error). */
function buildBoth(file: string, name: string): { inline: unknown; parallel: unknown; exchanges: number } {
  const out: Record<string, unknown> = {};
  let exchanges = 0;
  for (const mode of ['inline', 'parallel'] as const) {
    const copy = join(dir, `${name}.${mode}.tinytap`);
    copyFileSync(file, copy);
    let db: Database.Database;
    try {
      db = openSessionDb(copy);
    } catch (err) {
      out[mode] = { refused: (err as Error).message.replace(copy, 'FILE') };
      continue;
    }
    try {
      const stats = buildExchanges(db, { parallel: mode === 'parallel', workerScript, textIndex: true });
      exchanges = stats.exchanges;
      out[mode] = { stats: { ...stats, damage: stats.damage.counts }, rows: null };
    } catch (err) {
      out[mode] = { failed: (err as Error).message.replace(copy, 'FILE') };
      continue;
    } finally {
      db.close();
    }
    (out[mode] as { rows: unknown }).rows = derived(copy);
  }
  return { inline: out.inline, parallel: out.parallel, exchanges };
}

describe('a parallel build', () => {
  it('makes the same rows as one thread from many connections, protocols and blocks', async () => {
    const file = join(dir, 'everything.tinytap');
    await scriptEverything(file).finish();
    const r = buildBoth(file, 'everything');
    expect(r.exchanges).toBeGreaterThan(900);
    expect(r.parallel).toEqual(r.inline);
    const rows = (r.inline as { rows: Record<string, unknown[][]> }).rows;
    expect(rows.ws.length).toBeGreaterThan(50);
    expect(rows.exchanges.some((x) => x.includes('sole'))).toBe(true);
  }, 60_000);

  for (const corpus of CORPUS_DIRS)
    it(`makes the same rows from every ${corpus.name} case of the protocol corpus`, async () => {
      const file = join(dir, `corpus-${corpus.name}.tinytap`);
      await scriptCorpus(file, corpus).finish();
      const r = buildBoth(file, `corpus-${corpus.name}`);
      expect(r.exchanges).toBeGreaterThan(5);
      expect(r.parallel).toEqual(r.inline);
    }, 60_000);

  it('makes the same rows from a session of many blocks, with the worker sent blocks ahead', async () => {
    const file = join(dir, 'busy.tinytap');
    await writeBusySession(file, 20_000);
    const r = buildBoth(file, 'busy');
    expect(r.exchanges).toBe(20_000);
    expect(r.parallel).toEqual(r.inline);
  }, 60_000);

  it('makes the same rows, damage counts and refusals from every file of the hostile corpus', async () => {
    mkdirSync(join(dir, 'hostile'));
    const corpus = await writeCorpus(join(dir, 'hostile'));
    const files = [['good', corpus.good], ...corpus.cases.entries()];
    expect(files.length).toBe(HOSTILE_CASES.length + 1);
    for (const [name, file] of files) {
      const r = buildBoth(file, `hostile-${name}`);
      expect({ name, result: r.parallel }).toEqual({ name, result: r.inline });
    }
  }, 60_000);

  it('stops with the worker\'s error, leaving the file as it was, when the worker cannot load its code', async () => {
    // the building thread sleeps while it waits for the worker, and would never hear an 'error'
    // event: a worker that fails to load must say so through its port
    const broken = fileURLToPath(
      await bundleWorker(new URL('../../src/session/build-worker.ts', import.meta.url), (path) =>
        path.endsWith('tls-library-names.ts') ? "throw new Error('a module that does not load');" : undefined,
      ),
    );
    const file = join(dir, 'broken-worker.tinytap');
    await writeBusySession(file, 1_000);
    const db = openSessionDb(file);
    try {
      expect(() => buildExchanges(db, { parallel: true, workerScript: broken })).toThrow(/build worker failed: Error: a module that does not load/);
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'exchanges'").pluck().get()).toBe(0);
      // and the next build, on one thread, reads it
      expect(buildExchanges(db, { parallel: false }).exchanges).toBe(1_000);
    } finally {
      db.close();
    }
  }, 60_000);

  it('notices a worker that died without a word by its thread, leaving the file as it was', async () => {
    // a worker thread killed for running out of memory sends nothing: process.exit() in a
    // worker ends its thread the same way, here at the first block it reads
    const dying = fileURLToPath(
      await bundleWorker(new URL('../../src/session/build-worker.ts', import.meta.url), (path) =>
        path.endsWith('event-reader.ts')
          ? readFileSync(path, 'utf8').replace('export function openBlock(entry: BlockEntry, data: Buffer, damage: Damage): InflatedBlock | null {', '$&\n  process.exit(3);')
          : undefined,
      ),
    );
    const file = join(dir, 'dying-worker.tinytap');
    await writeBusySession(file, 1_000);
    const db = openSessionDb(file);
    try {
      // noticed by looking for its thread (this message), not by waiting out the two minutes a
      // silent worker is given (which would outlast the test)
      expect(() => buildExchanges(db, { parallel: true, workerScript: dying })).toThrow(/build worker died without a word/);
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'exchanges'").pluck().get()).toBe(0);
      expect(buildExchanges(db, { parallel: false }).exchanges).toBe(1_000);
    } finally {
      db.close();
    }
  }, 90_000);

  it('makes the same rows from the sessions kept in testdata', () => {
    const sessions = fileURLToPath(new URL('../../testdata/sessions/', import.meta.url));
    const files = readdirSync(sessions).filter((f) => f.endsWith('.tinytap'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const r = buildBoth(join(sessions, f), f);
      expect({ f, r: r.inline }).toMatchObject({ f, r: { stats: {} } });
      expect(r.exchanges).toBeGreaterThan(0);
      expect(r.parallel).toEqual(r.inline);
    }
  }, 60_000);
});
