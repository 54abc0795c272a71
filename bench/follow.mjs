// Following a recording (`tinytap open --follow`, `record --tui`): can the follower's build keep
// pace with what a recorder writes? A generated session's blocks are added to a copy of it a few
// at a time, as the recorder's commits add them, and the follower (LiveBuild, the build's pass
// kept between polls) is polled after each: its exchanges per second of its own time, beside a
// full one-thread build of the same file in the same run.
// Usage: followBench({ file }) from bench/run.mjs, or `node bench/follow.mjs FILE` (prints JSON).
import Database from 'better-sqlite3';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { ROOT, fmt, tempDir } from './lib.mjs';

const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);

/** Seconds of a one-thread full build of a copy of `file`. */
async function fullBuildSeconds(file, dir) {
  const { buildExchanges } = await dist('session/build-exchanges.js');
  const { openSessionDb } = await dist('session/open-session.js');
  const copy = join(dir, 'full.tinytap');
  copyFileSync(file, copy);
  const db = openSessionDb(copy);
  try {
    const t = performance.now();
    const stats = buildExchanges(db, { parallel: false });
    return { seconds: (performance.now() - t) / 1000, exchanges: stats.exchanges };
  } finally {
    db.close();
    rmSync(copy, { force: true });
  }
}

/**
 * Grow a copy of `file` by `blocksPerCommit` blocks at a time, and poll a follower after each:
 * the follower's seconds (polls and its end), apart from the copying.
 */
async function followSeconds(file, dir, blocksPerCommit) {
  const { LiveBuild } = await dist('session/live.js');
  const { DERIVED_TABLES } = await dist('session/build-exchanges.js');
  const copy = join(dir, 'grown.tinytap');
  copyFileSync(file, copy);
  const db = new Database(copy);
  try {
    db.pragma('foreign_keys = OFF');
    db.exec(`ATTACH '${file.replaceAll("'", "''")}' AS src`);
    for (const t of DERIVED_TABLES) db.exec(`DROP TABLE IF EXISTS main.${t}`);
    db.exec('DELETE FROM main.event_blocks; DELETE FROM main.conn_blocks; DELETE FROM main.connections; DELETE FROM main.connection_users');
    const blocks = db.prepare('SELECT id, last_ts FROM src.event_blocks ORDER BY id').safeIntegers(true).all();
    const live = new LiveBuild(db);
    let busy = 0;
    let polls = 0;
    const addBlocks = db.prepare('INSERT INTO main.event_blocks SELECT * FROM src.event_blocks WHERE id > ? AND id <= ?');
    const addConns = db.prepare('INSERT OR REPLACE INTO main.connections SELECT * FROM src.connections WHERE opened_at <= ?');
    const unclose = db.prepare('UPDATE main.connections SET closed_at = NULL WHERE closed_at > ?');
    const addUsers = db.prepare('INSERT OR IGNORE INTO main.connection_users SELECT * FROM src.connection_users WHERE conn_id IN (SELECT id FROM main.connections)');
    for (let i = 0; i < blocks.length; i += blocksPerCommit) {
      const part = blocks.slice(i, i + blocksPerCommit);
      const until = part[part.length - 1].last_ts;
      db.transaction(() => {
        addBlocks.run(i === 0 ? -1n : blocks[i - 1].id, part[part.length - 1].id);
        addConns.run(until);
        unclose.run(until);
        addUsers.run();
      })();
      const t = performance.now();
      live.poll();
      busy += performance.now() - t;
      polls++;
    }
    const t = performance.now();
    live.finish();
    busy += performance.now() - t;
    return { seconds: busy / 1000, exchanges: live.exchanges, polls, blocks: blocks.length };
  } finally {
    db.close();
    rmSync(copy, { force: true });
  }
}

export async function followBench({ file, blocksPerCommit = 4 }) {
  const dir = tempDir('tinytap-bench-follow-');
  try {
    const full = await fullBuildSeconds(file, dir);
    const follow = await followSeconds(file, dir, blocksPerCommit);
    return {
      exchanges: follow.exchanges,
      sameCount: follow.exchanges === full.exchanges,
      polls: follow.polls,
      blocks: follow.blocks,
      followSeconds: follow.seconds,
      followPerSecond: follow.exchanges / follow.seconds,
      fullSeconds: full.seconds,
      fullPerSecond: full.exchanges / full.seconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function followMarkdown(r) {
  return [
    '| build | exchanges | seconds | exchanges/s | vs. one-thread full build |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| full build, one thread (the baseline) | ${fmt(r.exchanges)} | ${fmt(r.fullSeconds, 2)} | ${fmt(r.fullPerSecond)} | 1.00× |`,
    `| follower, ${fmt(r.polls)} polls of ${fmt(r.blocks / r.polls, 1)} blocks each | ${fmt(r.exchanges)} | ${fmt(r.followSeconds, 2)} | ${fmt(r.followPerSecond)} | ${fmt(r.followPerSecond / r.fullPerSecond, 2)}× |`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await followBench({ file: process.argv[2] }), null, 1));
}
