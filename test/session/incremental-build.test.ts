// The incremental build (live.ts: a follower of a file being recorded keeps the build's pass
// between polls and hands it only what was committed since the last) gives the exchanges the
// full build gives, on every session the tests make: the protocol corpus, many interleaved
// connections with linked database calls, a WebSocket, TLS plaintext, the hostile corpus and the
// sessions kept in testdata. Exchanges are compared whole: ids, digests, links, their WebSocket
// messages and searchable text. Flows are compared by their two connections, not their ids (a
// follower numbers a flow when its connection appears, a build by when the flow began).
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { buildExchanges, DERIVED_TABLES } from '../../src/session/build-exchanges.js';
import { textCodec } from '../../src/session/exchange-text.js';
import { LiveBuild } from '../../src/session/live.js';
import { openSessionDb } from '../../src/session/open-session.js';
import { HOSTILE_CASES, writeBusySession, writeCorpus } from '../../testdata/hostile/corpus.js';
import { CORPUS_DIRS, scriptCorpus } from '../helpers/corpus-sessions.js';
import { scriptEverything } from '../helpers/mixed-session.js';
import type { ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

const dir = tempDir('tinytap-incremental-build-');

interface Derived {
  exchanges: Record<string, unknown>[];
  flows: Record<string, unknown>[];
  ws: unknown[][];
  text: unknown[][];
}

/** What a build made, in `schema`: each exchange with its flow named by the flow's connections. */
function derived(db: Database.Database, schema: 'main' | 'temp'): Derived {
  const rows = (sql: string) => db.prepare(sql).safeIntegers(true).all() as Record<string, unknown>[];
  const exchanges = rows(
    `SELECT e.*, f.client_conn AS flow_client, f.server_conn AS flow_server FROM ${schema}.exchanges e
     LEFT JOIN ${schema}.flows f ON f.id = e.flow_id ORDER BY e.id`,
  ).map(({ flow_id: _id, ...rest }) => rest);
  const flows = rows(`SELECT * FROM ${schema}.flows ORDER BY client_conn, server_conn, started_at`).map(({ id: _id, ...rest }) => rest);
  const raw = (sql: string) => db.prepare(sql).safeIntegers(true).raw().all() as unknown[][];
  return {
    exchanges,
    flows,
    ws: raw(`SELECT * FROM ${schema}.ws_messages ORDER BY exchange_id, seq`),
    // as read: a build into the file compresses it, a follower keeps it as it is
    text: (db.prepare(`SELECT id, codec, data FROM ${schema}.exchange_text ORDER BY id`).all() as { id: number; codec: unknown; data: unknown }[]).map((r) => [
      r.id,
      textCodec(db).decode(r.codec, r.data),
    ]),
  };
}

/** The full build of a copy of `file`, on one thread. */
function fullBuild(file: string, name: string): Derived {
  const copy = join(dir, `${name}.full.tinytap`);
  copyFileSync(file, copy);
  const db = openSessionDb(copy);
  try {
    buildExchanges(db, { parallel: false });
    return derived(db, 'main');
  } finally {
    db.close();
  }
}

/**
 * Record `script` with a follower polling at each of its commits: what the follower built once
 * the recording stopped, and that it read each record once (each poll only what was new).
 */
async function followWhileRecorded(script: ScriptedSession): Promise<{ built: Derived; polls: number }> {
  let db: Database.Database | null = null;
  let live: LiveBuild | null = null;
  let polls = 0;
  await script.finish({
    onCommit: () => {
      db ??= new Database(script.path);
      live ??= new LiveBuild(db);
      if (live.poll()) polls++;
    },
  });
  if (!db || !live) throw new Error('the script never committed');
  const [follower, build] = [db as Database.Database, live as LiveBuild];
  build.poll();
  build.finish();
  try {
    expect(build.records).toBe(follower.prepare('SELECT sum(records) FROM main.event_blocks').pluck().get());
    return { built: derived(follower, 'temp'), polls };
  } finally {
    follower.close();
  }
}

/**
 * Follow a file as if it were being recorded: a copy that holds at first none of its blocks
 * and connections, then more of them at each of `steps` polls, as a recorder's commits add
 * them (a connection once its open time is reached, its close time once that is). What the
 * follower built at the end, or null when the file's tables cannot be copied so (a hostile file
 * without them).
 */
function followAsItGrows(file: string, name: string, steps: number): Derived | null {
  const copy = join(dir, `${name}.grown.tinytap`);
  copyFileSync(file, copy);
  const db = new Database(copy);
  // rows are copied as the file holds them, whatever they point at (a hostile file's may point nowhere)
  db.pragma('foreign_keys = OFF');
  try {
    db.exec(`ATTACH '${file.replaceAll("'", "''")}' AS src`);
    try {
      for (const t of DERIVED_TABLES) db.exec(`DROP TABLE IF EXISTS main.${t}`);
      db.exec('DELETE FROM main.event_blocks; DELETE FROM main.conn_blocks; DELETE FROM main.connections; DELETE FROM main.connection_users');
    } catch {
      return null;
    }
    const blocks = db.prepare('SELECT id, last_ts FROM src.event_blocks ORDER BY id').safeIntegers(true).all() as { id: bigint; last_ts: bigint }[];
    const live = new LiveBuild(db);
    const per = Math.max(1, Math.ceil(blocks.length / steps));
    for (let from = 0; from < blocks.length || from === 0; from += per) {
      const part = blocks.slice(from, from + per);
      const last = from + per >= blocks.length;
      const upTo = part.length ? part[part.length - 1].id : 0n;
      const until = last ? null : (part[part.length - 1]?.last_ts ?? 0n);
      db.transaction(() => {
        db.prepare('INSERT INTO main.event_blocks SELECT * FROM src.event_blocks WHERE id > ? AND id <= ?').run(from === 0 ? -(2n ** 62n) : blocks[from - 1].id, last ? 2n ** 62n : upTo);
        db.prepare('INSERT OR IGNORE INTO main.conn_blocks SELECT * FROM src.conn_blocks WHERE block_id IN (SELECT id FROM main.event_blocks)').run();
        const opened = until === null ? 'TRUE' : "(typeof(opened_at) != 'integer' OR opened_at <= @until)";
        db.prepare(`INSERT OR REPLACE INTO main.connections SELECT * FROM src.connections WHERE ${opened}`).run(until === null ? {} : { until });
        if (until !== null) db.prepare('UPDATE main.connections SET closed_at = NULL WHERE closed_at > ?').run(until);
        db.prepare('INSERT OR IGNORE INTO main.connection_users SELECT * FROM src.connection_users WHERE conn_id IN (SELECT id FROM main.connections)').run();
      })();
      live.poll();
      if (last) break;
    }
    live.finish();
    return derived(db, 'temp');
  } finally {
    db.close();
  }
}

describe('an incremental build', () => {
  for (const corpus of CORPUS_DIRS)
    it(`gives the exchanges of a full build, followed while recorded: every ${corpus.name} case of the protocol corpus`, async () => {
      const file = join(dir, `corpus-${corpus.name}.tinytap`);
      const { built, polls } = await followWhileRecorded(scriptCorpus(file, corpus));
      expect(polls).toBeGreaterThan(5);
      const parsed = built.exchanges.filter((x) => x.protocol === corpus.protocol && x.error === null);
      expect(parsed.length).toBeGreaterThan(5);
      if (corpus.name === 'websocket') expect(built.ws.length).toBeGreaterThan(20);
      expect(built).toEqual(fullBuild(file, `corpus-${corpus.name}`));
    }, 60_000);

  it('gives the exchanges of a full build, followed while recorded: many connections, linked calls, WebSocket, TLS', async () => {
    const file = join(dir, 'everything.tinytap');
    const { built, polls } = await followWhileRecorded(scriptEverything(file));
    expect(polls).toBeGreaterThan(10);
    expect(built.exchanges.length).toBeGreaterThan(900);
    // the links a full build makes at the end are made when the recording stops
    expect(built.exchanges.some((x) => x.link === 'sole')).toBe(true);
    expect(built.ws.length).toBeGreaterThan(50);
    expect(built).toEqual(fullBuild(file, 'everything'));
  }, 60_000);

  it('gives the exchanges of a full build from a file followed as it grows, over many blocks', async () => {
    const file = join(dir, 'busy.tinytap');
    await writeBusySession(file, 20_000);
    const grown = followAsItGrows(file, 'busy', 7);
    expect(grown?.exchanges.length).toBe(20_000);
    expect(grown).toEqual(fullBuild(file, 'busy'));
  }, 60_000);

  it('gives the exchanges of a full build from every file of the hostile corpus and testdata, followed as they grow', async () => {
    mkdirSync(join(dir, 'hostile'));
    const corpus = await writeCorpus(join(dir, 'hostile'));
    const sessions = fileURLToPath(new URL('../../testdata/sessions/', import.meta.url));
    const files: [string, string][] = [
      ['good', corpus.good],
      ...corpus.cases.entries(),
      ...readdirSync(sessions)
        .filter((f) => f.endsWith('.tinytap'))
        .map((f): [string, string] => [f, join(sessions, f)]),
    ];
    expect(files.length).toBeGreaterThan(HOSTILE_CASES.length + 1);
    let compared = 0;
    for (const [name, file] of files) {
      let full: Derived;
      try {
        full = fullBuild(file, name);
      } catch {
        continue; // refused by a full build too (damaged-files.test.ts says how)
      }
      for (const steps of [1, 3]) {
        const grown = followAsItGrows(file, `${name}-${steps}`, steps);
        if (grown === null) continue;
        expect({ name, steps, grown }).toEqual({ name, steps, grown: full });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(HOSTILE_CASES.length);
  }, 120_000);
});
