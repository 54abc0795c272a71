/**
 * Reading commands over a directory of sessions (issue 16 "One history"): ls, search, show,
 * export and diff across files in time order, ids that name their file, time ranges that skip
 * files, and the directory's catalog (rebuilt when deleted, a file deleted by hand dropped with
 * a note, someone else's catalog ignored). Sessions written by the real recorder (fake addon).
 */
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';

import { CATALOG_NAME } from '../../src/history/catalog-store.js';
import { exchangesAreCurrent } from '../../src/session/build-exchanges.js';
import { runCli } from '../helpers/run-cli.js';
import { CURL, PYTHON, ScriptedSession } from '../helpers/scripted-session.js';
import { tempDir } from '../helpers/session-files.js';

const HOUR_MS = 3_600_000;
const T0_MS = 1_795_000_000_000; // the scripted sessions' clock starts here

/** Three files an hour apart, as a chain names them, with `n` requests each. */
const FILES = ['tinytap-20261203-100000.tinytap', 'tinytap-20261203-110000.tinytap', 'tinytap-20261203-120000.tinytap'];

async function writeFile(path: string, hour: number, paths: string[]): Promise<void> {
  const s = new ScriptedSession(path);
  s.wait(hour * HOUR_MS);
  for (const p of paths) {
    const c = s.tcp(CURL, PYTHON);
    const body = p.includes('rare') ? 'a zebra-unicorn-42 here' : 'ok';
    c.send('c2s', `GET ${p} HTTP/1.1\r\nHost: api.local\r\n\r\n`);
    c.send('s2c', `HTTP/1.1 ${p.includes('fail') ? 500 : 200} X\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    s.wait(1000);
  }
  await s.finish();
}

function built(path: string): boolean {
  const db = new Database(path, { readonly: true });
  try {
    return exchangesAreCurrent(db);
  } catch {
    return false;
  } finally {
    db.close();
  }
}

const at = (hour: number, plusMs = 0) => new Date(T0_MS + hour * HOUR_MS + plusMs).toISOString();
const json = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('a directory read as one history', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('tinytap-history-');
    chmodSync(dir, 0o700);
    await writeFile(join(dir, FILES[0]), 0, ['/a', '/b', '/fail']);
    await writeFile(join(dir, FILES[1]), 1, ['/c', '/rare', '/d']);
    await writeFile(join(dir, FILES[2]), 2, ['/e', '/fail']);
  });

  it('ls: every exchange once, in time order, ids naming their file', async () => {
    const r = await runCli('ls', dir, '--json');
    expect(r.code).toBe(0);
    const rows = json(r.out);
    expect(rows.map((x) => x.path)).toEqual(['/a', '/b', '/fail', '/c', '/rare', '/d', '/e', '/fail']);
    expect(rows.map((x) => x.id)).toEqual(['20261203-100000/1', '20261203-100000/2', '20261203-100000/3', '20261203-110000/1', '20261203-110000/2', '20261203-110000/3', '20261203-120000/1', '20261203-120000/2']);
    expect(rows[4].file).toBe(join(dir, FILES[1]));
    const table = await runCli('ls', dir, 'status:500', '-r');
    expect(table.out.split('\n')[1]).toMatch(/^20261203-120000\/2 .* api\.local\/fail /);
    const sorted = await runCli('ls', dir, '--json', '--sort', 'path', '-n', '3');
    expect(json(sorted.out).map((x) => x.path)).toEqual(['/a', '/b', '/c']);
  });

  it('a time range opens only the files it can match', async () => {
    rmSync(join(dir, CATALOG_NAME), { force: true });
    const fresh = tempDir('tinytap-history-range-');
    chmodSync(fresh, 0o700);
    for (const [i, f] of FILES.entries()) await writeFile(join(fresh, f), i, i === 1 ? ['/c', '/rare', '/d'] : ['/x']);
    const r = await runCli('ls', fresh, '--json', '--since', at(1), '--until', at(1, 30 * 60_000));
    expect(json(r.out).map((x) => x.path)).toEqual(['/c', '/rare', '/d']);
    expect(FILES.map((f) => built(join(fresh, f)))).toEqual([false, true, false]);
  });

  it('search, show and export across the files', async () => {
    const s = await runCli('search', dir, 'zebra-unicorn-42', '--json');
    expect(json(s.out).map((x) => [x.id, x.url])).toEqual([['20261203-110000/2', 'http://api.local/rare']]);
    const show = await runCli('show', dir, '20261203-110000/2');
    expect(show.out).toMatch(/^#20261203-110000\/2 {2}GET http:\/\/api.local\/rare/);
    expect(show.out).toContain('zebra-unicorn-42');
    const plain = await runCli('show', dir, '2');
    expect(plain.code).toBe(2);
    expect(plain.err).toMatch(/does not say which file it is in: use the id as tinytap ls shows it, like 20261203-120000\/1/);
    const har = await runCli('export', dir, '--har', 'path:/fail');
    const entries = (JSON.parse(har.out) as { log: { entries: { _tinytapId: string }[] } }).log.entries;
    expect(entries.map((e) => e._tinytapId)).toEqual(['20261203-100000/3', '20261203-120000/2']);
    const curl = await runCli('export', dir, '--curl', '--since', at(2));
    expect(curl.out).toContain('# #20261203-120000/1 GET http://api.local/e');
    expect(curl.out).not.toContain('/a\n');
  });

  it('diff compares two time ranges of the same directory', async () => {
    const r = await runCli('diff', dir, dir, '--a-until', at(0, 10 * 60_000), '--b-since', at(2), '--json');
    const report = JSON.parse(r.out) as { a: { exchanges: number }; b: { exchanges: number }; differences: { endpoint: string; kind: string }[] };
    expect([report.a.exchanges, report.b.exchanges]).toEqual([3, 2]);
    expect(report.differences.map((d) => `${d.endpoint} ${d.kind}`)).toEqual(expect.arrayContaining(['GET /a only-in-a', 'GET /e only-in-b']));
    expect(r.code).toBe(1);
  });

  it('keeps a catalog: private, rebuilt when deleted, a file deleted by hand dropped with a note', async () => {
    const catalog = join(dir, CATALOG_NAME);
    await runCli('ls', dir, '-n', '1');
    expect(statSync(catalog).mode & 0o777).toBe(0o600);
    const before = JSON.parse(readFileSync(catalog, 'utf8')) as { files: { name: string; built: unknown }[] };
    expect(before.files.map((f) => f.name)).toEqual(FILES);
    expect(before.files.every((f) => f.built !== null)).toBe(true);
    rmSync(catalog);
    expect((await runCli('ls', dir, '--json')).out.trim().split('\n')).toHaveLength(8);
    expect(existsSync(catalog)).toBe(true);

    const gap = tempDir('tinytap-history-gap-');
    chmodSync(gap, 0o700);
    for (const [i, f] of FILES.entries()) await writeFile(join(gap, f), i, ['/x']);
    await runCli('ls', gap);
    rmSync(join(gap, FILES[1]));
    const r = await runCli('ls', gap, '--json');
    expect(json(r.out)).toHaveLength(2);
    expect(r.err).toBe(`tinytap: ${join(gap, FILES[1])} is gone (deleted by hand?): dropped from the catalog; the history has a gap there\n`);
    expect((JSON.parse(readFileSync(join(gap, CATALOG_NAME), 'utf8')) as { files: unknown[] }).files).toHaveLength(2);
    // the oldest going is what a budget does: no note
    rmSync(join(gap, FILES[0]));
    expect((await runCli('ls', gap, '--json')).err).toBe('');
  });

  it('a catalog that lies, or is not the user\'s, is not believed', async () => {
    const catalog = join(dir, CATALOG_NAME);
    await runCli('ls', dir, '-n', '1');
    const c = JSON.parse(readFileSync(catalog, 'utf8')) as { files: { built: { reqTo: string } }[] };
    // claims the files hold nothing recent: the stat stamp still matches, so only ownership guards it
    for (const f of c.files) f.built.reqTo = '1';
    writeFileSync(catalog, JSON.stringify(c));
    chmodSync(catalog, 0o666);
    const r = await runCli('ls', dir, '--json', '--since', at(2));
    expect(json(r.out).map((x) => x.path)).toEqual(['/e', '/fail']);
  });

  it('a file in the directory that is not a session is skipped with a note', async () => {
    const odd = tempDir('tinytap-history-odd-');
    chmodSync(odd, 0o700);
    await writeFile(join(odd, FILES[0]), 0, ['/a']);
    writeFileSync(join(odd, 'notes.tinytap'), 'not a session');
    const r = await runCli('ls', odd, '--json');
    expect(json(r.out)).toHaveLength(1);
    expect(r.err).toMatch(/notes\.tinytap.*is not a tinytap session.*: skipped\n$/);
  });
});
